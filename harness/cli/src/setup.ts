// Set-up shared by the commands that time stacks (run, capacity): which stacks, pinned where, and how Ctrl-C ends them.
import { DEFAULT_CLIENT_CPUS, DEFAULT_SERVER_CPUS, killDescendants, resolvePinning, type Pinning } from "@wsarena/host";
import { REPO_ROOT, discoverStacks, resolveCommand, selectStacks, type DiscoveredStack } from "@wsarena/stacks";
import { asUsage, parseList } from "./args.ts";
import { UsageError } from "./command.ts";

/** Exit code of a command ended by SIGINT/SIGTERM (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/**
 * The stacks `--stacks` names (all when absent). A stack named there that cannot run here is a usage error; with
 * `skipVariants`, a variant its stack cannot run is kept (the caller records it as skipped with its reason).
 */
export function stacksFromFlag(value: string | undefined, opts: { skipVariants: boolean }): DiscoveredStack[] {
  const all = discoverStacks();
  if (all.length === 0) throw new UsageError("no stacks found: no servers/*/stack.json in this checkout");
  const stacks = asUsage(() => selectStacks(all, parseList("stacks", value)));
  const notRunnable = stacks.filter((s) => !s.runnable && !(opts.skipVariants && s.variant));
  if (value && notRunnable.length) throw new UsageError(`stack ${notRunnable.map((s) => `${s.id} (${s.reason})`).join(", ")} cannot run here`);
  return stacks;
}

/** Pinning from `--server-cpus` and `--client-cpus` (defaults 0 and 1), with taskset on PATH to apply it. */
export function pinningFromFlags(values: { "server-cpus"?: string | undefined; "client-cpus"?: string | undefined }): Pinning {
  const pinning = asUsage(() => resolvePinning(values["server-cpus"] ?? DEFAULT_SERVER_CPUS, values["client-cpus"] ?? DEFAULT_CLIENT_CPUS));
  if (!resolveCommand(REPO_ROOT, "taskset"))
    throw new UsageError("taskset was not found on PATH; install util-linux (apt-get install util-linux) to pin servers and clients");
  return pinning;
}

/**
 * SIGINT/SIGTERM while a command times stacks: the first aborts `signal` (the command stops `when`, e.g. "after
 * cleanup"), a second kills every descendant and exits at once. `release()` removes the handlers.
 */
export function interruptible(when: string): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals === 1) {
      process.stderr.write(`\n${sig}: stopping ${when} (send again to exit at once)\n`);
      controller.abort();
    } else {
      killDescendants("SIGKILL");
      process.exit(EXIT_INTERRUPTED);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
