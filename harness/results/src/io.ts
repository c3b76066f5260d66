// Reads and writes result sets: atomic JSON writes (temp file + rename) and loadResultSet, which validates every file.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { z } from "zod";
import { migrateResultFile, MIGRATABLE_VERSIONS } from "./migrate.ts";
import { RUN_FILE, SCHEMA_VERSION, measurementSchema, runSchema, type MeasurementRecord, type RunRecord } from "./schema.ts";

/** A result set read from disk and validated. */
export interface ResultSet {
  /** Absolute or given path of the folder. */
  dir: string;
  /** run.json. */
  run: RunRecord;
  /** Every measurement file, in run.json order (files on disk not listed there follow, sorted). */
  measurements: MeasurementRecord[];
}

let tmpCounter = 0;

/** Writes `value` as pretty JSON to `file` atomically: a reader sees the old file or the new one, never half of one. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${tmpCounter++}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(value, null, 1)}\n`);
  renameSync(tmp, file);
}

/**
 * Checks before a run that `dir` can hold a result set: creates it (and its parents) if needed and writes and removes a
 * probe file. Throws one line naming the folder, the system error and the fix; a folder it created is removed again, so
 * a failed check leaves nothing behind.
 */
export function checkWritableDir(dir: string): void {
  const existed = existsSync(dir);
  let firstCreated: string | undefined;
  try {
    firstCreated = mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.wsarena-write-probe.${process.pid}`);
    writeFileSync(probe, "");
    unlinkSync(probe);
  } catch (e) {
    if (!existed && firstCreated) rmSync(firstCreated, { recursive: true, force: true });
    throw new Error(`cannot write the result set to ${dir} (${(e as Error).message.split(",")[0]}); choose a folder you can write to with --out`);
  }
}

function readValidated<T>(file: string, schema: z.ZodType<T>, what: string, kind: "run" | "measurement"): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); expected a wsarena ${what}.`);
  }
  const v = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (v !== SCHEMA_VERSION && !MIGRATABLE_VERSIONS.includes(v as number)) {
    const readable = [...MIGRATABLE_VERSIONS, SCHEMA_VERSION].join(", ");
    throw new Error(`${file} has schemaVersion ${JSON.stringify(v)}, this wsarena reads versions ${readable}; use a matching wsarena checkout.`);
  }
  raw = migrateResultFile(raw, kind);
  const r = schema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues
      .slice(0, 8)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new Error(`${file} is not a valid ${what}: ${problems}`);
  }
  return r.data;
}

/** Reads and validates run.json of a result set. */
export function loadRunFile(dir: string): RunRecord {
  const file = join(dir, RUN_FILE);
  if (!existsSync(file)) throw new Error(`${dir} is not a result set: ${RUN_FILE} is missing. Pass a folder written by \`wsarena run\` (results/<runId>/).`);
  return readValidated(file, runSchema, "run file (run.json)", "run");
}

/** Reads and validates one measurement file. */
export function loadMeasurementFile(file: string): MeasurementRecord {
  return readValidated(file, measurementSchema, "measurement file", "measurement");
}

/** Reads a result set folder and validates run.json and every measurement file; throws one readable error on the first bad file. */
export function loadResultSet(dir: string): ResultSet {
  const run = loadRunFile(dir);
  const onDisk = readdirSync(dir).filter((f) => f.endsWith(".json") && f !== RUN_FILE && f.includes("--") && !f.startsWith("."));
  const ordered = [...run.measurements.filter((f) => onDisk.includes(f)), ...onDisk.filter((f) => !run.measurements.includes(f)).sort()];
  const measurements = ordered.map((f) => loadMeasurementFile(join(dir, f)));
  for (const m of measurements) {
    if (m.runId !== run.runId) throw new Error(`${join(dir, `${m.stack}--${m.scenario}.json`)} belongs to run ${m.runId}, not ${run.runId}.`);
  }
  return { dir, run, measurements };
}
