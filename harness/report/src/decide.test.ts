// The report's re-decision of point flags and of the latency percentile, and the findings rules that read them:
// hand-built points whose every number is chosen, so each rule's threshold is crossed on purpose.
import { describe, expect, it } from "vitest";
import type { FloorRecord, LatencySummaryRecord, RepetitionRecord, ValidityFlag } from "@wsarena/results";
import { decidePoints } from "./decide.ts";
import { computeFindings, groupVerdict } from "./findings.ts";
import type { PointView, ReportInput } from "./model.ts";
import { fmtAdvantage, fmtLevel } from "./rank.ts";
import { repetitionsRange } from "./tables.ts";

const summary = (p50: number, p90: number, p99: number): LatencySummaryRecord => ({
  count: 10_000,
  minUs: 10,
  meanUs: p50,
  p50Us: p50,
  p90Us: p90,
  p99Us: p99,
  p999Us: p99 * 2,
  maxUs: p99 * 4,
});
const floorRec = (p99: number): FloorRecord => ({
  cpu: 0,
  role: "server",
  intervalUs: 1000,
  lateness: { summary: summary(70, 150, p99), histogram: null },
  probeCpuPct: 0.5,
});

interface RepSpec {
  /** Latency p50, p90, p99 µs. */
  lat?: [number, number, number];
  /** Floor p99 µs of the window (p50 70, p90 150). */
  floorP99?: number;
  /** Scheduler lag p99 µs (p50 and p90 a tenth of it). */
  lagP99?: number;
  flags?: ValidityFlag[];
  msgsPerSec?: number;
}

/** A repetition with only the fields the rules read; the rest are neutral. */
function rep(s: RepSpec, i: number): RepetitionRecord {
  return {
    rep: i,
    msgsPerSec: s.msgsPerSec ?? 1000,
    latency: s.lat ? summary(...s.lat) : null,
    floor: s.floorP99 ? [floorRec(s.floorP99)] : [],
    schedulerLag: s.lagP99 ? { summary: summary(s.lagP99 / 10, s.lagP99 / 10, s.lagP99), histogram: null } : null,
    flags: s.flags ?? [],
    atFloor: [],
    integrity: { sent: 1, received: 1, lost: 0, duplicated: 0, reordered: 0, corrupted: 0 },
    errors: [],
    postcondition: { ok: true, failures: [] },
    clientCpu: { cpus: "1", workers: 1, cpuSeconds: 1, utilisation: 0.3, perWorkerCpuSeconds: [1] },
    server: null,
  } as unknown as RepetitionRecord;
}

function point(stack: string, pointKey: string, reps: RepSpec[], flags: ValidityFlag[], metric = "p99Us", params: Record<string, number> = {}): PointView {
  const latency = metric.endsWith("Us");
  return {
    key: `${stack}|s|${pointKey}`,
    stack,
    sourceFile: `${stack}--s.json`,
    displayName: stack,
    version: null,
    runtime: "node",
    approach: "",
    scenario: latency ? "echo-latency" : "echo-throughput",
    pointKey,
    params,
    scenarioParams: {},
    loadShape: null,
    status: "ok",
    reason: null,
    partial: false,
    flags,
    headline: latency ? { metric, unit: "µs", better: "lower" } : { metric, unit: "msg/s", better: "higher" },
    reps: reps.map(rep),
    summary: null,
    stop: null,
  };
}

const FLOOR = 1_000;
const times = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);

