// POST /gc for V8 runtimes without a gc() of their own (Node, Deno): exposes V8's gc at run time. Imports node:*, so it
// is not part of index.ts (Deno imports index.ts by path); Node stacks import "@wsarena/protocol/gc", Deno this file.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * A function that runs a full V8 garbage collection, or null when `enabled` is false (WSARENA_GC_ENDPOINT unset).
 * `--expose-gc` set at run time makes `gc` visible in contexts created afterwards, so no start flag is needed.
 */
export function v8FullGc(enabled: boolean): (() => void) | null {
  if (!enabled) return null;
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  if (typeof gc !== "function") throw new Error("WSARENA_GC_ENDPOINT=1: V8 did not expose gc() after --expose-gc; unset WSARENA_GC_ENDPOINT on this runtime");
  return gc;
}
