// Report parts of the failure scenarios: the storm outcome and drain tables of `burst`, the recovery table and the
// recovery-time chart (per stack, per backoff policy) of `reconnect`. Read from each repetition's `details`.
import { detailsOf, type MessageBurstDetails, type ReconnectDetails, type RepetitionRecord, type StormDetails } from "@wsarena/results";
import { barChartOption, hatchedCaption } from "./charts/bars.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./charts/render.ts";
import { scenarioChartName } from "./charts/scenario.ts";
import { pointBar } from "./charts/unranked.ts";
import { fmtCount, fmtUs } from "./format.ts";
import { isMeasured, pointLabel, type PointView, type ReportInput } from "./model.ts";
import type { Cell, Table } from "./tables.ts";

const cell = (text: string, num = true): Cell => ({ text, warn: [], num });

/** The storm details of a repetition, or null. */
function stormOf(r: RepetitionRecord): StormDetails | null {
  const d = detailsOf("burst", r);
  return d?.kind === "storm" ? d : null;
}

/** The message-burst details of a repetition, or null. */
function messageBurstOf(r: RepetitionRecord): MessageBurstDetails | null {
  const d = detailsOf("burst", r);
  return d?.kind === "message-burst" ? d : null;
}

/** The reconnect details of a repetition, or null. */
const recoveryOf = (r: RepetitionRecord): ReconnectDetails | null => detailsOf("reconnect", r);

/** Finite values of `f` over the repetitions whose details `of` reads. */
function detailValues<D>(p: PointView, of: (r: RepetitionRecord) => D | null, f: (d: D) => number | null | undefined): number[] {
  return p.reps.flatMap((r) => {
    const d = of(r);
    const v = d === null ? null : f(d);
    return typeof v === "number" && Number.isFinite(v) ? [v] : [];
  });
}

/** Mean of a detail over repetitions, or null. */
function detailMean<D>(p: PointView, of: (r: RepetitionRecord) => D | null, f: (d: D) => number | null | undefined): number | null {
  const v = detailValues(p, of, f);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/** Sum over repetitions of a count map in their storm details (outcomes, closeCodes). */
function countsOf(reps: readonly RepetitionRecord[], f: (d: StormDetails) => Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reps) {
    const d = stormOf(r);
    if (d) for (const [k, v] of Object.entries(f(d))) out[k] = (out[k] ?? 0) + v;
  }
  return out;
}

const ms = (v: number | null): string => (v === null ? "—" : Math.round(v) === 0 ? "0 ms" : fmtUs(Math.round(v) * 1000));
const us = (v: number | null): string => (v === null ? "—" : fmtUs(v));
const n = (v: number | null): string => (v === null ? "—" : Math.abs(v) < 1000 ? String(Math.round(v)) : fmtCount(Math.round(v)));
const counts = (m: Record<string, number>): string =>
  Object.keys(m).length
    ? Object.entries(m)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ")
    : "—";

function points(input: ReportInput, scenario: string, kind?: string): PointView[] {
  return input.points.filter((p) => p.scenario === scenario && isMeasured(p) && (kind === undefined || p.params.kind === kind));
}

