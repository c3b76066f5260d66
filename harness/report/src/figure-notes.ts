// The appendix's notes per figure: for each flagged or failed figure, the numbers behind its flags (the scenario tables
// already name the flags), grouped by scenario point so that each point takes one line.
import { flagDetail } from "./findings.ts";
import { pointLabel, type ReportInput } from "./model.ts";
import { unranked } from "./saturation.ts";

/** The notes of one scenario point. */
export interface PointNotes {
  /** "echo-throughput 64B-text". */
  where: string;
  /** One short note per flagged figure of the point: "bun: high-variance (CV 19.0 % over 4 reps)". */
  notes: string[];
  /** True when a figure of the point is not ranked (⚠). */
  warning: boolean;
}

/** Notes per flagged or failed figure, grouped by (scenario, point) in report order. */
export function figureNotes(input: ReportInput): PointNotes[] {
  const out = new Map<string, PointNotes>();
  for (const p of input.points) {
    const where = `${p.scenario}${p.pointKey ? ` ${pointLabel(p)}` : ""}`;
    const parts: string[] = [];
    if (p.status !== "ok") parts.push(`${p.status}${p.reason ? ` — ${p.reason}` : ""}`);
    else parts.push(...p.flags.map((f) => flagDetail(p, f)));
    if (p.partial && p.status === "ok") parts.push("partial (the run was interrupted before every repetition finished)");
    if (!parts.length) continue;
    const entry = out.get(where) ?? { where, notes: [], warning: false };
    entry.notes.push(`${p.stack}: ${parts.join("; ")}`);
    entry.warning ||= unranked(p);
    out.set(where, entry);
  }
  return [...out.values()];
}
