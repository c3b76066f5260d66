// CPU pinning: parses and validates taskset cpu lists against the cores of this machine and builds taskset argv.
import { availableParallelism } from "node:os";

/** Default cpu list of the servers. */
export const DEFAULT_SERVER_CPUS = "0";
/** Default cpu list of the load generator. */
export const DEFAULT_CLIENT_CPUS = "1";

/** Parses a taskset cpu list ("0", "1,3", "0-2,5") into sorted unique cpu numbers; throws a one-line error when malformed. */
export function parseCpuList(list: string, flag = "cpu list"): number[] {
  const text = list.trim();
  if (text === "") throw new Error(`${flag} is empty; expected cpu numbers like "0", "1,3" or "0-2".`);
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`${flag} "${list}" is not a cpu list; expected cpu numbers like "0", "1,3" or "0-2".`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`${flag} "${list}": range ${part} runs backwards; write it low-high.`);
    for (let c = lo; c <= hi; c++) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

/** Canonical cpu list text of cpu numbers: [0,1,2,5] → "0-2,5". */
export function formatCpuList(cpus: readonly number[]): string {
  const s = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** Server and client cpu sets checked against the machine. */
export interface Pinning {
  /** Server cpus (sorted). */
  serverCpus: number[];
  /** Client cpus (sorted). */
  clientCpus: number[];
  /** Canonical taskset list of the server cpus. */
  serverList: string;
  /** Canonical taskset list of the client cpus. */
  clientList: string;
}

/** Validates both cpu lists against `cores` (default: this machine's); they must exist and must not overlap. */
export function resolvePinning(serverCpus: string, clientCpus: string, cores: number = availableParallelism()): Pinning {
  const server = parseCpuList(serverCpus, "--server-cpus");
  const client = parseCpuList(clientCpus, "--client-cpus");
  for (const [flag, cpus] of [
    ["--server-cpus", server],
    ["--client-cpus", client],
  ] as const) {
    const bad = cpus.filter((c) => c >= cores);
    if (bad.length) throw new Error(`${flag}: cpu ${bad.join(", ")} does not exist; this machine has cpus 0-${cores - 1}.`);
  }
  const shared = server.filter((c) => client.includes(c));
  if (shared.length) {
    throw new Error(
      `--server-cpus and --client-cpus share cpu ${shared.join(", ")}; give the server and the load generator separate cores (e.g. --server-cpus 0 --client-cpus 1).`,
    );
  }
  return { serverCpus: server, clientCpus: client, serverList: formatCpuList(server), clientList: formatCpuList(client) };
}

/** argv that runs `argv` pinned to `cpus` with taskset (unchanged when cpus is undefined). */
export function tasksetArgv(cpus: string | undefined, argv: readonly string[]): string[] {
  return cpus === undefined ? [...argv] : ["taskset", "-c", cpus, ...argv];
}
