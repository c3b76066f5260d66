// Small async helpers shared by the checks: timeouts, deferreds, HTTP with a deadline, payload builders.
import { setTimeout as sleep } from "node:timers/promises";

export { sleep };

/** Default deadline of one HTTP request made by a check. */
export const HTTP_TIMEOUT_MS = 3_000;

/** Races `p` against a timer; the error names what was awaited. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timer]);
  } finally {
    clearTimeout(t);
  }
}

/** A promise with its resolve/reject exposed. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: Error): void;
  settled: boolean;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    }),
    resolve: (v) => {
      if (!d.settled) {
        d.settled = true;
        resolve(v);
      }
    },
    reject: (e) => {
      if (!d.settled) {
        d.settled = true;
        reject(e);
      }
    },
    settled: false,
  };
  d.promise.catch(() => {});
  return d;
}

/** Fails with `message` unless `cond`. */
export function expect(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** An HTTP answer read fully. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
}

/** GET/POST with a deadline; network errors name the URL. */
export async function http(url: string, init: RequestInit = {}, timeoutMs = HTTP_TIMEOUT_MS): Promise<HttpAnswer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", text };
  } catch (e) {
    throw new Error(
      `${init.method ?? "GET"} ${url} failed: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ""}`,
    );
  }
}

/** GET a JSON body with status 200; otherwise throws with what came back. */
export async function getJson<T>(url: string, timeoutMs = HTTP_TIMEOUT_MS): Promise<T> {
  const a = await http(url, {}, timeoutMs);
  if (a.status !== 200) throw new Error(`GET ${url} answered ${a.status}, expected 200: ${a.text.slice(0, 200)}`);
  try {
    return JSON.parse(a.text) as T;
  } catch {
    throw new Error(`GET ${url} answered 200 but the body is not JSON: ${a.text.slice(0, 200)}`);
  }
}

/** Deterministic binary payload of `n` bytes (every byte value appears, so bit flips and truncation show). */
export function binaryPayload(n: number, seed = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

/** ASCII text payload of exactly `n` bytes. */
export function textPayload(n: number, seed = 0): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_";
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[(i + seed) % alphabet.length];
  return s;
}

/** Text of at least `minBytes` UTF-8 bytes mixing 1-, 2-, 3- and 4-byte characters. */
export function multibyteText(minBytes: number): string {
  const parts = ["a", "é", "€", "😀", "ß", "中", "𝄞", "z"];
  let s = "";
  let bytes = 0;
  for (let i = 0; bytes < minBytes; i++) {
    const p = parts[i % parts.length]!;
    s += p;
    bytes += Buffer.byteLength(p);
  }
  return s;
}

/** Where two buffers first differ, for failure messages. */
export function firstDifference(a: Uint8Array, b: Uint8Array): string {
  if (a.byteLength !== b.byteLength) return `length ${b.byteLength}, expected ${a.byteLength}`;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return `byte ${i} is ${b[i]}, expected ${a[i]}`;
  return "identical";
}
