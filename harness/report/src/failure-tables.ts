// Failure-scenario tables: slow-consumer (RSS slope, drops and closes by client and /stats, fast-subscriber latency
// against the baseline) and soak (RSS slope after warm-up, suspected-leak, latency trend). Means over repetitions.
import { mean, ratioOfMeans } from "@wsarena/stats";
import { slowDetails, soakDetails } from "./charts/failure.ts";
import { fmtBytes, fmtCount, fmtUs } from "./format.ts";
import { isMeasured, type PointView, type ReportInput } from "./model.ts";
import { warnings, type Cell, type Table } from "./tables.ts";

const cell = (text: string, num = false, warn: string[] = []): Cell => ({ text, warn, num });
const MIB = 2 ** 20;

/** Whole counts below 1,000 as integers ("1", not "1.00"), larger ones with a suffix. */
function count(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1000 ? String(n) : fmtCount(n);
}

/** Mean of the finite values, or NaN. */
function meanOf(xs: ReadonlyArray<number | null | undefined>): number {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  return v.length ? mean(v) : Number.NaN;
}

/** "×1.85 (95 % CI 1.20–2.61)" for b/a, or "×1.85 (1 rep)" when an interval cannot be formed. */
export function ratioText(a: readonly number[], b: readonly number[]): string {
  if (!a.length || !b.length) return "–";
  if (a.length < 2 || b.length < 2) return `×${(mean(b) / mean(a)).toFixed(2)} (${Math.min(a.length, b.length)} rep)`;
  const r = ratioOfMeans(a, b);
  return `×${r.ratio.toFixed(2)} (95 % CI ${r.interval.low.toFixed(2)}–${r.interval.high.toFixed(2)})${r.significant ? "" : ", not told apart"}`;
}

/** Distinct values of a per-repetition label, joined ("growing", or "growing/bounded" when repetitions disagree). */
function labels(xs: readonly string[]): string {
  return [...new Set(xs)].join("/") || "–";
}

/** Fast subscribers' p50 or p99 per repetition of a point (positive values only). */
function fastLatency(q: PointView | undefined, k: "p50Us" | "p99Us"): number[] {
  return q ? q.reps.map((r) => r.latency?.[k]).filter((x): x is number => typeof x === "number" && x > 0) : [];
}

/**
 * The scenario's question, answered per stack from the ratio intervals: "does one slow client hurt everyone?". A policy
 * hurts when the fast subscribers' p50 or p99 is higher than the baseline's with a 95 % interval above 1; no harm is
 * shown when neither is, and the answer gives the largest upper bound (the harm the data cannot rule out); with fewer
 * than 2 repetitions on either side it cannot be told.
 */
export function slowConsumerAnswer(input: ReportInput): string | null {
  const pts = input.points.filter((p) => p.scenario === "slow-consumer" && isMeasured(p) && slowDetails(p));
  if (!pts.length) return null;
  const parts: string[] = [];
  for (const stack of [...new Set(pts.map((p) => p.stack))]) {
    const mine = pts.filter((p) => p.stack === stack);
    const base = mine.find((p) => slowDetails(p)?.policy === "none");
    if (!base) continue;
    const hurts: string[] = [];
    const not: string[] = [];
    const unknown: string[] = [];
    // Over the policies not told apart: the highest upper 95 % bound, i.e. the largest harm the data cannot rule out.
    const upper = { p50Us: 0, p99Us: 0 };
    for (const p of mine) {
      const d = slowDetails(p)!;
      if (d.policy === "none") continue;
      const name = d.slowConsumers === 1 ? d.policy : `${d.policy} (${d.slowConsumers} slow)`;
      const worse: string[] = [];
      const highs = { p50Us: 0, p99Us: 0 };
      let told = true;
      for (const k of ["p50Us", "p99Us"] as const) {
        const a = fastLatency(base, k);
        const b = fastLatency(p, k);
        if (a.length < 2 || b.length < 2) {
          told = false;
          continue;
        }
        const r = ratioOfMeans(a, b);
        highs[k] = r.interval.high;
        if (r.significant && r.ratio > 1)
          worse.push(`${k.slice(0, 3)} ×${r.ratio.toFixed(2)}, 95 % CI ${r.interval.low.toFixed(2)}–${r.interval.high.toFixed(2)}`);
      }
      if (worse.length) hurts.push(`${name} (${worse.join("; ")})`);
      else if (told) {
        not.push(name);
        upper.p50Us = Math.max(upper.p50Us, highs.p50Us);
        upper.p99Us = Math.max(upper.p99Us, highs.p99Us);
      } else unknown.push(name);
    }
    const said = [
      hurts.length ? `hurt under ${hurts.join(", ")}` : "",
      not.length
        ? `no harm shown under ${not.join(", ")} (not told apart from the baseline; the intervals still allow up to p50 ×${upper.p50Us.toFixed(2)}, p99 ×${upper.p99Us.toFixed(2)})`
        : "",
      unknown.length ? `cannot tell under ${unknown.join(", ")} (fewer than 2 repetitions)` : "",
    ].filter(Boolean);
    parts.push(`${stack}: ${said.join("; ")}`);
  }
  return parts.length ? `Does one slow client hurt everyone? The fast subscribers' latency against the same stack's baseline: ${parts.join(". ")}.` : null;
}

