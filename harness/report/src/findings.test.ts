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
  it("gives one verdict line per point: the order with the ratio interval of each `>`, and the winner", () => {
    const line = texts("verdict").find((t) => t.startsWith("echo-throughput 1024B"))!;
    expect(line).toMatch(
      /^echo-throughput 1024B \(msgsPerSec, higher is better\): bun > uws \(×1\.\d\d, 9\d(?:\.\d)? % CI 1\.\d\d–1\.\d\d\) > ws \(×\d\.\d\d, 9\d(?:\.\d)? % CI \d\.\d\d–\d\.\d\d\)\. Winner: bun, \d+k \(geometric mean of 5 reps\)\.$/,
    );
  });

  it("lists a client-bound figure as unranked with its numbers, and still names the winner it does not beat", () => {
    const line = texts("verdict").find((t) => t.startsWith("echo-throughput 64B"))!;
    expect(line).toMatch(
      /: bun > uws \(×1\.\d\d, 9\d(?:\.\d)? % CI [^)]+\); unranked: ws \(client-bound: in 5 of 5 reps: client 80% busy, server core \d+%–\d+%\)\. Winner: bun/,
    );
    expect(line).toMatch(/Winner: bun/);
  });

  it("keeps at-floor latency out of the ranking and names no winner where an at-floor figure looks better", () => {
    const line = texts("verdict").find((t) => t.startsWith("echo-latency 50000/s"))!;
    // bun's p99 is at the floor at every percentile in every repetition: the point falls back to p99 and says why.
    expect(line).toMatch(
      /^echo-latency 50000\/s \(p99Us, lower is better; p99 decided; no percentile is clear of the floor for every stack: p99 has the fewest at it \(bun\), not ranked\): uws > ws \(×\d+, 95 % CI \d+–\d+\); unranked: bun \(/,
    );
    // The values printed beside each flag are those of the repetitions that fired, each against its own window's floor.
    expect(line).toMatch(
      /at-floor: in 5 of 5 reps \(within 2× of the floor in the same window\): p99 [\d.]+ µs, floor [\d.]+ µs \(0\.\d×\)(; p99 [\d.]+ µs, floor [\d.]+ µs \(0\.\d×\)){4}: describes the machine, not the stack\)/,
    );
    expect(line).toMatch(/No decision: bun's figure looks better than uws's but is not a server property \(client-loaded, at-floor\)\.$/);
  });

  it("says no winner is named when every figure is flagged", () => {
    const input = { ...synthetic, points: synthetic.points.filter((p) => p.stack === "ws" || p.scenario !== "echo-throughput") };
    const f = computeFindings(input, { slo: null }).find((x) => x.kind === "verdict" && x.text.startsWith("echo-throughput 64B"))!;
    expect(f.text).toMatch(/: no stack ranked; unranked: ws \(client-bound: .*\)\. No decision: no figure can be ranked\.$/);
    expect(f.warning).toBe(true);
  });

  it("states the floor of each latency scenario and which figures sit at it", () => {
    const [line] = texts("floor");
    expect(line).toMatch(
      /^echo-latency: floor \(worst pinned core per window.*\) p50 .*, p99 .*; client scheduler lag p99 .*\. 5 of 9 figures .*\(bun 1000\/s, uws 1000\/s, bun 10000\/s, uws 10000\/s, bun 50000\/s\): they describe the machine, not the stack/,
    );
  });

  it("says the floor was not measured for a set without one (a migrated v1 set) instead of failing", () => {
    const v1like = toReportInput({ dir: "/synthetic", ...syntheticResultSet({ floor: false }) });
    const line = computeFindings(v1like, { slo: null }).find((f) => f.kind === "floor")!;
    expect(line.text).toMatch(/^echo-latency: floor not measured in this run/);
  });

  it("finds where each stack saturates in the offered-rate sweep", () => {
    expect(texts("saturation")).toContainEqual(
      expect.stringMatching(
        /^echo-latency: uws keeps up to 10\.0k msg\/s .* its latency turns up by 50\.0k msg\/s \(a knee: it still delivered ≥ 95% of the offered rate\): p99 rose .*, clear of the floor/,
      ),
    );
    expect(texts("saturation")).toContainEqual(expect.stringMatching(/^echo-latency: bun keeps up at every offered rate/));
  });

  it("reports client-bound and skipped measurements with their numbers", () => {
    expect(texts("flagged")).toContainEqual(
      expect.stringMatching(/^ws echo-throughput 64B: client-bound \(in 5 of 5 reps: client 80% busy, server core \d+%–\d+%\)/),
    );
    expect(texts("flagged")).toContainEqual(expect.stringMatching(/^socket-io echo-throughput: skipped/));
  });

  it("hints at a leak only where RSS rises every repetition of one server process (not across fresh servers)", () => {
    expect(texts("leak")).toHaveLength(1);
    expect(texts("leak")[0]).toMatch(/^bun connections 1000conns: .*\+60% over 5 reps/);
  });

  it("checks the latency SLO per point against the worst repetition", () => {
    const line = texts("slo").find((t) => t.includes("echo-latency 50000/s"))!;
    expect(line).toMatch(/met by bun .*, uws .*; missed by ws \(worst rep [\d.]+ s\)/);
  });

  it("reports every flagged measurement of the real fixture", () => {
    const real = loadReportInput(REAL_FIXTURE_DIR);
    const flagged = computeFindings(real, { slo: null })
      .filter((f) => f.kind === "flagged")
      .map((f) => f.text);
    for (const p of real.points.filter((q) => q.flags.length)) {
      expect(flagged).toContainEqual(expect.stringContaining(`${p.stack} ${p.scenario} ${p.pointKey}: ${p.flags[0]}`));
    }
  });
});
