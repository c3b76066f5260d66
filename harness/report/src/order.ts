// Tie groups of a ranked order without chaining: no group holds a decided pair, and the undecided pairs that the
// groups leave across a `>` are named (the decided relation is then not a linear grouping).

/** Consecutive tie groups of positions 0..k−1 and the undecided pairs between different groups. */
export interface Grouping {
  /** Groups of positions, best first; together they are 0..k−1 in order. */
  groups: number[][];
  /** Pairs [i, j] (i < j) in different groups whose comparison is not decided; empty when the order is a clean grouping. */
  undecidedAcross: [number, number][];
}

/**
 * Splits positions 0..k−1 (sorted best first) into consecutive groups such that no group holds a decided pair. Among
 * such splits it takes the one with the most pairs inside groups (so the fewest undecided pairs across a `>`), then the
 * fewest groups; dynamic programming over prefixes. When the decided relation is a linear grouping (each pair is
 * decided exactly when it is in different groups), that grouping is the unique result and `undecidedAcross` is empty.
 */
export function groupOrder(k: number, decided: (i: number, j: number) => boolean): Grouping {
  // free[i][j]: positions i..j−1 (exclusive end) hold no decided pair.
  const free = (i: number, j: number): boolean => {
    for (let a = i; a < j; a++) for (let b = a + 1; b < j; b++) if (decided(a, b)) return false;
    return true;
  };
  const best: { inside: number; groups: number; from: number }[] = [{ inside: 0, groups: 0, from: -1 }];
  for (let j = 1; j <= k; j++) {
    let pick: { inside: number; groups: number; from: number } | null = null;
    for (let i = j - 1; i >= 0 && free(i, j); i--) {
      const size = j - i;
      const cand = { inside: best[i]!.inside + (size * (size - 1)) / 2, groups: best[i]!.groups + 1, from: i };
      if (!pick || cand.inside > pick.inside || (cand.inside === pick.inside && cand.groups < pick.groups)) pick = cand;
    }
    best.push(pick!);
  }
  const groups: number[][] = [];
  for (let j = k; j > 0; j = best[j]!.from) groups.unshift(Array.from({ length: j - best[j]!.from }, (_, x) => best[j]!.from + x));
  const groupOf = new Map(groups.flatMap((g, gi) => g.map((i) => [i, gi] as const)));
  const undecidedAcross: [number, number][] = [];
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) if (groupOf.get(i) !== groupOf.get(j) && !decided(i, j)) undecidedAcross.push([i, j]);
  return { groups, undecidedAcross };
}
