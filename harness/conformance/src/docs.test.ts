// README.md's check list must be the one generated from the check table.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CHECKS } from "./checks/index.ts";
import { README_PATH, renderReadme } from "./docs.ts";

describe("README", () => {
  it("lists every check exactly as the check table defines it (regenerate with pnpm --filter @wsarena/conformance gen-readme)", () => {
    const current = readFileSync(README_PATH, "utf8");
    expect(current).toBe(renderReadme(current));
  });

  it("has unique, dotted, kebab-case check ids", () => {
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
  });

  it("says why every check without an implementation for a protocol does not apply", () => {
    for (const c of CHECKS) for (const p of ["ws", "socket.io"] as const) if (!c.run[p]) expect(c.notApplicable?.[p], `${c.id} on ${p}`).toBeTruthy();
  });
});
