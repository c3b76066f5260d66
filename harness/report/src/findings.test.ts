// Findings rules on a SYNTHETIC set with known answers (bun fastest, ws client-bound, bun RSS rising, uws knee at 50k/s)
// and on the real fixture (every flagged measurement is reported).
import { describe, expect, it } from "vitest";
import { computeFindings } from "./findings.ts";
import { loadReportInput, toReportInput } from "./load.ts";
import { parseSlo } from "./slo.ts";
import { REAL_FIXTURE_DIR } from "./test-support/fixture.ts";
import { syntheticResultSet } from "./test-support/synthetic.ts";

const synthetic = toReportInput({ dir: "/synthetic", ...syntheticResultSet() });
const findings = computeFindings(synthetic, { slo: parseSlo("p99<10ms") });
const texts = (kind: string): string[] => findings.filter((f) => f.kind === kind).map((f) => f.text);

describe("findings", () => {
  it("names the fastest unflagged stack with its margin and 95% interval", () => {
    const line = texts("fastest").find((t) => t.startsWith("echo-throughput 64B"))!;
    expect(line).toMatch(/bun has the highest msgsPerSec, 1\.\d\dM .*\+\d+\.\d% \(ratio of geometric means\) vs uws .*95% CI \+\d+\.\d% … \+\d+\.\d%/);
  });

  it("never names a flagged figure the winner and says it is flagged", () => {
    const input = { ...synthetic, points: synthetic.points.filter((p) => p.stack === "ws" || p.scenario !== "echo-throughput") };
    const f = computeFindings(input, { slo: null }).find((x) => x.kind === "fastest" && x.text.startsWith("echo-throughput 64B"))!;
    expect(f.text).toMatch(/every stack's figure is flagged \(ws: client-bound\)/);
    expect(f.warning).toBe(true);
  });

  it("finds where each stack saturates in the offered-rate sweep", () => {
    expect(texts("saturation")).toContainEqual(expect.stringMatching(/^echo-latency: uws keeps up to 10\.0k msg\/s .* saturates by 50\.0k msg\/s: p99 rose/));
    expect(texts("saturation")).toContainEqual(expect.stringMatching(/^echo-latency: bun keeps up at every offered rate/));
  });

  it("reports client-bound and skipped measurements with their numbers", () => {
    expect(texts("flagged")).toContainEqual(expect.stringMatching(/^ws echo-throughput 64B: client-bound \(rep 0: client 80% busy, server core \d+%/));
    expect(texts("flagged")).toContainEqual(expect.stringMatching(/^socket-io echo-throughput: skipped/));
  });

  it("hints at a leak only where RSS rises every repetition", () => {
    expect(texts("leak")).toHaveLength(1);
    expect(texts("leak")[0]).toMatch(/^bun connections 1000conns: .*\+60% over 5 reps/);
  });

  it("checks the latency SLO per point against the worst repetition", () => {
    const line = texts("slo").find((t) => t.includes("echo-latency 50000/s"))!;
    expect(line).toMatch(/met by bun .*, uws .*; missed by ws \(worst rep [\d.]+ s\)/);
  });

  it("reports every flagged measurement of the real fixture", () => {
    const real = loadReportInput(REAL_FIXTURE_DIR);
    const flagged = computeFindings(real, { slo: null }).filter((f) => f.kind === "flagged").map((f) => f.text);
    for (const p of real.points.filter((q) => q.flags.length)) {
      expect(flagged).toContainEqual(expect.stringContaining(`${p.stack} ${p.scenario} ${p.pointKey}: ${p.flags[0]}`));
    }
  });
});
