import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { downsample, parseCoreTicks, readProcessCpuTicks, readProcStatFields, readRssBytes, startSampler, stealBetween, summariseUsage } from "./sample.ts";

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

/** /proc/stat of a 2-cpu VM (Linux 6.x: user nice system idle iowait irq softirq steal guest guest_nice). */
const PROC_STAT_FIXTURE = `cpu  118898 0 13939 74631 101 0 1456 188 0 0
cpu0 59022 0 6661 38162 56 0 633 88 0 0
cpu1 59875 0 7278 36468 45 0 822 100 0 0
intr 1718821 0 0 0
ctxt 4420188
`;

describe("parseCoreTicks", () => {
  it("reads busy, total and steal (the 8th value) of each cpu", () => {
    const [c0, c1] = parseCoreTicks(PROC_STAT_FIXTURE, [0, 1]);
    expect(c0).toEqual({ busy: 59022 + 6661 + 633 + 88, total: 59022 + 6661 + 38162 + 56 + 633 + 88, steal: 88 });
    expect(c1!.steal).toBe(100);
  });
  it("gives null steal when the kernel reports only seven values (before Linux 2.6.11)", () => {
    const [c0] = parseCoreTicks("cpu0 100 0 50 800 10 0 5\n", [0]);
    expect(c0!.steal).toBeNull();
    expect(c0!.total).toBe(965);
  });
});

describe("stealBetween", () => {
  const at = (atMs: number, steal: number | null, total: number) => ({ atMs, cpuTicks: 0, rssBytes: 0, cores: [{ busy: 0, total, steal }] });
  it("is the stolen share of the cores' ticks over the window, %", () => {
    expect(stealBetween([at(0, 10, 1000), at(1000, 30, 1200)], 0, 1000, [0])).toBe(10);
  });
  it("is null when the kernel does not report steal", () => {
    expect(stealBetween([at(0, null, 1000), at(1000, null, 1200)], 0, 1000, [0])).toBeNull();
  });
});
