import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { downsample, readProcessCpuTicks, readRssBytes, startSampler, summariseUsage } from "./sample.ts";

describe("/proc readers", () => {
  it("read this process's CPU ticks and RSS", () => {
    expect(readProcessCpuTicks(process.pid)).toBeGreaterThanOrEqual(0);
    expect(readRssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
  });
  it("return null for a process that does not exist", () => {
    expect(readProcessCpuTicks(2 ** 22 + 7)).toBeNull();
    expect(readRssBytes(2 ** 22 + 7)).toBeNull();
  });
});

describe("startSampler + summariseUsage", () => {
  it("sees a busy-looping child at close to 100% of one core", async () => {
    const child = spawn(process.execPath, ["-e", "const end = Date.now() + 1500; while (Date.now() < end) {}"], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 150));
      const s = startSampler(child.pid!, [0], 100);
      const start = Date.now();
      await new Promise((r) => setTimeout(r, 800));
      const end = Date.now();
      const usage = summariseUsage(s.stop(), start, end, 100)!;
      expect(usage.sampleCount).toBeGreaterThanOrEqual(5);
      // Other work shares the machine: a busy loop still shows well above half a core.
      expect(usage.cpuPct).toBeGreaterThan(50);
      expect(usage.cpuPct).toBeLessThan(110);
      expect(usage.rssBytesMax).toBeGreaterThan(1024 * 1024);
      expect(usage.samples[0]!.coreBusyPct).toHaveLength(1);
    } finally {
      child.kill("SIGKILL");
    }
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