/** burst: storm outcomes by class and connect-time percentiles (sums over repetitions; percentiles averaged). */
export function stormTable(input: ReportInput): Table | null {
  const pts = points(input, "burst", "storm");
  if (!pts.length) return null;
  const rows = pts.map((p) => {
    const o = countsOf(p.reps, (d) => d.outcomes);
    const http = Object.fromEntries(Object.entries(o).filter(([k]) => k.startsWith("http-")));
    const closes = {
      ...Object.fromEntries(Object.entries(o).filter(([k]) => k.startsWith("close-"))),
      ...Object.fromEntries(Object.entries(countsOf(p.reps, (d) => d.closeCodes)).map(([k, v]) => [`held-close-${k}`, v])),
    };
    const mean = (f: (r: RepetitionRecord) => number) => p.reps.reduce((a, r) => a + f(r), 0) / p.reps.length;
    const attempted = p.reps.reduce((a, r) => a + r.connect.attempted, 0);
    return [
      cell(p.stack, false),
      cell(pointLabel(p), false),
      cell(n(attempted)),
      cell(n(o.ok ?? 0)),
      cell(n(o.refused ?? 0)),
      cell(n(o.reset ?? 0)),
      cell(n(o.timeout ?? 0)),
      cell(counts(http), false),
      cell(counts(closes), false),
      cell(n(o.other ?? 0)),
      cell(us(mean((r) => r.connect.p50Us))),
      cell(us(mean((r) => r.connect.p99Us))),
      cell(us(mean((r) => r.connect.maxUs))),
      cell(ms(detailMean(p, stormOf, (d) => d.settledMs))),
    ];
  });
  return {
    headers: [
      "Stack",
      "Point",
      "Attempts",
      "Open",
      "Refused",
      "Reset",
      "Timeout",
      "HTTP status",
      "Close codes",
      "Other",
      "Connect p50",
      "Connect p99",
      "Connect max",
      "All settled",
    ],
    rows,
    notes: [
      "Connection storm: attempts spread evenly over 1 s from one pinned client process; counts summed over repetitions, connect times (TCP + upgrade, socket.io: + connect) of the successful attempts averaged.",
      "HTTP status: the upgrade was answered with it (503 over WSARENA_MAX_CONNECTIONS, 429 where a limit applies). Close codes: close-N before the connection was usable; held-close-N while the storm's connections were held.",
    ],
  };
}

/** burst: time to drain the message burst. */
export function drainTable(input: ReportInput): Table | null {
  const pts = points(input, "burst", "message-burst");
  if (!pts.length) return null;
  return {
    headers: ["Stack", "Point", "Quiet p99", "Backlog drained", "Latency back", "Drain time", "Lost"],
    rows: pts.map((p) => [
      cell(p.stack, false),
      cell(pointLabel(p), false),
      cell(us(detailMean(p, messageBurstOf, (d) => d.baselineP99Us))),
      cell(ms(detailMean(p, messageBurstOf, (d) => d.backlogDrainMs))),
      cell(ms(detailMean(p, messageBurstOf, (d) => d.latencyRecoverMs))),
      cell(ms(detailMean(p, messageBurstOf, (d) => d.drainMs))),
      cell(n(detailMean(p, messageBurstOf, (d) => d.lost))),
    ]),
    notes: [
      "Message burst: one publisher at the base rate, 10× for 2 s, then the base rate again; every subscriber times each delivery from its intended send time. Backlog drained: from the burst's end until the last delivery of a message sent by then. Latency back: from the burst's end until three 100 ms send buckets in a row have p99 within max(2 × quiet p99, quiet p99 + 1 ms). Drain time: the later of the two (means over repetitions).",
    ],
  };
}

/** Mean over repetitions of the highest value of `f` over the connect buckets after the kill (details.buckets), or null. */
function herd(p: PointView, f: (b: ReconnectDetails["buckets"][number]) => number): number | null {
  const peaks = p.reps.flatMap((r) => {
    const b = recoveryOf(r)?.buckets;
    return b ? [Math.max(0, ...b.map(f))] : [];
  });
  return peaks.length ? peaks.reduce((a, b) => a + b, 0) / peaks.length : null;
}

