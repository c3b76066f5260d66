// Variants beside their base stack (e.g. uws+deflate next to uws): per point the headline of both with the 95 % interval
// of their ratio, server CPU per message, wire bytes per message and RSS per connection.
import { mean, ratioOfMeans } from "@wsarena/stats";
import { fmtBytes, fmtCount, fmtUs } from "./format.ts";
import { isMeasured, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { fmtAdvantage } from "./rank.ts";
import { allMarks, caveats, warnings, type Cell, type Table } from "./tables.ts";

/** Variant rows of a result set: stack id → its base stack id and variant id (from run.json). */
export function variantRows(input: ReportInput): Map<string, { base: string; variant: string; description: string }> {
  const out = new Map<string, { base: string; variant: string; description: string }>();
  for (const s of input.run.stacks) if (s.variant) out.set(s.id, { base: s.variant.base, variant: s.variant.id, description: s.variant.description });
  return out;
}

/** Server CPU µs per delivered message of each repetition that has server usage. */
export function serverCpuUsPerMsg(p: PointView): number[] {
  return p.reps.flatMap((r) => (r.server && r.msgsPerSec > 0 ? [(r.server.cpuPct / 100 / r.msgsPerSec) * 1e6] : []));
}

/** Bytes on the wire from server to client per delivered message, per repetition that counted them. */
export function wireBytesPerMsg(p: PointView): number[] {
  return p.reps.flatMap((r) => (r.wire && r.msgsPerSec > 0 ? [r.wire.receivedBytesPerSec / r.msgsPerSec] : []));
}

/** RSS per connection of each repetition (connections scenario). */
export function rssPerConnection(p: PointView): number[] {
  return p.reps.flatMap((r) => (r.rssPerConnectionBytes !== null && r.rssPerConnectionBytes !== undefined ? [r.rssPerConnectionBytes] : []));
}

const txt = (text: string, warn: string[] = [], num = false, caveat: string[] = []): Cell => ({ text, warn, num, caveat });
const avg = (xs: number[]): number | null => (xs.length ? mean(xs) : null);

/** "a → b" of two means with a unit formatter; "–" where a side has none. */
function pair(a: number[], b: number[], f: (x: number) => string): string {
  const x = avg(a);
  const y = avg(b);
  if (x === null && y === null) return "–";
  return `${x === null ? "–" : f(x)} → ${y === null ? "–" : f(y)}`;
}

/** Headline value of a point as text (mean over repetitions) with its marks. */
function headlineCell(p: PointView | undefined): Cell {
  if (!p) return txt("not run", ["skipped"]);
  if (!isMeasured(p) || !p.summary || !p.headline) return txt(p.reason ? `${p.status}: ${p.reason}` : p.status, warnings(p));
  const v = p.summary.mean;
  const text = p.headline.unit === "µs" ? fmtUs(v) : p.headline.unit === "B" ? fmtBytes(v) : `${fmtCount(v)} ${p.headline.unit}`;
  return txt(text, warnings(p), true, caveats(p));
}

/**
 * One row per (variant, scenario, point) whose base stack is in the set too: base and variant headline, the ratio
 * variant/base with its 95 % interval, and the costs that explain it. Null when the set has no variant.
 */
export function variantsTable(input: ReportInput): Table | null {
  const variants = variantRows(input);
  if (variants.size === 0) return null;
  const rows: Cell[][] = [];
  for (const [stack, v] of variants) {
    const mine = input.points.filter((p) => p.stack === stack);
    for (const p of mine) {
      const base = input.points.find((b) => b.stack === v.base && b.scenario === p.scenario && b.pointKey === p.pointKey);
      const measured = isMeasured(p) && p.summary !== null && base !== undefined && isMeasured(base) && base.summary !== null && p.headline !== null;
      let ratio = "–";
      if (measured) {
        const a = base!.reps.map((r) => r[p.headline!.metric as "msgsPerSec"]).filter((x): x is number => typeof x === "number");
        const b = p.reps.map((r) => r[p.headline!.metric as "msgsPerSec"]).filter((x): x is number => typeof x === "number");
        ratio = a.length && b.length ? fmtAdvantage(ratioOfMeans(a, b)) : `×${(p.summary!.mean / base!.summary!.mean).toFixed(2)}`;
      }
      rows.push([
        txt(stack),
        txt(p.scenario),
        txt(p.pointKey ? pointLabel(p) : "–"),
        // A variant with nothing measured (skipped, invalid) has no point to set beside the base's.
        p.pointKey ? headlineCell(base) : txt("–"),
        headlineCell(p),
        txt(ratio, [], true),
        txt(base ? pair(serverCpuUsPerMsg(base), serverCpuUsPerMsg(p), (x) => fmtUs(x)) : "–", [], true),
        txt(base ? pair(wireBytesPerMsg(base), wireBytesPerMsg(p), (x) => `${x.toFixed(1)} B`) : "–", [], true),
        txt(base ? pair(rssPerConnection(base), rssPerConnection(p), fmtBytes) : "–", [], true),
        txt(allMarks(p).join(", ") || "–"),
      ]);
    }
  }
  return {
    headers: [
      "Variant",
      "Scenario",
      "Point",
      "Base",
      "Variant value",
      "Variant / base",
      "Server CPU per msg",
      "Wire bytes per msg (server → client)",
      "RSS per connection",
      "Flags",
    ],
    rows,
    notes: [
      ...[...variants].map(([id, v]) => `${id}: ${v.base} with ${v.description}.`),
      "Base and Variant value: the point's headline figure, mean over repetitions. Variant / base: ratio of the means with the 95 % interval of the ratio (Welch's t on logs), as in the rankings.",
      "Server CPU per msg: server process CPU over the window ÷ delivered messages (base → variant). Wire bytes: WebSocket frames as the client read them (compressed size, frame headers included, TCP/IP excluded) ÷ delivered messages. RSS per connection: connections scenario only.",
    ],
  };
}
