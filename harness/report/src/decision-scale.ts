// The decision table's questions beyond one core scenario: users per core for the trader capacity profile, pub/sub
// fan-out across processes, failure survival and the cost of permessage-deflate.
import type { CapacityRecord, CapacityStackRecord } from "@wsarena/results";
import { ratioOfMeans } from "@wsarena/stats";
import { slowDetails, soakDetails } from "./charts/failure.ts";
import { decidedPart, type DecisionColumn, type Figure, notMeasured, type Part, pointPart } from "./decision-parts.ts";
import { groupVerdict, pointGroups } from "./findings.ts";
import { fmtCount, fmtUs } from "./format.ts";
import { hostileDetailsByStack } from "./hostile-table.ts";
import { isMeasured, metricValues, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { fmtAdvantage } from "./rank.ts";

/** The capacity profile whose users per core the table shows. */
export const DECISION_CAPACITY_PROFILE = "trader";
/** The reconnect backoff policy whose recovery p99 the table shows when measured (else the first policy measured). */
export const DECISION_RECONNECT_POLICY = "full-jitter";

/** Cores in a taskset cpu list ("0", "0-1", "0,2-3"); 1 when not pinned. */
export function cpuListCount(list: string | null): number {
  if (!list) return 1;
  return list.split(",").reduce((n, r) => {
    const [a, b] = r.split("-").map(Number);
    return n + (b === undefined ? 1 : b! - a! + 1);
  }, 0);
}

/** What stopped a stack's capacity ladder: the lowest level above its largest pass that did not pass, or null. */
export function ladderStop(r: CapacityStackRecord): { short: string; text: string; server: boolean } | null {
  const above = r.steps.filter((s) => s.verdict !== "pass" && s.users > (r.largestPassingUsers ?? 0)).sort((a, b) => a.users - b.users)[0];
  if (!above) return null;
  const crit = above.failures.map((f) => `${f.criterion} (${f.measuredText})`);
  switch (above.verdict) {
    case "fail":
      return {
        short: `${above.failures[0]?.criterion ?? "fail"}${crit.length > 1 ? ` +${crit.length - 1}` : ""}`,
        text: `failed ${crit.join(", ")}`,
        server: true,
      };
    case "client-limited":
      return { short: "client-limited", text: "client-limited, not a server limit", server: false };
    case "limit":
      return { short: `${r.limit?.cap ?? "machine"} limit`, text: `the machine's ${r.limit?.cap ?? "OS"} limit, not a server limit`, server: false };
    case "noisy":
      return { short: "noisy", text: "other work on the pinned cores in every attempt: no verdict", server: false };
    default:
      return { short: "error", text: `error: ${above.error ?? "not measured"}`, server: false };
  }
}

/** Users per core for the trader profile: the largest passing level over the server's cores, and what stopped the ladder. */
export function usersPerCoreColumn(input: ReportInput): DecisionColumn {
  const q = `${DECISION_CAPACITY_PROFILE[0]!.toUpperCase()}${DECISION_CAPACITY_PROFILE.slice(1)} users / core`;
  const rec: CapacityRecord | undefined = (input.capacity ?? []).find((c) => c.config.profile === DECISION_CAPACITY_PROFILE);
  if (!rec) {
    const cmd = `pnpm wsarena capacity --profile ${DECISION_CAPACITY_PROFILE}`;
    return {
      question: q,
      parts: [],
      missing: [notMeasured(`Users per core (${DECISION_CAPACITY_PROFILE})`, "no capacity set of that profile loaded with this one", cmd)],
    };
  }
  const cores = cpuListCount(rec.pinning.serverCpus);
  const figures: Record<string, Figure> = {};
  const open: string[] = [];
  for (const r of rec.results) {
    const stop = ladderStop(r);
    const per = r.largestPassingUsers === null ? null : r.largestPassingUsers / cores;
    const atLeast = per !== null && (r.largestPassingIsLowerBound || (stop !== null && !stop.server)) ? "≥" : "";
    const text = per === null ? "none" : `${atLeast}${fmtCount(per)} (${stop?.short ?? "ladder end"})`;
    figures[r.stack] = { text, best: false, warn: r.error ? ["errors"] : [] };
    if (per !== null && stop && !stop.server) open.push(`${r.stack}: above ${fmtCount(per)} users per core, ${stop.text}`);
    if (per !== null && !stop) open.push(`${r.stack}: above ${fmtCount(per)} users per core, not measured (the ladder ended)`);
  }
  const part: Part = {
    label: "pass, stopped by",
    where: `capacity ${rec.runId}, ${rec.config.criteria.join(", ")}, ${cores} server core${cores > 1 ? "s" : ""}`,
    figures,
    decided: null,
    open: `Users per core (${DECISION_CAPACITY_PROFILE}): one ladder per stack, no repetitions, so no interval ranks them${open.length ? `; ${open.join("; ")}` : ""}.`,
  };
  return { question: q, parts: [part], missing: [] };
}

/** Pub/sub across two processes through each broker, relative to the same load on one process (cross-process p99). */
export function fanOutColumn(input: ReportInput): DecisionColumn {
  const pts = input.points.filter((p) => p.scenario === "pubsub-cluster" && isMeasured(p));
  const q = "Fan-out 2 proc / 1 proc";
  if (!pts.length)
    return {
      question: q,
      parts: [],
      missing: [
        notMeasured("Fan-out across two processes (Redis, NATS)", "not measured in this set", "pnpm wsarena run --profile standard --scenarios pubsub-cluster"),
      ],
    };
  const load = (p: PointView): string => `${p.params.subscribers}|${p.params.publishPerSec}`;
  const first = load(pts[0]!);
  const single = pts.filter((p) => p.params.broker === "single" && load(p) === first);
  const parts: Part[] = [];
  const missing: string[] = [];
  for (const broker of ["redis", "nats"]) {
    const g = pointGroups(input).find((x) => x[0]!.scenario === "pubsub-cluster" && x[0]!.params.broker === broker && load(x[0]!) === first);
    if (!g) {
      missing.push(notMeasured(`Fan-out through ${broker}`, "not measured in this set", "pnpm wsarena run --profile standard --scenarios pubsub-cluster"));
      continue;
    }
    const part = pointPart(
      broker,
      `pubsub-cluster ${pointLabel(g[0]!)}, cross-process p99 ÷ ${single[0] ? pointLabel(single[0]) : "1proc"}`,
      g,
      groupVerdict(g),
      "p99Us",
      fmtUs,
      `Fan-out through ${broker}`,
    );
    for (const p of g) {
      const one = single.find((s) => s.stack === p.stack);
      const a = one ? metricValues(one, "p99Us") : [];
      const b = metricValues(p, "p99Us");
      if (a.length && b.length) part.figures[p.stack] = { ...part.figures[p.stack]!, text: `×${ratioOfMeans(a, b).ratio.toFixed(2)}` };
    }
    parts.push(part);
  }
  return { question: q, parts, missing };
}

/** Hostile inputs per stack: survived, or how it failed (a pass per stack, not a ranking); null without the scenario. */
function hostilePart(input: ReportInput): Part | null {
  const hostile = hostileDetailsByStack(input);
  if (!hostile.length) return null;
  const figures: Record<string, Figure> = {};
  for (const { stack, d } of hostile) {
    const bad = d.deaths
      ? `died ${d.deaths}×`
      : d.verdicts.unexpected
        ? `${d.verdicts.unexpected} unexpected`
        : d.bystanderFailures.length
          ? "bystander hurt"
          : "survived";
    figures[stack] = { text: bad, best: false, warn: [] };
  }
  return decidedPart("hostile", "hostile fuzz", figures, null, "Hostile inputs");
}

/** Slow consumer per stack: bounded under every backpressure policy, or the policies under which RSS grew; null without it. */
function slowConsumerPart(input: ReportInput): Part | null {
  const slow = input.points.filter((p) => p.scenario === "slow-consumer" && isMeasured(p) && slowDetails(p) && slowDetails(p)!.policy !== "none");
  if (!slow.length) return null;
  const figures: Record<string, Figure> = {};
  for (const stack of [...new Set(slow.map((p) => p.stack))]) {
    const grows = slow
      .filter((p) => p.stack === stack && p.reps.some((_, i) => slowDetails(p, i)?.rssGrowth === "growing"))
      .map((p) => String(p.params.policy));
    figures[stack] = { text: grows.length ? `grows: ${grows.join(", ")}` : "bounded", best: false, warn: [] };
  }
  return decidedPart("slow consumer", "slow-consumer, RSS per backpressure policy", figures, null, "Slow consumer");
}

/** Soak per stack: flat, or the repetitions whose RSS slope interval lies above zero; null without it. */
function soakPart(input: ReportInput): Part | null {
  const soak = input.points.filter((p) => p.scenario === "soak" && isMeasured(p) && soakDetails(p));
  if (!soak.length) return null;
  const figures: Record<string, Figure> = {};
  for (const p of soak) {
    const leak = p.reps.filter((_, i) => soakDetails(p, i)?.suspectedLeak).length;
    figures[p.stack] = { text: leak ? `leak? ${leak}/${p.reps.length}` : "flat", best: false, warn: [] };
  }
  return decidedPart("soak", `soak ${pointLabel(soak[0]!)}, RSS trend`, figures, null, "Soak");
}

/** The storm's connect p99 and the reconnect recovery p99, each ranked by its point's verdict. */
function rankedFailureParts(input: ReportInput): { storm: Part | null; recovery: Part | null } {
  const storm = pointGroups(input).find((g) => g[0]!.scenario === "burst" && g[0]!.params.kind === "storm");
  const rec = pointGroups(input).filter((g) => g[0]!.scenario === "reconnect");
  const pick = rec.find((g) => g[0]!.params.policy === DECISION_RECONNECT_POLICY) ?? rec[0];
  const ms = (v: number): string => fmtUs(v * 1000);
  return {
    storm: storm
      ? pointPart("storm p99", `burst ${pointLabel(storm[0]!)}, connect p99`, storm, groupVerdict(storm), "connectP99Us", fmtUs, "Connection storm")
      : null,
    recovery: pick
      ? pointPart(
          "recovery p99",
          `reconnect ${String(pick[0]!.params.policy ?? pointLabel(pick[0]!))}`,
          pick,
          groupVerdict(pick),
          "recoveryP99Ms",
          ms,
          "Reconnect recovery",
        )
      : null,
  };
}

/** Failure survival: hostile inputs, connection storm, reconnect recovery p99, slow consumer, soak trend. */
export function failureColumn(input: ReportInput): DecisionColumn {
  const { storm, recovery } = rankedFailureParts(input);
  const wanted: [Part | null, string, string][] = [
    [hostilePart(input), "Hostile inputs", "hostile"],
    [storm, "Connection storm", "burst"],
    [recovery, "Reconnect recovery p99", "reconnect"],
    [slowConsumerPart(input), "Slow consumer bounded per policy", "slow-consumer"],
    [soakPart(input), "Soak trend", "soak"],
  ];
  const parts = wanted.flatMap(([p]) => (p ? [p] : []));
  const absent = wanted.filter(([p]) => !p);
  const missing =
    absent.length === wanted.length
      ? [
          notMeasured(
            "Failure survival (hostile inputs, connection storm, reconnect, slow consumer, soak)",
            "not measured in this set",
            "pnpm wsarena run --profile standard --scenarios failure",
          ),
        ]
      : absent.map(([, what, id]) => notMeasured(what, "not measured in this set", `pnpm wsarena run --profile standard --scenarios ${id}`));
  return { question: "Failure survival", parts, missing };
}

/** The cost of permessage-deflate: each `+deflate` variant's msg/s over its base stack's at the same point. */
export function deflateColumn(input: ReportInput): DecisionColumn {
  const variants = input.run.stacks.filter((s) => s.variant?.id === "deflate");
  const q = "Deflate cost";
  const bases = input.run.stacks.filter((s) => !s.variant).map((s) => s.id);
  const cmd = `pnpm wsarena run --stacks ${bases.flatMap((b) => [b, `${b}+deflate`]).join(",") || "uws,uws+deflate"}`;
  if (!variants.length) return { question: q, parts: [], missing: [notMeasured("Deflate cost", "not measured in this set (no +deflate variant)", cmd)] };
  const figures: Record<string, Figure> = {};
  const lines: string[] = [];
  for (const v of variants) {
    const base = v.variant!.base;
    const pair = throughputPair(input, base, v.id);
    if (!pair) continue;
    const r = ratioOfMeans(metricValues(pair.base, "msgsPerSec"), metricValues(pair.variant, "msgsPerSec"));
    figures[base] = { text: `×${r.ratio.toFixed(2)} msg/s`, best: false, warn: [] };
    lines.push(`${base} ${fmtAdvantage(r)} at ${pair.base.scenario} ${pointLabel(pair.base)}`);
  }
  if (!lines.length)
    return { question: q, parts: [], missing: [notMeasured("Deflate cost", "no throughput point measured on both a variant and its base", cmd)] };
  return {
    question: q,
    parts: [{ label: "msg/s with ÷ without", where: "variant ÷ base msg/s", figures, decided: lines.join("; "), open: null }],
    missing: [],
  };
}

/** The first closed-loop throughput point measured on both the base and its variant (echo-throughput first). */
function throughputPair(input: ReportInput, base: string, variant: string): { base: PointView; variant: PointView } | null {
  for (const b of input.points.filter((p) => p.stack === base && isMeasured(p) && p.headline?.metric === "msgsPerSec")) {
    const v = input.points.find((p) => p.stack === variant && p.scenario === b.scenario && p.pointKey === b.pointKey && isMeasured(p));
    if (v) return { base: b, variant: v };
  }
  return null;
}