/** reconnect: recovery per stack and backoff policy. */
export function recoveryTable(input: ReportInput): Table | null {
  const pts = points(input, "reconnect");
  if (!pts.length) return null;
  return {
    headers: [
      "Stack",
      "Policy",
      "Recovered",
      "Recovery p50",
      "Recovery p99",
      "Recovery max",
      "p99 after ready",
      "Server down",
      "Missed/client p50",
      "Missed/client p99",
      "Attempts p99",
      "Peak reconnects/100 ms",
      "Peak connect p99",
    ],
    rows: pts.map((p) => {
      const rec = p.reps.map((r) => `${String(recoveryOf(r)?.recovered ?? "?")}/${String(recoveryOf(r)?.clients ?? "?")}`);
      return [
        cell(p.stack, false),
        cell(String(p.params.policy ?? pointLabel(p)), false),
        cell(rec.join(", ")),
        cell(ms(detailMean(p, recoveryOf, (d) => d.recoveryP50Ms))),
        cell(ms(detailMean(p, recoveryOf, (d) => d.recoveryP99Ms))),
        cell(ms(detailMean(p, recoveryOf, (d) => d.recoveryMaxMs))),
        cell(ms(detailMean(p, recoveryOf, (d) => d.afterReadyP99Ms))),
        cell(ms(detailMean(p, recoveryOf, (d) => d.serverDownMs))),
        cell(n(detailMean(p, recoveryOf, (d) => d.missedP50))),
        cell(n(detailMean(p, recoveryOf, (d) => d.missedP99))),
        cell(n(detailMean(p, recoveryOf, (d) => d.attemptsP99))),
        cell(n(herd(p, (b) => b.succeeded))),
        cell(us(herd(p, (b) => b.p99Us ?? 0))),
      ];
    }),
    notes: [
      "Recovery: from the SIGKILL until the subscriber received a message again (reconnected, subscribed again, next publish), over subscribers; p99 after ready counts from the new server's /health instead. Server down: SIGKILL to the new server ready (500 ms dark + start-up). Missed: messages of the topic a subscriber never received between its first and last seq. Peak reconnects/100 ms: the most successful reconnects started in one 100 ms bucket after the kill; peak connect p99: the highest connect-time p99 of those buckets (a thundering herd shows as both rising together, typically with no-jitter).",
    ],
  };
}

/** The extra tables of a failure scenario (empty for others). */
export function burstReconnectTables(input: ReportInput, scenario: string): Table[] {
  const t = scenario === "burst" ? [stormTable(input), drainTable(input)] : scenario === "reconnect" ? [recoveryTable(input)] : [];
  return t.filter((x): x is Table => x !== null);
}

/** reconnect: recovery p50 and p99 (ms) per backoff policy and stack, or null when nothing was measured. */
export function recoveryChart(input: ReportInput): ChartSpec | null {
  const pts = points(input, "reconnect");
  if (!pts.length) return null;
  const policies = [...new Set(pts.map((p) => String(p.params.policy ?? pointLabel(p))))];
  const categories = policies.flatMap((pol) => [`${pol} p50`, `${pol} p99`]);
  const stacks = [...new Set(pts.map((p) => p.stack))].sort();
  const series = stacks.map((stack) => ({
    stack,
    values: categories.map((c) => {
      const [pol, pct] = c.split(" ");
      const p = pts.find((q) => q.stack === stack && String(q.params.policy ?? pointLabel(q)) === pol);
      return p
        ? pointBar(
            p,
            detailValues(p, recoveryOf, (d) => (pct === "p50" ? d.recoveryP50Ms : d.recoveryP99Ms)),
          )
        : null;
    }),
  }));
  return {
    name: scenarioChartName("reconnect"),
    title: "reconnect: time to recovery after a SIGKILL",
    caption: `From the SIGKILL until a subscriber receives again, p50 and p99 over subscribers, per backoff policy and stack (includes the server's restart: 500 ms dark plus its start-up). Mean over repetitions, whiskers min–max; lower is better.${hatchedCaption(series)}`,
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: barChartOption({ categories, series, yName: "time to recovery", logY: false, format: (v) => (v === 0 ? "0" : fmtUs(v * 1000)) }),
  };
}

/** The chart that replaces the generic headline chart of a failure scenario, or null. */
export function burstReconnectChart(input: ReportInput, scenario: string): ChartSpec | null {
  return scenario === "reconnect" ? recoveryChart(input) : null;
}