describe("decidePoints: latency decided at the highest percentile clear of the floor", () => {
  // a's p99 is within 2× of its window's floor in 3 of 4 repetitions; its p90 (400 µs vs 150 µs) is clear.
  const a = point(
    "a",
    "10k/s",
    [
      ...times(3, { lat: [200, 400, 1_800] as [number, number, number], floorP99: FLOOR, flags: ["at-floor" as const] }),
      { lat: [200, 400, 3_000], floorP99: FLOOR },
    ],
    ["at-floor"],
  );
  const b = point("b", "10k/s", times(4, { lat: [300, 800, 5_000] as [number, number, number], floorP99: FLOOR }), []);
  const [da, db] = decidePoints([a, b]);

  it("decides the group at p90, names why, and drops at-floor judged at p99", () => {
    expect(da!.decision).toEqual({ percentile: "p90Us", passed: [{ percentile: "p99Us", atFloor: ["a"] }], fallback: false, atFloor: [] });
    expect(db!.decision!.percentile).toBe("p90Us");
    expect(da!.flags).toEqual([]);
    expect(da!.reps.map((r) => r.flags)).toEqual([[], [], [], []]);
  });

  it("ranks the group at the decided percentile and prints it", () => {
    const v = groupVerdict([da!, db!]);
    expect(v.ranked.map((r) => r.stack)).toEqual(["a", "b"]);
    expect(v.ranked[0]!.geoMean).toBeCloseTo(400, 6);
    expect(v.ranked[1]!.geoMean).toBeCloseTo(800, 6);
    const input: ReportInput = { dir: "/x", run: null as never, scenarios: ["echo-latency"], stacks: ["a", "b"], points: [da!, db!] };
    const text = computeFindings(input, { slo: null }).find((f) => f.kind === "verdict")!.text;
    expect(text).toMatch(/^echo-latency 10k\/s \(p90Us, lower is better; p90 decided: p99 at the floor \(a\)\): a > b \(×2\.00, 95 % CI /);
  });
});

describe("decidePoints: a point's flag by the point rule", () => {
  it("carries a majority flag only from more than half of the repetitions, integrity and errors from any", () => {
    const one = point("a", "64B", [{ flags: ["client-bound", "integrity"] }, {}, {}, {}], ["client-bound", "integrity"], "msgsPerSec");
    const three = point(
      "b",
      "64B",
      [{ flags: ["client-bound"] }, { flags: ["client-bound"] }, { flags: ["client-bound"] }, {}],
      ["client-bound"],
      "msgsPerSec",
    );
    const [d1, d3] = decidePoints([one, three]);
    expect(d1!.flags).toEqual(["integrity"]);
    expect(d3!.flags).toEqual(["client-bound"]);
  });

  it("drops a client-loaded flag stored by the busy-core rule where the scheduler lag is no evidence of it", () => {
    // Lag p99 200 µs is 10 % of the 2 ms p99: the old rule flagged the window on the client core's busy share alone.
    const p = point(
      "a",
      "1k/s",
      times(3, { lat: [200, 400, 2_000] as [number, number, number], floorP99: 500, lagP99: 200, flags: ["client-loaded" as const] }),
      ["client-loaded"],
    );
    expect(decidePoints([p])[0]!.flags).toEqual([]);
    const loaded = point("a", "1k/s", times(3, { lat: [200, 400, 2_000] as [number, number, number], floorP99: 500, lagP99: 600 }), []);
    expect(decidePoints([loaded])[0]!.flags).toEqual(["client-loaded"]);
  });

  it("prints beside a flag the values of the repetitions that fired it, with the count", () => {
    const p = point(
      "a",
      "1k/s",
      [
        { lat: [200, 400, 2_000], floorP99: 500, lagP99: 600 },
        { lat: [200, 400, 2_000], floorP99: 500, lagP99: 700 },
        { lat: [200, 400, 2_000], floorP99: 500, lagP99: 100 },
      ],
      [],
    );
    const input: ReportInput = { dir: "/x", run: null as never, scenarios: ["echo-latency"], stacks: ["a"], points: decidePoints([p]) };
    const flagged = computeFindings(input, { slo: null }).find((f) => f.kind === "flagged")!;
    expect(flagged.text).toBe(
      "a echo-latency 1k/s: client-loaded (in 2 of 3 reps (lag > 25% of the latency at p99): scheduler lag p99 600 µs, 30% of the measured 2.00 ms; scheduler lag p99 700 µs, 35% of the measured 2.00 ms).",
    );
    expect(flagged.warning).toBe(true);
  });
});

describe("findings: saturation and ⚠", () => {
  const sweep = (p99s: number[], floorP99: number): PointView[] =>
    p99s.map((p99, i) =>
      point("a", `${(i + 1) * 10}k/s`, times(3, { lat: [100, 200, p99] as [number, number, number], floorP99, msgsPerSec: (i + 1) * 10_000 }), [], "p99Us", {
        rate: (i + 1) * 10_000,
      }),
    );
  const sat = (pts: PointView[]): string => {
    const input: ReportInput = { dir: "/x", run: null as never, scenarios: ["echo-latency"], stacks: ["a"], points: decidePoints(pts) };
    return computeFindings(input, { slo: null }).find((f) => f.kind === "saturation")!.text;
  };

  it("does not call a 3× rise of a p99 that is still at the floor saturation", () => {
    // 1.0 ms → 3.5 ms while the window's floor p99 is 2 ms: 3.5 ms is within 2× of it.
    expect(sat(sweep([1_000, 3_500], 2_000))).toMatch(/^echo-latency: a keeps up at every offered rate up to 20\.0k msg\/s/);
  });

  it("calls a 3× rise clear of the floor a latency knee, not saturation, while everything offered is delivered", () => {
    expect(sat(sweep([1_000, 3_500], 500))).toMatch(
      /and its latency turns up by 20\.0k msg\/s \(a knee: it still delivered ≥ 95% of the offered rate\): p99 rose to 3\.50 ms, 3\.5× its 1\.00 ms at 10\.0k msg\/s, clear of the floor \(p99 500 µs\)\.$/,
    );
  });

  it("calls falling behind the offered rate saturation", () => {
    const pts = sweep([1_000, 1_100], 500);
    pts[1]!.reps = pts[1]!.reps.map((r) => ({ ...r, msgsPerSec: 15_000 }));
    expect(sat(pts)).toMatch(/saturates by 20\.0k msg\/s: it delivered 15\.0k of 20\.0k msg\/s offered \(75%\)\.$/);
  });

  it("marks with ⚠ only findings that name an unranked figure: not a tie, not a high-variance caveat", () => {
    const a = point("a", "64B", times(3, { msgsPerSec: 1_000 }), ["high-variance"], "msgsPerSec");
    a.reps = [900, 1_000, 1_200].map((m, i) => rep({ msgsPerSec: m }, i));
    const b = point(
      "b",
      "64B",
      [1_000, 1_010, 990].map(() => ({ msgsPerSec: 1_000 })),
      [],
      "msgsPerSec",
    );
    const input: ReportInput = { dir: "/x", run: null as never, scenarios: ["echo-throughput"], stacks: ["a", "b"], points: decidePoints([a, b]) };
    const f = computeFindings(input, { slo: null });
    expect(f.find((x) => x.kind === "verdict")!.text).toMatch(/No decision: tie at the top/);
    expect(f.find((x) => x.kind === "verdict")!.warning).toBe(false);
    expect(f.find((x) => x.kind === "flagged")!.text).toMatch(/high-variance/);
    expect(f.find((x) => x.kind === "flagged")!.warning).toBe(false);
  });
});

describe("labels", () => {
  it("labels an interval with the level it was computed at, rounded down", () => {
    expect(fmtLevel(0.95)).toBe("95 %");
    expect(fmtLevel(1 - 0.05 / 3)).toBe("98.3 %");
    expect(fmtLevel(1 - 0.05 / 20)).toBe("99.7 %");
    const e = { ratio: 2, interval: { low: 1.5, high: 2.5 }, pValue: 0.01, significant: true, nA: 3, nB: 3 };
    expect(fmtAdvantage({ ...e, level: 0.99 })).toBe("×2.00, 99 % CI 1.50–2.50");
    expect(fmtAdvantage(e)).toBe("×2.00, 95 % CI 1.50–2.50");
  });

  it("prints the range of repetitions the points got", () => {
    const pts = [point("a", "x", times(3, {}), [], "msgsPerSec"), point("b", "x", times(8, {}), [], "msgsPerSec")];
    expect(repetitionsRange({ dir: "/x", run: null as never, scenarios: [], stacks: [], points: pts }, 3)).toBe("3–8 repetitions per point (3 configured)");
  });
});
