import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { downsample, readProcessCpuTicks, readProcStatFields, readRssBytes, startSampler, summariseUsage } from "./sample.ts";

describe("/proc readers", () => {
  it("read this process's CPU ticks and RSS", () => {
    expect(readProcessCpuTicks(process.pid)).toBeGreaterThanOrEqual(0);
    expect(readRssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
  });
  it("read the fields after comm even when comm holds spaces and parentheses", async () => {
    // comm is the name the program was started by: a link named "a) b (c" to node would shift a naive split.
    const dir = mkdtempSync(join(tmpdir(), "wsarena-stat-"));
    const exe = join(dir, "a) b (c");
    symlinkSync(process.execPath, exe);
    const child = spawn(exe, ["-e", "setTimeout(() => {}, 5000)"], { stdio: "ignore" });
    try {
      await new Promise((r) => child.once("spawn", r));
      expect(readFileSync(`/proc/${child.pid}/stat`, "utf8")).toContain("(a) b (c)");
      const f = readProcStatFields(child.pid!);
      expect(f?.[1]).toBe(String(process.pid));
      expect(f?.[0]).toMatch(/^[RSD]$/);
    } finally {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("return null for a process that does not exist", () => {
    expect(readProcStatFields(2 ** 22 + 7)).toBeNull();
    expect(readProcessCpuTicks(2 ** 22 + 7)).toBeNull();
    expect(readRssBytes(2 ** 22 + 7)).toBeNull();
  });
});

async function sampleChild(code: string): Promise<NonNullable<ReturnType<typeof summariseUsage>>> {
  const child = spawn(process.execPath, ["-e", code], { stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 150));
    const s = startSampler(child.pid!, [0], 100);
    const start = Date.now();
    await new Promise((r) => setTimeout(r, 800));
    return summariseUsage(s.stop(), start, Date.now(), 100)!;
  } finally {
    child.kill("SIGKILL");
  }
}

describe("startSampler + summariseUsage", () => {
  it("tells a busy-looping child from a sleeping one", async () => {
    const busy = await sampleChild("const end = Date.now() + 1500; while (Date.now() < end) {}");
    const idle = await sampleChild("setTimeout(() => {}, 1500)");
    expect(busy.sampleCount).toBeGreaterThanOrEqual(5);
    // The machine is shared, so the busy loop may not get a whole core; it still dwarfs the sleeper.
    expect(busy.cpuPct).toBeGreaterThan(20);
    expect(busy.cpuPct).toBeLessThan(110);
    expect(idle.cpuPct).toBeLessThan(10);
    expect(busy.rssBytesMax).toBeGreaterThan(1024 * 1024);
    expect(busy.samples[0]!.coreBusyPct).toHaveLength(1);
  });
});

describe("downsample", () => {
  it("keeps first and last and at most max items", () => {
    const d = downsample([...Array(1000).keys()], 60);
    expect(d).toHaveLength(60);
    expect(d[0]).toBe(0);
    expect(d[59]).toBe(999);
  });
});
