// Public types of the conformance suite: checks, their context, results and the per-stack report.
import type { DiscoveredStack, LaunchedServer } from "@wsarena/stacks";

/** Wire protocol of a stack (manifest `protocol`). */
export type Protocol = "ws" | "socket.io";

/** "smoke": the fast subset run before timing; "full": every check. */
export type ConformanceLevel = "smoke" | "full";

/** Outcome of one check for one stack. */
export type CheckStatus = "pass" | "fail" | "warn" | "skip";

/** What a check runs against; built by runConformance. */
export interface CheckContext {
  /** The stack under test. */
  stack: DiscoveredStack;
  /** Protocol the check runs in (the stack's). */
  protocol: Protocol;
  /** The stack's shared server (default limits), used by every check that needs no special limits. */
  server: LaunchedServer;
  /** Launches a dedicated server with extra env (limits); it is stopped when the check ends. */
  launch(env: Record<string, string>): Promise<LaunchedServer>;
  /** Throws when the check's time is up; long waits call it so a timed-out check stops promptly. */
  checkAborted(): void;
}

/** Body of a check: resolves with a short message on success, throws an Error whose message says what went wrong. */
export type CheckFn = (ctx: CheckContext) => Promise<string | void>;

/** One conformance rule, with an implementation per protocol it applies to. */
export interface Check {
  /** Stable dotted id, e.g. "echo.binary-65536"; manifests name it in `deviations`. */
  id: string;
  /** The behaviour asserted, phrased as a statement ("echoes a 0-byte text message as text"). */
  title: string;
  /** What exactly is asserted and how, including why a protocol is not applicable. */
  description: string;
  /** Implementation per protocol; a protocol without one gets status skip with `notApplicable[protocol]` as message. */
  run: Partial<Record<Protocol, CheckFn>>;
  /** Why the check is meaningless for a protocol it has no implementation for. */
  notApplicable?: Partial<Record<Protocol, string>>;
  /** Part of the smoke subset. */
  smoke?: boolean;
  /**
   * Where it runs: "exclusive" = alone on the shared server (counters, timing), "shared" = concurrently on the
   * shared server, "destructive" = on the shared server after the shared checks (bad input), "dedicated" = launches
   * its own servers through ctx.launch.
   */
  placement: "exclusive" | "shared" | "destructive" | "dedicated";
  /** A dedicated check that mostly waits (idle timeout): started before the exclusive phase so it costs no wall time. */
  early?: boolean;
  /** Time allowed for the check; it fails when exceeded. */
  timeoutMs: number;
}

/** Result of one check for one stack. */
export interface CheckResult {
  /** Check id. */
  id: string;
  /** Check title (the behaviour asserted). */
  title: string;
  /** pass, fail, warn (failed but listed in the manifest's deviations) or skip (not applicable to the protocol). */
  status: CheckStatus;
  /** What was observed: the failure, the deviation reason plus the failure, or a short note on success. */
  message: string;
  /** The manifest's deviation reason, when the stack lists this check under `deviations`. */
  deviation?: string;
  /** Wall time of the check in milliseconds (0 when skipped). */
  durationMs: number;
}

/** Conformance of one stack. */
export interface ConformanceReport {
  /** Stack id. */
  stack: string;
  /** Stack protocol. */
  protocol: Protocol;
  /** Version the server reported in its ready line, or null when it did not start. */
  version: string | null;
  /** Level that was run. */
  level: ConformanceLevel;
  /** ISO time the run started. */
  startedAt: string;
  /** Wall time of the whole run in milliseconds, server launches included. */
  durationMs: number;
  /** Every check of the level, in table order. */
  results: CheckResult[];
  /** Number of results per status. */
  counts: Record<CheckStatus, number>;
  /** True when no check failed (warnings allowed). */
  ok: boolean;
  /** Problems with the stack itself (e.g. a deviation naming an unknown check id); printed by formatReport. */
  problems: string[];
}

/** Options of runConformance; never mutated. */
export interface ConformanceOptions {
  /** Which checks: "smoke" (fast subset) or "full" (every check). */
  level: ConformanceLevel;
  /** taskset cpu list for every server launched (e.g. "0"); undefined = not pinned. */
  cpus?: string;
  /** Called as each check finishes (in completion order). */
  onCheck?: (result: CheckResult) => void;
  /** Run only these check ids (others are left out of the report); for debugging one check. */
  only?: string[];
  /** The check table; defaults to CHECKS (tests pass fakes). */
  checks?: readonly Check[];
  /** Most checks running at once on one stack. */
  concurrency?: number;
}