/** Slow-consumer table: one row per stack and point. Null when the scenario has no details. */
export function slowConsumerTable(input: ReportInput): Table | null {
  const pts = input.points.filter((p) => p.scenario === "slow-consumer" && isMeasured(p) && slowDetails(p));
  if (!pts.length) return null;
  const rows: Cell[][] = [];
  for (const p of pts) {
    const ds = p.reps.map((_, i) => slowDetails(p, i)).filter((d) => d !== null);
    const base = input.points.find((q) => q.scenario === "slow-consumer" && q.stack === p.stack && slowDetails(q)?.policy === "none");
    const slope = meanOf(ds.map((d) => d.rssSlope?.perSec));
    const lo = meanOf(ds.map((d) => d.rssSlope?.ciLowPerSec));
    const hi = meanOf(ds.map((d) => d.rssSlope?.ciHighPerSec));
    const codes = new Map<string, number>();
    for (const d of ds) for (const [c, n] of Object.entries(d.slowClient.closeCodes)) codes.set(c, (codes.get(c) ?? 0) + n);
    const slow = ds[0]!.slowConsumers;
    const isBase = ds[0]!.policy === "none";
    const warn = warnings(p);
    rows.push([
      cell(p.stack),
      cell(isBase ? "baseline" : `${ds[0]!.policy} (${slow} slow)`),
      cell(Number.isFinite(slope) ? `${(slope / MIB).toFixed(2)} MiB/s (${(lo / MIB).toFixed(2)}–${(hi / MIB).toFixed(2)})` : "–", true),
      cell(labels(ds.map((d) => d.rssGrowth)) + (ds.some((d) => d.capHit) ? ", cap hit" : "")),
      cell(fmtBytes(meanOf(ds.map((d) => d.rssMaxBytes))), true),
      cell(isBase ? "–" : `${count(meanOf(p.reps.map((r) => r.statsDelta?.dropped)))} / ${count(meanOf(ds.map((d) => d.slowClient.gaps)))}`, true),
      cell(
        isBase
          ? "–"
          : `${count(meanOf(p.reps.map((r) => r.statsDelta?.closedForBackpressure)))} / ${count(meanOf(ds.map((d) => d.slowClient.closed)))}${codes.size ? ` (${[...codes].map(([c, n]) => `${c}×${n}`).join(", ")})` : ""}`,
        true,
      ),
      cell(fmtUs(meanOf(fastLatency(p, "p50Us"))), true, warn),
      cell(fmtUs(meanOf(fastLatency(p, "p99Us"))), true, warn),
      cell(
        isBase || !base
          ? "–"
          : `p50 ${ratioText(fastLatency(base, "p50Us"), fastLatency(p, "p50Us"))}; p99 ${ratioText(fastLatency(base, "p99Us"), fastLatency(p, "p99Us"))}`,
      ),
    ]);
  }
  return {
    headers: [
      "Stack",
      "Point",
      "RSS slope in window (95 % CI)",
      "RSS",
      "RSS max",
      "Dropped: /stats / client",
      "Closed: /stats / client (codes)",
      "Fast p50",
      "Fast p99",
      "Fast latency vs baseline",
    ],
    rows,
    notes: [
      ...[slowConsumerAnswer(input)].filter((x): x is string => x !== null),
      "RSS slope: least squares over the fast subscribers' window, 95 % interval widened for autocorrelated samples; growing = interval above zero and ≥ 10 % of the bytes/s offered to the slow consumers, else bounded.",
      "Dropped: /stats `dropped` over the point, and the ticks missing from the slow consumers' sequences (read after the window for up to 2 s). Closed: /stats `closedForBackpressure`, and the slow consumers closed by the server with their close codes (1006 = TCP closed without a close frame).",
      "Fast p50/p99: the 10 fast subscribers' one-way latency (load generator); vs baseline: ratio to the same stack's point without a slow consumer (Welch's t on logs over repetitions; 1 rep gives no interval). ⚠ as in the scenario table.",
    ],
  };
}

