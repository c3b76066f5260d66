import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findChromium, SYSTEM_CHROMIUM_ARGS } from "./browser.ts";

const dir = mkdtempSync(join(tmpdir(), "wsarena-browser-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("findChromium", () => {
  it("prefers a chromium on PATH over the bundled one", async () => {
    const fake = join(dir, "chromium");
    writeFileSync(fake, "#!/bin/sh\n");
    chmodSync(fake, 0o755);
    const found = await findChromium({ PATH: `/nonexistent:${dir}` });
    expect(found).toEqual({ executablePath: fake, args: SYSTEM_CHROMIUM_ARGS, source: "system" });
  });

  it("throws when WSARENA_CHROMIUM names a missing file instead of falling back", async () => {
    await expect(findChromium({ WSARENA_CHROMIUM: join(dir, "missing"), PATH: dir })).rejects.toThrow(/WSARENA_CHROMIUM=.*does not exist/);
  });

  it("falls back to the bundled @sparticuz/chromium when PATH has no chromium", async () => {
    const found = await findChromium({ PATH: "/nonexistent" });
    expect(found.source).toBe("@sparticuz/chromium");
    expect(found.args).toContain("--no-sandbox");
  });
});
