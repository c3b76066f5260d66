// Schema of results/<runId>/run.json: the machine, the stacks with their versions, pinning and the resolved configuration.
import { z } from "zod";
import { paramsSchema } from "./records.ts";
import { variantRecordSchema } from "./measurement.ts";
import { loadShapeSchema } from "../load-shape.ts";
import { SCHEMA_VERSION } from "./version.ts";

/** Machine the run happened on. */
export const machineSchema = z.object({
  /** Short host name. */
  hostname: z.string(),
  /** CPU model from /proc/cpuinfo. */
  cpuModel: z.string(),
  /** Logical cores (nproc). */
  cores: z.number(),
  /** Total memory, bytes. */
  memoryBytes: z.number(),
  /** Kernel release (uname -r). */
  kernel: z.string(),
  /** OS platform and architecture, e.g. "linux x64". */
  platform: z.string(),
  /** CPU frequency governor of cpu0, or null when not readable (e.g. in a VM). */
  governor: z.string().nullable(),
});
export type MachineRecord = z.infer<typeof machineSchema>;

/** One stack of the run, with the versions that matter. */
export const runStackSchema = z.object({
  /** Stack id (`<stack>+<variant>` for a variant). */
  id: z.string(),
  /** Set when the row is a variant of a stack: its base stack and overrides (absent for a plain stack). */
  variant: variantRecordSchema.optional(),
  /** Display name. */
  displayName: z.string(),
  /** Runtime. */
  runtime: z.enum(["node", "bun", "deno"]),
  /** Wire protocol. */
  protocol: z.enum(["ws", "socket.io"]),
  /** Manifest approach. */
  approach: z.enum(["idiomatic", "tuned"]),
  /** Installed version of the versionOf package, or null. */
  version: z.string().nullable(),
  /** Installed versions of every dependency of the stack's package.json, by name. */
  packages: z.record(z.string(), z.string()),
  /** Verification result, or null when verification was not run. */
  verification: z
    .object({
      /** True when every check passed (warnings allowed). */
      ok: z.boolean(),
      /** Verification level used. */
      level: z.string(),
      /** Failed checks, one line each. */
      failures: z.array(z.string()),
    })
    .nullable(),
});
export type RunStackRecord = z.infer<typeof runStackSchema>;

/** Run configuration as resolved from flags and the profile. */
export const runConfigSchema = z.object({
  /** Profile name: quick, standard or full. */
  profile: z.string(),
  /** Repetitions every (stack, scenario, point) got at least: the fixed count, or repetitions.minReps when adaptive. */
  reps: z.number(),
  /** Stack ids in the order of the first repetition (rotated by one each repetition). */
  stacks: z.array(z.string()),
  /** Scenario ids in run order. */
  scenarios: z.array(z.string()),
  /** Resolved parameters of every scenario for this profile: scenario id → { params, points }. */
  scenarioParams: z.record(z.string(), z.object({ params: paramsSchema, points: z.array(paramsSchema) })),
  /** Verification level run before timing ("smoke", "full") or "none". */
  verifyLevel: z.string(),
  /**
   * Adaptive repetitions: at least minReps, then more until every point's 95 % half-width ≤ targetCiHalfWidthRel, at most
   * maxReps, while the budget lasts. A fixed count (--reps N) is minReps = maxReps = N with target 0 and no budget.
   */
  repetitions: z.object({
    /** Repetitions every measurement gets. */
    minReps: z.number(),
    /** Cap. */
    maxReps: z.number(),
    /** Target relative half-width of the 95 % interval (0.05 = ±5 %). */
    targetCiHalfWidthRel: z.number(),
    /** Wall-time budget of the timing phase, ms, or null for none. */
    budgetMs: z.number().nullable(),
  }),
  /** The SLO rate ladders judged their knee by (`--slo`, normalised criteria text, e.g. "p99<5ms"); absent in older sets. */
  slo: z.string().optional(),
  /**
   * How the open-loop echo points wrote their schedule (`--load-shape`); absent in older sets, which read as the shape
   * their points recorded, else "pipelined" (what every run sent before the shape could be chosen).
   */
  loadShape: loadShapeSchema.optional(),
});
export type RunConfigRecord = z.infer<typeof runConfigSchema>;

/** Contents of results/<runId>/run.json. */
export const runSchema = z.object({
  /** Result file format version (SCHEMA_VERSION). */
  schemaVersion: z.literal(SCHEMA_VERSION),
  /** Run id: UTC date-time + short host name, e.g. 20261123T030501Z-myhost. */
  runId: z.string(),
  /** Start of the run (ISO 8601). */
  startedAt: z.string(),
  /** End of the run (ISO 8601), or null while running. */
  finishedAt: z.string().nullable(),
  /** complete: every planned measurement ran; interrupted: stopped early (Ctrl-C), files hold what finished; running: in progress (or the runner died). */
  status: z.enum(["complete", "interrupted", "running"]),
  /** Git state of the checkout. */
  git: z.object({
    /** Commit hash, or null outside a git checkout. */
    commit: z.string().nullable(),
    /** True when tracked files had uncommitted changes. */
    dirty: z.boolean(),
  }),
  /** Machine description. */
  machine: machineSchema,
  /** Runtime versions: node always; bun and deno from the stacks' binaries, null when not installed. */
  runtimes: z.object({
    /** Node version running the harness. */
    node: z.string(),
    /** Bun version, or null. */
    bun: z.string().nullable(),
    /** Deno version, or null. */
    deno: z.string().nullable(),
  }),
  /** Versions of the load generator's packages (ws, socket.io-client, hdr-histogram-js, ...). */
  clientPackages: z.record(z.string(), z.string()),
  /** Stacks in the run. */
  stacks: z.array(runStackSchema),
  /** CPU pinning. */
  pinning: z.object({
    /** taskset cpu list of the servers, or null when not pinned. */
    serverCpus: z.string().nullable(),
    /** taskset cpu list of the load generator, or null when not pinned. */
    clientCpus: z.string().nullable(),
  }),
  /** Resolved configuration. */
  config: runConfigSchema,
  /** Measurement files of this set (relative names), in plan order. */
  measurements: z.array(z.string()),
  /** Where the wall time went: timing phase total and the part inside measured windows, ms (null while running). */
  timing: z
    .object({
      /** Wall time of the timing phase (verification excluded), ms. */
      timingPhaseMs: z.number(),
      /** Sum of the measured windows, ms. */
      inWindowMs: z.number(),
      /** Time spent waiting at the quiet-machine gate, ms. */
      quietWaitMs: z.number(),
    })
    .nullable(),
});
export type RunRecord = z.infer<typeof runSchema>;
