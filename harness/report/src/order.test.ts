// Tie groups without chaining: never a decided pair inside a group; a linear grouping is found exactly; otherwise the
// undecided pairs across a `>` are named.
import { prng } from "@wsarena/stats";
import { describe, expect, it } from "vitest";
import { groupOrder } from "./order.ts";

/** A decided relation from a list of decided pairs "i>j". */
const rel =
  (pairs: string[]) =>
  (i: number, j: number): boolean =>
    pairs.includes(`${i}>${j}`);

describe("groupOrder", () => {
  it("recovers a linear grouping exactly, with nothing undecided across a `>`", () => {
    // classes {0, 1} > {2} > {3, 4}: decided exactly across classes.
    const cls = [0, 0, 1, 2, 2];
    const g = groupOrder(5, (i, j) => cls[i] !== cls[j]);
    expect(g.groups).toEqual([[0, 1], [2], [3, 4]]);
    expect(g.undecidedAcross).toEqual([]);
  });

  it("does not chain ties: a ≈ b, b ≈ c, a > c keeps a and c apart and names b's open pair", () => {
    const g = groupOrder(3, rel(["0>2"]));
    expect(g.groups).toEqual([[0, 1], [2]]);
    expect(g.undecidedAcross).toEqual([[1, 2]]);
  });

  it("never puts a decided pair inside a group, and lists exactly the undecided pairs across groups (random relations)", () => {
    const next = prng(7);
    for (let t = 0; t < 300; t++) {
      const k = 1 + Math.floor(next() * 8);
      const d = Array.from({ length: k }, () => Array.from({ length: k }, () => next() < 0.5));
      const decided = (i: number, j: number): boolean => d[i]![j]!;
      const g = groupOrder(k, decided);
      expect(g.groups.flat()).toEqual(Array.from({ length: k }, (_, i) => i));
      for (const grp of g.groups) for (const a of grp) for (const b of grp) if (a < b) expect(decided(a, b)).toBe(false);
      const groupOf = (i: number): number => g.groups.findIndex((x) => x.includes(i));
      const across: [number, number][] = [];
      for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) if (groupOf(i) !== groupOf(j) && !decided(i, j)) across.push([i, j]);
      expect(g.undecidedAcross).toEqual(across);
    }
  });

  it("puts everything in one group when nothing is decided, and one stack per group when everything is", () => {
    expect(groupOrder(4, () => false).groups).toEqual([[0, 1, 2, 3]]);
    expect(groupOrder(3, () => true).groups).toEqual([[0], [1], [2]]);
    expect(groupOrder(0, () => true).groups).toEqual([]);
  });
});
