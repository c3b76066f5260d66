import type { ExactCpu } from "@wsarena/results";
import { describe, expect, it } from "vitest";
import { cpuPerMessageSummary } from "./cpu-per-message.ts";

const cpu = (serverCpuUsPerMsg: number | null): ExactCpu => ({
  spanStartMs: 0,
  spanEndMs: 1000,
  processCpuNs: 0,
  processCpuPct: 0,
  exitedThreads: 0,
  coreSource: null,
  coreBusyPctEach: [],
  coreBusyPct: null,
  coreIrqPct: null,
  coreStealPct: null,
  clientCoreBusyPct: null,
  serverCpuUsPerMsg,
});

describe("cpuPerMessageSummary", () => {
  it("summarises the repetitions that have a figure, skipping those without", () => {
    const s = cpuPerMessageSummary([{ cpu: cpu(10) }, { cpu: cpu(12) }, { cpu: cpu(null) }, {}])!;
    expect(s).toMatchObject({ metric: "serverCpuUsPerMsg", unit: "µs/msg", better: "lower", n: 2, mean: 11, min: 10, max: 12 });
    expect(s.ci95Lo).toBeLessThan(11);
  });
  it("is null when no repetition has exact counters (an older set)", () => {
    expect(cpuPerMessageSummary([{}, {}])).toBeNull();
  });
});
