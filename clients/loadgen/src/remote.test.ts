// A load generator must not hit a host by accident: targets other than loopback need --allow-remote (allowRemote).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isLoopbackUrl, resolveOptions } from "./options.ts";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));

describe("remote targets", () => {
  it("counts 127.0.0.0/8, localhost and ::1 as loopback, and nothing else", () => {
    for (const u of ["ws://127.0.0.1:80", "ws://127.3.2.1:9", "http://localhost:1", "ws://[::1]:8080"]) expect(isLoopbackUrl(u)).toBe(true);
    for (const u of ["ws://10.0.0.1:80", "ws://example.com:80", "ws://128.0.0.1:80", "ws://127.0.0.1.example.com:80", "ws://0.0.0.0:80"])
      expect(isLoopbackUrl(u)).toBe(false);
  });

  it("refuses a non-loopback url unless allowRemote is set", () => {
    expect(() => resolveOptions({ url: "ws://10.1.2.3:8080" })).toThrow(/not loopback.*--allow-remote/);
    expect(resolveOptions({ url: "ws://10.1.2.3:8080", allowRemote: true }).allowRemote).toBe(true);
    expect(resolveOptions({ url: "ws://127.0.0.1:8080" }).url).toBe("ws://127.0.0.1:8080");
  });

  it("wsarena-load exits 2 with a one-line error naming --allow-remote, and --allow-remote reaches the options", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", CLI, "--url", "ws://192.0.2.1:9", "--duration", "100ms"], { encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/not loopback.*--allow-remote/);
    // With --allow-remote the url passes, and the next problem (here --connections 0) is the one reported.
    const allowed = spawnSync(process.execPath, ["--import", "tsx", CLI, "--url", "ws://192.0.2.1:9", "--allow-remote", "--connections", "0"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(allowed.status).toBe(2);
    expect(allowed.stderr).toMatch(/connections/);
    expect(allowed.stderr).not.toMatch(/loopback/);
  });
});
