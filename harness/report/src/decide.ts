// Re-decides each point's flags from its repetitions by the point rule of the flag table, and the percentile each latency
// point is ranked at (the highest of p99, p90, p50 at which every stack stands clear of the floor); load.ts applies it.
import {
  FLAGS,
  FLAG_NAMES,
  decidePercentile,
  isPercentileName,
  pointCarries,
  varianceFlags,
  windowClientLoaded,
  windowFlagsAt,
  type DecisionInput,
  type LatencyDecision,
  type ValidityFlag,
} from "@wsarena/results";
import { metricValue, type PointView } from "./model.ts";

/** Flags a stack carries when it did not do the same work: it is left out of the percentile decision. */
const STACK_BOUND: readonly ValidityFlag[] = ["integrity", "errors"];

/** Whether a point's headline is a latency percentile (its figure is decided at a percentile clear of the floor). */
export function isLatencyPoint(p: PointView): boolean {
  return p.status === "ok" && p.headline !== null && isPercentileName(p.headline.metric) && p.reps.some((r) => r.latency);
}

/**
 * The point's flags by the point rule: flags with a per-repetition rule are re-judged from the repetitions (a result set
 * written before the rule carried any flag that fired once); high-variance from `spread` when given, else as stored.
 */
function ruledFlags(stored: readonly ValidityFlag[], reps: PointView["reps"], spread?: readonly ValidityFlag[]): ValidityFlag[] {
  const n = reps.length;
  const carried = (f: ValidityFlag): boolean => {
    if (f === "high-variance") return (spread ?? stored).includes(f);
    if (FLAGS[f].point === "point" || n === 0) return stored.includes(f);
    return pointCarries(f, reps.filter((r) => r.flags.includes(f)).length, n);
  };
  return FLAG_NAMES.filter(carried);
}

function groupKey(p: PointView): string {
  return `${p.scenario}|${p.pointKey}`;
}

/**
 * Points with flags by the point rule; latency points also with their group's decision, their repetitions' percentile
 * flags recomputed at the decided percentile and high-variance judged on that percentile. Pure; input order kept.
 */
export function decidePoints(points: readonly PointView[]): PointView[] {
  const groups = new Map<string, PointView[]>();
  for (const p of points.filter(isLatencyPoint)) groups.set(groupKey(p), [...(groups.get(groupKey(p)) ?? []), p]);
  const decisions = new Map<string, LatencyDecision>();
  for (const [k, g] of groups) {
    const inputs: DecisionInput[] = g
      .filter((p) => !p.reps.some((r) => r.flags.some((f) => STACK_BOUND.includes(f))))
      .map((p) => ({ stack: p.stack, windows: p.reps }));
    decisions.set(k, decidePercentile(inputs));
  }
  return points.map((p) => {
    const decision = isLatencyPoint(p) ? decisions.get(groupKey(p))! : null;
    if (!decision) {
      if (!p.reps.length) return { ...p, decision: null };
      // A headline that is no latency percentile (recovery time) has client-loaded judged at p99, as the runner does.
      const reps = p.reps.map((r) =>
        r.flags.includes("client-loaded") && !windowClientLoaded(r, "p99Us") ? { ...r, flags: r.flags.filter((f) => f !== "client-loaded") } : r,
      );
      return { ...p, reps, decision: null, flags: ruledFlags(p.flags, reps) };
    }
    const q = decision.percentile;
    const reps = p.reps.map((r) => ({ ...r, flags: windowFlagsAt(r, q) }));
    const values = reps.map((r) => metricValue(r, q)).filter((v): v is number => v !== null);
    return { ...p, reps, decision, flags: ruledFlags(p.flags, reps, varianceFlags(values)) };
  });
}
