// Why a question stays open, in words taken from the data: the verdict's own reason (a tie, a better figure that is not
// a server property), or, when no figure can be ranked, which flag kept which stack out.
import type { Verdict } from "./rank.ts";

/** What an unranking flag means for the question, as the box says it. */
export const FLAG_REASONS: Readonly<Record<string, string>> = {
  "at-floor": "at the platform floor on this machine",
  "client-loaded": "client-loaded (the load generator's own lag is a large share of the latency)",
  "client-bound": "client-bound (the client core, not the server, was the bottleneck)",
  integrity: "messages lost, duplicated or reordered",
  errors: "the measurement reported errors",
};

/** "at the platform floor on this machine (bun, uws); client-loaded (…) (deno)": the unranked stacks grouped by flag. */
export function unrankedText(v: Verdict): string {
  const by = new Map<string, string[]>();
  for (const u of v.unranked) for (const k of u.flags.length ? u.flags : [u.reason]) by.set(k, [...(by.get(k) ?? []), u.stack]);
  return [...by]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([k, stacks]) => `${FLAG_REASONS[k] ?? k} (${stacks.join(", ")})`)
    .join("; ");
}

/** Why a verdict names no winner, from the verdict itself. */
export function undecidedReason(v: Verdict): string {
  if (v.ranked.length === 0 && v.unranked.length > 0) return unrankedText(v);
  // "only uws can be ranked" says nothing of the others: name their flags.
  const alone = v.ranked.length === 1 && v.unranked.length > 0 && v.noDecision?.startsWith("only ");
  return `${v.noDecision ?? "no winner"}${alone ? `; not ranked: ${unrankedText(v)}` : ""}`;
}
