// Describes where a run happens: git state, machine, runtime versions, and the installed packages of stacks and clients.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, cpus, hostname, release, totalmem } from "node:os";
import { join } from "node:path";
import { installedVersion, type DiscoveredStack } from "@wsarena/stacks";
import type { MachineRecord, RunRecord } from "@wsarena/results";

function run(cmd: string, args: string[], cwd?: string): string | null {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}

/** Short host name (up to the first dot). */
export function shortHostname(): string {
  return hostname().split(".")[0] || "host";
}

/** Run id: UTC date-time plus short host name, e.g. 20261123T030501Z-myhost. */
export function makeRunId(now: Date = new Date(), host: string = shortHostname()): string {
  const iso = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${iso}-${host.replace(/[^A-Za-z0-9-]/g, "-")}`;
}

/** Git commit and dirty flag of the checkout at `root` (tracked files only). */
export function gitState(root: string): RunRecord["git"] {
  const commit = run("git", ["rev-parse", "HEAD"], root);
  const status = run("git", ["status", "--porcelain", "--untracked-files=no"], root);
  return { commit, dirty: status === null ? false : status.length > 0 };
}

/** CPU model, cores, memory, kernel and (when readable) the frequency governor. */
export function machineInfo(): MachineRecord {
  let governor: string | null = null;
  try {
    governor = readFileSync("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "utf8").trim();
  } catch {
    governor = null;
  }
  let cpuModel = cpus()[0]?.model ?? "unknown";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    /* keep os.cpus() */
  }
  return {
    hostname: shortHostname(),
    cpuModel,
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    kernel: release(),
    platform: `${process.platform} ${process.arch}`,
    governor,
  };
}

/** Versions of node, and of bun and deno from the binaries the stacks use (null when no stack uses them or they fail). */
export function runtimeVersions(stacks: readonly DiscoveredStack[]): RunRecord["runtimes"] {
  const of = (runtime: "bun" | "deno"): string | null => {
    const s = stacks.find((x) => x.manifest.runtime === runtime && x.runnable);
    if (!s) return null;
    const out = run(s.argv[0]!, ["--version"], s.dir);
    const m = out && /(\d+\.\d+\.\d+\S*)/.exec(out);
    return m ? m[1]! : null;
  };
  return { node: process.versions.node, bun: of("bun"), deno: of("deno") };
}

/** Installed versions of the dependencies declared in `dir`/package.json (workspace packages excluded). */
export function packageVersions(dir: string): Record<string, string> {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return {};
  const pkg = JSON.parse(readFileSync(file, "utf8")) as { dependencies?: Record<string, string> };
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(pkg.dependencies ?? {})) {
    if (spec.startsWith("workspace:")) continue;
    const v = installedVersion(dir, name);
    if (v) out[name] = v;
  }
  return out;
}

/** Installed versions of the load generator's and its drivers' dependencies. */
export function clientPackageVersions(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of ["loadgen", "frame", "ws", "socket-io"]) Object.assign(out, packageVersions(join(root, "clients", d)));
  return out;
}
