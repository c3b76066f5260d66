import { describe, expect, it } from "vitest";
import { checkCriteria, CriteriaError, DEFAULT_CRITERIA, parseCriteria, type StepMeasures } from "./criteria.ts";

const ok: StepMeasures = { p50Us: 400, p90Us: 900, p99Us: 2_000, p999Us: 9_000, errors: 0, cpuPct: 40, rssBytes: 100 * 1024 ** 2 };

describe("parseCriteria", () => {
  it("parses the default criteria into base units", () => {
    expect(parseCriteria(DEFAULT_CRITERIA)).toEqual([
      { key: "p99", op: "<", limit: 50_000, text: "p99<50ms" },
      { key: "errors", op: "=", limit: 0, text: "errors=0" },
      { key: "cpu", op: "<", limit: 80, text: "cpu<80%" },
      { key: "rss", op: "<", limit: 2 * 1024 ** 3, text: "rss<2GiB" },
    ]);
  });

  it("accepts every latency key and unit, <=, errors<N, spaces and µs", () => {
    const c = parseCriteria("p50<=500us, p90 < 2ms, p999<1.5s, p99<800µs, errors<3, rss<=512MiB, cpu<=90%");
    expect(c.map((x) => [x.key, x.op, x.limit])).toEqual([
      ["p50", "<=", 500],
      ["p90", "<", 2_000],
      ["p999", "<", 1_500_000],
      ["p99", "<", 800],
      ["errors", "<", 3],
      ["rss", "<=", 512 * 1024 ** 2],
      ["cpu", "<=", 90],
    ]);
  });

  it("rejects an unknown key with one line naming the valid keys", () => {
    expect(() => parseCriteria("p75<10ms")).toThrow(CriteriaError);
    expect(() => parseCriteria("p75<10ms")).toThrow(/unknown key "p75"; valid keys: p50, p90, p99, p999, errors, cpu, rss$/);
    expect(() => parseCriteria("latency<10ms")).toThrow(/valid keys/);
  });

  it("rejects an unknown or missing unit with one line naming the valid units of that key", () => {
    expect(() => parseCriteria("p99<10min")).toThrow(/unknown unit "min" for p99; valid: us, ms or s/);
    expect(() => parseCriteria("p99<10")).toThrow(/unknown unit "" for p99; valid: us, ms or s/);
    expect(() => parseCriteria("rss<2GB")).toThrow(/unknown unit "GB" for rss; valid: B, KiB, MiB or GiB/);
    expect(() => parseCriteria("cpu<80")).toThrow(/unknown unit "" for cpu; valid: %/);
    expect(() => parseCriteria("errors=0%")).toThrow(/unknown unit "%" for errors/);
  });

  it("rejects malformed items, = on anything but errors, fractional error counts, duplicates and an empty list", () => {
    expect(() => parseCriteria("p99>10ms")).toThrow(/not of the form/);
    expect(() => parseCriteria("p99=10ms")).toThrow(/"=" applies to errors only/);
    expect(() => parseCriteria("errors<1.5")).toThrow(/whole number/);
    expect(() => parseCriteria("p99<1ms,p99<2ms")).toThrow(/given twice/);
    expect(() => parseCriteria("p99<1ms,,cpu<5%")).toThrow(/empty item/);
    expect(() => parseCriteria("")).toThrow(/empty/);
    for (const bad of ["p75<1ms", "p99<1xs", "rss<1TB"]) expect(() => parseCriteria(bad)).toThrow(/^[^\n]+$/);
  });
});

describe("checkCriteria", () => {
  const criteria = parseCriteria(DEFAULT_CRITERIA);

  it("passes a step that meets every criterion", () => {
    expect(checkCriteria(criteria, ok)).toEqual([]);
  });

  it("names each failed criterion with its measured value", () => {
    const f = checkCriteria(criteria, { ...ok, p99Us: 61_200, errors: 3, cpuPct: 91, rssBytes: 2.5 * 1024 ** 3 });
    expect(f.map((x) => `${x.criterion}: ${x.measuredText}`)).toEqual(["p99<50ms: 61.2ms", "errors=0: 3", "cpu<80%: 91%", "rss<2GiB: 2.5GiB"]);
    expect(f[0]!.measured).toBe(61_200);
  });

  it("fails a criterion whose value was not measured, and treats the limit as exclusive for <", () => {
    expect(checkCriteria(criteria, { ...ok, p99Us: null }).map((x) => x.measuredText)).toEqual(["not measured"]);
    expect(checkCriteria(parseCriteria("p99<2ms"), ok)).toHaveLength(1);
    expect(checkCriteria(parseCriteria("p99<=2ms"), ok)).toEqual([]);
  });
});
