// Upgrades result files of older schema versions to SCHEMA_VERSION on read, so old result sets keep opening.
// A migration fills only what can be derived from the stored data; measurements the old runner never made stay null/empty.
import { classifyOutliers, summarizeSample } from "@wsarena/stats";
import { SCHEMA_VERSION } from "./schema.ts";

type Json = Record<string, unknown>;

/** Schema versions this reader can migrate from (besides SCHEMA_VERSION itself). */
export const MIGRATABLE_VERSIONS: readonly number[] = [1];

/** Version 1 → 2 of a measurement file: summaries get their interval/MAD/outliers from the stored per-rep values. */
function measurementV1toV2(m: Json): Json {
  const points = (m.points as Json[] | undefined) ?? [];
  return {
    ...m,
    schemaVersion: 2,
    points: points.map((p) => {
      const reps = (p.reps as Json[] | undefined) ?? [];
      const summary = p.summary as Json | null;
      // The headline of each rep is not stored per rep in v1; it is recomputed from the field the summary names.
      const metric = summary?.metric as string | undefined;
      const headlineValueOf = (r: Json): number => {
        if (!metric) return Number.NaN;
        if (metric in r && typeof r[metric] === "number") return r[metric] as number;
        const lat = r.latency as Json | null;
        if (lat && metric in lat) return lat[metric] as number;
        const con = r.connect as Json | null;
        if (metric === "connectPerSec" && con) return con.perSec as number;
        if (metric === "rssPerConnectionBytes") return (r.rssPerConnectionBytes as number | null) ?? Number.NaN;
        return Number.NaN;
      };
      const values = reps.map(headlineValueOf);
      const finite = values.filter((v) => Number.isFinite(v));
      const classes = finite.length === values.length ? classifyOutliers(values) : values.map(() => "normal" as const);
      const s = summary && finite.length ? summarizeSample(finite) : null;
      return {
        ...p,
        stop: "fixed",
        summary:
          summary && s ? { ...summary, ci95Lo: s.ci95Lo, ci95Hi: s.ci95Hi, ciHalfWidthRel: s.ciHalfWidthRel, mad: s.mad, outliers: s.outliers } : summary,
        reps: reps.map((r, i) => ({
          ...r,
          schedulerLag: null,
          floor: [],
          stealPct: null,
          quietGate: null,
          atFloor: [],
          outlier: classes[i] ?? "normal",
        })),
      };
    }),
  };
}

/** Version 1 → 2 of run.json: the repetition policy was a fixed count; timing was not recorded. */
function runV1toV2(r: Json): Json {
  const config = r.config as Json;
  const reps = config.reps as number;
  return {
    ...r,
    schemaVersion: 2,
    config: { ...config, repetitions: { minReps: reps, maxReps: reps, targetCiHalfWidthRel: 0, budgetMs: null } },
    timing: null,
  };
}

/** Migrates a parsed result file (`kind` run or measurement) to SCHEMA_VERSION; files already current are returned as they are. */
export function migrateResultFile(raw: unknown, kind: "run" | "measurement"): unknown {
  let v = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  let out = raw as Json;
  if (v === 1) {
    out = kind === "run" ? runV1toV2(out) : measurementV1toV2(out);
    v = 2;
  }
  return v === SCHEMA_VERSION ? out : raw;
}
