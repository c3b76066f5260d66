// Ranking by ratio intervals: decides despite high variance, groups ties, keeps flagged figures out with their reason.
import { coefficientOfVariation } from "@wsarena/stats";
import { describe, expect, it } from "vitest";
import { formatVerdict, rankPoint, type RankEntry } from "./rank.ts";

const e = (stack: string, values: number[], flags: RankEntry["flags"] = []): RankEntry => ({ stack, values, flags });

describe("rankPoint", () => {
  it("decides a big gap despite high variance and keeps high-variance as a caveat", () => {
    const bun = [2.85e6, 2.2e6, 3.4e6, 2.6e6];
    const ws = [112e3, 98e3, 125e3, 109e3];
    expect(coefficientOfVariation(bun)).toBeGreaterThan(0.1);
    expect(coefficientOfVariation(ws)).toBeGreaterThan(0.05);
    const v = rankPoint([e("ws", ws, ["high-variance"]), e("bun", bun, ["high-variance"])], "higher");
    expect(v.groups).toEqual([["bun"], ["ws"]]);
    expect(v.winner).toBe("bun");
    expect(v.cuts[0]!.estimate.interval.low).toBeGreaterThan(1);
    expect(v.ranked.map((r) => r.caveats)).toEqual([["high-variance"], ["high-variance"]]);
    expect(formatVerdict(v)).toMatch(/^bun > ws \(×2\d\.\d, 95 % CI \d+\.\d–\d+\.\d\); caveats: bun high-variance; ws high-variance$/);
  });

  it("groups stacks whose ratio interval includes 1 and names no winner on a tie at the top", () => {
    const v = rankPoint([e("a", [100, 102, 98]), e("b", [101, 99, 103]), e("c", [50, 51, 49])], "higher");
    expect(v.groups).toEqual([["b", "a"], ["c"]]);
    expect(v.winner).toBeNull();
    expect(v.noDecision).toMatch(/^tie at the top: \{b ≈ a\} \(b vs a ×1\.0\d, 95 % CI 0\.\d\d–1\.\d\d, includes 1\)$/);
    expect(formatVerdict(v)).toMatch(/^\{b ≈ a\} > c \(a\/c ×2\.00, 97\.5 % CI 1\.\d\d–2\.\d\d\)$/);
  });

  it("never chains a tie: a decided pair is split, and the undecided pair across the `>` is named", () => {
    // a > c is decided; b's own wide spread (set apart from the pool) leaves it undecided against both.
    const v = rankPoint([e("a", [100, 101, 99]), e("b", [90, 70, 110]), e("c", [80, 81, 79])], "higher");
    expect(v.wide).toEqual(["b"]);
    expect(v.groups).toEqual([["a", "b"], ["c"]]);
    expect(v.undecidedAcross.map((p) => `${p.better}~${p.worse}`)).toEqual(["b~c"]);
    expect(v.winner).toBeNull();
    expect(formatVerdict(v)).toBe(
      "{a ≈ b} > c (a/c ×1.25, 98.3 % CI 1.20–1.30); not a linear order, undecided across a `>`: b vs c (×1.11, 97.5 % CI 0.70–1.75); spread far wider than the others', judged alone: b",
    );
  });

  it("names no winner when the top stack is alone in its group but undecided against a later one", () => {
    // a > b is decided; the wide stack w (below b by geometric mean) is undecided against both: {a} > {b ≈ w}.
    const v = rankPoint([e("a", [1000, 1010, 990]), e("b", [500, 505, 495]), e("w", [480, 150, 400])], "higher");
    expect(v.wide).toEqual(["w"]);
    expect(v.groups).toEqual([["a"], ["b", "w"]]);
    expect(v.undecidedAcross.map((p) => `${p.better}~${p.worse}`)).toEqual(["a~w"]);
    expect(v.winner).toBeNull();
    expect(v.noDecision).toMatch(/^a is not decided against w \(w: ×3\.\d\d, 97\.5 % CI [^)]+, includes 1\)$/);
  });

  it("orders lower-is-better figures (latency) smallest first, ratios as times better", () => {
    const v = rankPoint([e("slow", [900, 950, 880]), e("quick", [300, 310, 290])], "lower");
    expect(v.groups).toEqual([["quick"], ["slow"]]);
    expect(v.cuts[0]!.estimate.ratio).toBeCloseTo(3, 0);
    expect(v.winner).toBe("quick");
  });

  it("keeps client-loaded, at-floor and integrity figures out of the ranking, with their reason", () => {
    const v = rankPoint(
      [
        e("uws", [800, 820, 790]),
        e("ws", [1500, 1600, 1450]),
        e("bun", [700, 720, 690], ["client-loaded"]),
        e("deno", [400, 410, 395], ["at-floor", "high-variance"]),
        e("sio", [300, 310, 290], ["integrity"]),
      ],
      "lower",
    );
    expect(v.ranked.map((r) => r.stack)).toEqual(["uws", "ws"]);
    expect(v.unranked.map((u) => [u.stack, u.reason])).toEqual([
      ["bun", "client-loaded"],
      ["deno", "at-floor"],
      ["sio", "integrity"],
    ]);
    // bun's client-loaded and deno's at-floor figures beat uws: the measurement hides the order, so no winner is named.
    expect(v.winner).toBeNull();
    expect(v.noDecision).toBe("bun's and deno's figures look better than uws's but are not server properties (client-loaded, at-floor)");
    expect(formatVerdict(v)).toMatch(/; unranked: bun \(client-loaded\); deno \(at-floor\); sio \(integrity\)$/);
  });

  it("names a winner when only a stack with integrity violations or errors looks better", () => {
    const v = rankPoint([e("uws", [800, 820, 790]), e("ws", [1500, 1600, 1450]), e("sio", [300, 310, 290], ["errors"])], "lower");
    expect(v.winner).toBe("uws");
    expect(v.noDecision).toBeNull();
  });

  it("cannot decide from one repetition per stack and says so", () => {
    const v = rankPoint([e("a", [200]), e("b", [100])], "higher");
    expect(v.groups).toEqual([["a", "b"]]);
    expect(v.noDecision).toMatch(/no interval with 1 rep/);
  });

  it("says why nothing is ranked", () => {
    expect(rankPoint([e("a", [1], ["errors"])], "higher").noDecision).toBe("no figure can be ranked");
    expect(rankPoint([e("a", [2]), e("b", [1], ["client-bound"])], "higher").noDecision).toBe("only a can be ranked");
    expect(rankPoint([e("a", [1]), e("b", [2], ["client-bound"]), e("c", [3], ["at-floor"])], "higher").noDecision).toBe(
      "b's and c's figures look better than a's but are not server properties (client-bound, at-floor)",
    );
  });
});
