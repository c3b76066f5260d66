import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ChildSet } from "./procs.ts";
import { spawnPinnedWorker, type WorkerTexts } from "./worker.ts";

// A plain-node worker: says ready, then answers a task by what it asks for (result, fatal, exit, or silence).
const SCRIPT = join(mkdtempSync(join(tmpdir(), "wsarena-worker-")), "worker.mjs");
writeFileSync(
  SCRIPT,
  `process.on("disconnect", () => process.exit(0));
process.on("message", (m) => {
  if (m.type !== "task") return;
  if (m.do === "result") process.send({ type: "result", echo: m.value });
  if (m.do === "fatal") process.send({ type: "fatal", message: "cannot go on" });
  if (m.do === "exit") process.exit(7);
});
process.send({ type: "ready", argv: process.argv.slice(2) });
`,
);

type ToW = { type: "task"; do: "result" | "fatal" | "exit" | "nothing"; value?: number };
type FromW = { type: "ready"; argv: string[] } | { type: "result"; echo: number } | { type: "fatal"; message: string };
const texts: WorkerTexts = {
  fatal: (m) => `test worker failed: ${m}`,
  spawnFailed: (argv, m) => `cannot start ${argv}: ${m}`,
  exited: (code, signal) => `test worker exited (code ${code}, signal ${signal})`,
};
const start = (children: ChildSet) => spawnPinnedWorker<ToW, FromW>({ script: SCRIPT, cpus: undefined, tsx: false, args: ["a1"], children, texts });

describe("spawnPinnedWorker", () => {
  it("delivers typed messages by type, including one that came before it was asked for", async () => {
    const children = new ChildSet();
    const w = start(children);
    w.send({ type: "task", do: "result", value: 42 });
    const result = await w.next("result");
    expect(result.echo).toBe(42);
    expect((await w.next("ready")).argv).toEqual(["a1"]);
    expect(children.liveCount()).toBe(1);
    await w.stop(undefined, 200);
    expect(children.liveCount()).toBe(0);
  });

  it("turns a fatal message and an early exit into the worker's error texts", async () => {
    const a = start(new ChildSet());
    a.send({ type: "task", do: "fatal" });
    await expect(a.next("result")).rejects.toThrow("test worker failed: cannot go on");
    await a.stop(undefined, 200);
    const b = start(new ChildSet());
    await b.next("ready");
    b.send({ type: "task", do: "exit" });
    await expect(b.next("result")).rejects.toThrow("test worker exited (code 7, signal null)");
  });

  it("kills a worker that misses its deadline, and an aborted signal interrupts it", async () => {
    const a = start(new ChildSet());
    a.send({ type: "task", do: "nothing" });
    await expect(a.next("result", { ms: 300, text: "no result within 300 ms" })).rejects.toThrow("no result within 300 ms");
    await a.exited;
    expect(a.child.signalCode).toBe("SIGKILL");
    const ac = new AbortController();
    const b = spawnPinnedWorker<ToW, FromW>({ script: SCRIPT, cpus: undefined, tsx: false, children: new ChildSet(), texts, signal: ac.signal });
    await b.next("ready");
    ac.abort();
    await expect(b.next("result")).rejects.toThrow("interrupted");
    await b.exited;
  });

  it("pins with taskset when given a cpu list", async () => {
    const w = spawnPinnedWorker<ToW, FromW>({ script: SCRIPT, cpus: "0", tsx: false, children: new ChildSet(), texts });
    expect(w.argv.slice(0, 3)).toEqual(["taskset", "-c", "0"]);
    await w.next("ready");
    await w.stop(undefined, 200);
  });
});
