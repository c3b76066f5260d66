// Real hiccup probe processes: windows answer with what was logged inside them only, and a probe dies with its parent.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { newHistogram } from "@wsarena/stats";
import * as hdr from "hdr-histogram-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLOOR_INTERVAL_US, startFloorProbes, type FloorProbes } from "./floor.ts";
import { sleep } from "./time.ts";

/** The settings an encoded histogram carries (fields of hdr-histogram-js's JsHistogram, not in its Histogram interface). */
function settingsOf(h: object): number[] {
  const j = h as { lowestDiscernibleValue: number; highestTrackableValue: number; numberOfSignificantValueDigits: number };
  return [j.lowestDiscernibleValue, j.highestTrackableValue, j.numberOfSignificantValueDigits];
}

describe("floor probes", () => {
  let probes: FloorProbes;
  let startedMs: number;
  beforeAll(async () => {
    startedMs = Date.now();
    probes = await startFloorProbes([{ cpu: 0, role: "server" }]);
  }, 30_000);
  afterAll(async () => {
    await probes?.stop();
  });

  it("returns a lateness histogram for a window, from that window's wake-ups only", async () => {
    const a = Date.now();
    await sleep(400);
    const b = Date.now() + 0.5; // half a ms: never exactly a logged wake-up time
    await sleep(400);
    const c = Date.now();
    const [whole] = await probes.windows(a, c);
    const [first] = await probes.windows(a, b);
    const [second] = await probes.windows(b, c);
    expect(whole!.wakeups).toBeGreaterThan(10);
    expect(first!.wakeups + second!.wakeups).toBe(whole!.wakeups);
    const [record] = await probes.floor(a, c);
    expect(record).toMatchObject({ cpu: 0, role: "server", intervalUs: FLOOR_INTERVAL_US });
    expect(record!.lateness.summary.count).toBeGreaterThanOrEqual(whole!.wakeups);
    const h = hdr.decodeFromCompressedBase64(record!.lateness.histogram!, 32, false);
    expect(h.totalCount).toBe(record!.lateness.summary.count);
    // Same histogram settings as the load generator's latencies, so floor and latency histograms compare and merge.
    expect(settingsOf(h)).toEqual(settingsOf(newHistogram()));
    expect(record!.probeCpuPct).toBeGreaterThanOrEqual(0);
  });

  it("returns nothing for a window before it started or after now", async () => {
    const [before] = await probes.windows(startedMs - 60_000, startedMs - 1);
    expect(before!.wakeups).toBe(0);
    expect(before!.histogram).toBeNull();
    const [after] = await probes.windows(Date.now() + 10_000, Date.now() + 20_000);
    expect(after!.wakeups).toBe(0);
    expect(await probes.floor(startedMs - 60_000, startedMs - 1)).toEqual([]);
  });

  it("pins each probe to its core", () => {
    const out = execFileSync("taskset", ["-cp", String(probes.probes[0]!.pid)], { encoding: "utf8" });
    expect(out.trim()).toMatch(/: 0$/);
  });
});

const PARENT = `
import { startFloorProbes } from ${JSON.stringify(fileURLToPath(new URL("./floor.ts", import.meta.url)))};
const p = await startFloorProbes([{ cpu: 0, role: "server" }]);
console.log(JSON.stringify(p.probes.map((x) => x.pid)));
setInterval(() => {}, 1000);
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("a floor probe", () => {
  it("exits when its parent is SIGKILLed", async () => {
    const parent = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", PARENT], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const pids = await new Promise<number[]>((res, rej) => {
      let out = "";
      parent.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("\n")) res(JSON.parse(out.split("\n")[0]!) as number[]);
      });
      parent.once("exit", (code) => rej(new Error(`parent exited early (code ${code})`)));
    });
    expect(pids).toHaveLength(1);
    expect(alive(pids[0]!)).toBe(true);
    parent.kill("SIGKILL");
    // Bounded wait for the probe to notice the closed IPC channel (not a timing assertion).
    for (let i = 0; i < 100 && alive(pids[0]!); i++) await sleep(100);
    expect(alive(pids[0]!)).toBe(false);
  }, 30_000);
});
