// Versioned zod schema of a result set (results/<runId>/): its version, file names, and the change policy.
// Change policy: changes after SCHEMA_VERSION 1 are additive (new optional fields); a breaking change bumps SCHEMA_VERSION
// and is described in a line here. Readers ignore unknown fields (objects are not strict), so older readers keep working.
// Additive since the first commit of version 1 (all optional): point.saturated, repetition.clientCoreBusyPct,
// repetition.statsDelta.
// Version 2: every repetition carries the measured floor (platform hiccup per pinned core, the client's scheduler lag),
// steal time, the quiet-machine gate, its outlier class and the latency percentiles at the floor; summaries carry the
// 95 % interval, MAD and outlier counts; points say why repetitions stopped; flags client-loaded and at-floor.
// Additive in version 2 (optional): measurement.knee (rate ladders' sustainable rate per repetition), config.slo,
// config.loadShape (the run's --load-shape).
// Version 1 files are migrated on read (results/migrate.ts): the new measurements are null/empty there, never invented.

/** Version of the result file format written by this runner. */
export const SCHEMA_VERSION = 2;

/** File name of the run description inside a result set. */
export const RUN_FILE = "run.json";

/** File name of the measurement of `stack` in `scenario` inside a result set. */
export function measurementFileName(stack: string, scenario: string): string {
  return `${stack}--${scenario}.json`;
}
