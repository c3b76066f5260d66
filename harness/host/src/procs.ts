// Finds and kills this process's descendants by pid (from /proc), so an interrupted run leaves no server or worker behind.
import type { ChildProcess } from "node:child_process";
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

/** Children of one kind that this process started (servers, probes): all SIGKILLed at process exit or on demand. */
export class ChildSet {
  private readonly live = new Set<ChildProcess>();
  private hooked = false;

  /** Tracks `child` until it exits; the first add installs the exit hook. */
  add(child: ChildProcess): void {
    if (!this.hooked) {
      this.hooked = true;
      process.on("exit", () => this.killAll());
    }
    this.live.add(child);
    child.once("exit", () => this.live.delete(child));
  }

  /** Kills every tracked child that is still alive (SIGKILL); safe to call from an exit handler. Returns how many. */
  killAll(): number {
    let n = 0;
    for (const c of this.live) {
      if (c.exitCode === null && c.signalCode === null) {
        try {
          c.kill("SIGKILL");
          n++;
        } catch {
          /* already gone */
        }
      }
    }
    this.live.clear();
    return n;
  }

  /** Tracked children still running. */
  liveCount(): number {
    let n = 0;
    for (const c of this.live) if (c.exitCode === null && c.signalCode === null) n++;
    return n;
  }
}
