// Finds and kills this process's descendants by pid (from /proc), so an interrupted run leaves no server or worker behind.
import { readdirSync } from "node:fs";
import { readProcStatFields } from "./sample.ts";

/** Parent pid of `pid`, or null when it is gone. */
function parentOf(pid: number): number | null {
  const f = readProcStatFields(pid);
  return f ? Number(f[1]) : null;
}

/** Pids of every live descendant of `root` (children, grandchildren, ...). */
export function descendantPids(root: number = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = parentOf(pid);
    if (ppid === null) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Sends `signal` to every descendant of this process, deepest first; returns how many were signalled. */
export function killDescendants(signal: NodeJS.Signals = "SIGKILL"): number {
  let n = 0;
  for (const pid of descendantPids().reverse()) {
    try {
      process.kill(pid, signal);
      n++;
    } catch {
      /* already gone */
    }
  }
  return n;
}