/** Soak table: one row per stack. Null when the scenario has no details. */
export function soakTable(input: ReportInput): Table | null {
  const pts = input.points.filter((p) => p.scenario === "soak" && isMeasured(p) && soakDetails(p));
  if (!pts.length) return null;
  const rows = pts.map((p) => {
    const ds = p.reps.map((_, i) => soakDetails(p, i)).filter((d) => d !== null);
    const first = (d: (typeof ds)[number]) => d.rss.find(([t]) => t >= d.windowStartOffsetMs)?.[1] ?? Number.NaN;
    const last = (d: (typeof ds)[number]) => [...d.rss].reverse().find(([t]) => t <= d.windowEndOffsetMs)?.[1] ?? Number.NaN;
    const ci = (xs: Array<[number, number] | null>, digits: number) => {
      const lo = meanOf(xs.map((x) => x?.[0]));
      const hi = meanOf(xs.map((x) => x?.[1]));
      return Number.isFinite(lo) ? ` (${lo.toFixed(digits)}–${hi.toFixed(digits)})` : "";
    };
    const warn = warnings(p);
    return [
      cell(p.stack),
      cell(`${count(meanOf(ds.map((d) => (d.windowEndOffsetMs - d.windowStartOffsetMs) / 1000)))} s × ${p.reps.length}`, true),
      cell(`${fmtBytes(meanOf(ds.map(first)))} → ${fmtBytes(meanOf(ds.map(last)))}`, true),
      cell(
        `${meanOf(ds.map((d) => d.rssSlopeKibPerMin)).toFixed(0)}${ci(
          ds.map((d) => d.rssSlopeCiKibPerMin),
          0,
        )}`,
        true,
      ),
      cell(`${ds.filter((d) => d.suspectedLeak).length} of ${ds.length}`, true),
      cell(
        `${meanOf(ds.map((d) => d.p99SlopeUsPerMin)).toFixed(0)}${ci(
          ds.map((d) => d.p99SlopeCiUsPerMin),
          0,
        )}`,
        true,
      ),
      cell(fmtUs(meanOf(p.reps.map((r) => r.latency?.p50Us))), true, warn),
      cell(fmtUs(meanOf(p.reps.map((r) => r.latency?.p99Us))), true, warn),
    ];
  });
  return {
    headers: [
      "Stack",
      "Window × reps",
      "RSS (window start → end)",
      "RSS slope KiB/min (95 % CI)",
      "suspected-leak",
      "Probe p99 slope µs/min (95 % CI)",
      "p50",
      "p99",
    ],
    rows,
    notes: [
      "RSS slope: least squares over the per-second samples after warm-up; the 95 % interval is widened for autocorrelated samples (effective n = n(1−ρ)/(1+ρ)). suspected-leak: repetitions whose interval lies above zero (a caveat, †: it describes the server; the latency figure stays ranked).",
      "Probe p99 slope: trend of the per-second p99 of a 200 ticks/s probe in the runner process. p50/p99: the load generator's 10 receivers × 1k ticks/s over the whole window.",
    ],
  };
}

/** Extra tables of a scenario section (title and table), empty for scenarios without any. */
export function failureTables(input: ReportInput, scenario: string): Array<{ title: string; table: Table }> {
  const t = scenario === "slow-consumer" ? slowConsumerTable(input) : scenario === "soak" ? soakTable(input) : null;
  if (!t) return [];
  return [
    { title: scenario === "slow-consumer" ? "Slow consumer: memory, drops, closes and fast-subscriber latency" : "Soak: memory and latency trend", table: t },
  ];
}
