// Sender thread of the off-thread open loop (sendthread.ts): sleeps until each tick's intended time, patches seq and
// timestamps into pre-built frames and writes them straight to the sockets' fds, so the main thread only receives.
import { readlinkSync, writeFileSync, writeSync } from "node:fs";
import { setPriority } from "node:os";
import { workerData } from "node:worker_threads";
import { writePayloadHead } from "@wsarena/driver-kit";
import { CTL, SCHED, type SendThreadData } from "./sendthread-layout.ts";

const d = workerData as SendThreadData;
const ctl = new Int32Array(d.ctl);
const sched = new Float64Array(d.sched);
const seqs = new Int32Array(d.seqs);
const totals = new Int32Array(d.totals);
const lagRing = new Float64Array(d.lagRing);
const ringSlots = lagRing.length / 2;
const n = d.fds.length;
const frame = Buffer.from(d.frame);
const frameBytes = frame.length;
const now = (): number => Number(process.hrtime.bigint());

/** Per connection: frames patched for the current batch, and bytes the kernel did not take yet (sent before new ones). */
const bufs: Buffer[] = [];
const fill = new Int32Array(n);
const pending: (Buffer | null)[] = new Array(n).fill(null);
const counts = new Int32Array(n);

function template(frames: number): Buffer {
  const b = Buffer.allocUnsafe(frames * frameBytes);
  for (let i = 0; i < frames; i++) frame.copy(b, i * frameBytes);
  return b;
}
for (let j = 0; j < n; j++) bufs.push(template(16));

/** Appends `count` frames stamped `tsNs` to connection j's batch. */
function patch(j: number, count: number, tsNs: number): void {
  const need = (fill[j]! + count) * frameBytes;
  if (need > bufs[j]!.length) {
    const grown = template(Math.max(need / frameBytes, (bufs[j]!.length / frameBytes) * 2));
    bufs[j]!.copy(grown, 0, 0, fill[j]! * frameBytes);
    bufs[j] = grown;
  }
  const b = bufs[j]!;
  let seq = seqs[j]!;
  const id = d.ids[j]!;
  for (let i = 0, off = fill[j]! * frameBytes + d.payloadOffset; i < count; i++, off += frameBytes) writePayloadHead(b, off, d.binary, seq++, id, tsNs);
  fill[j]! += count;
  // Published before the write: the main thread accepts an echo only for a seq below this.
  Atomics.store(seqs, j, seq);
}

/** Writes connection j's batch (after any bytes still pending), keeping what the kernel did not take. */
function flush(j: number): void {
  if (fill[j] === 0 && !pending[j]) return;
  let out = bufs[j]!.subarray(0, fill[j]! * frameBytes);
  fill[j] = 0;
  if (pending[j]) out = Buffer.concat([pending[j]!, out]);
  else if (out.length === 0) return;
  let done = 0;
  try {
    done = writeSync(d.fds[j]!, out);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A closed or reset socket: the main thread sees the close and reports it; stop writing to it.
    if (code !== "EAGAIN" && code !== "EWOULDBLOCK") d.fds[j] = -1;
  }
  pending[j] = done < out.length && d.fds[j]! >= 0 ? Buffer.from(out.subarray(done)) : null;
}

// Raise this thread's priority (its own tid: setpriority on a Linux thread id affects that thread only), so that other
// processes on the client core delay ticks less; without the privilege to do so, it stays at the default.
if (d.nice !== 0) {
  try {
    setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), d.nice);
  } catch {
    /* not permitted: default priority */
  }
}

/** Sets this thread's timer slack to 1 ns; false when not permitted (or not Linux). */
function lowerTimerSlack(): boolean {
  try {
    writeFileSync(`/proc/${readlinkSync("/proc/thread-self").split("/").pop()}/timerslack_ns`, "1");
    return true;
  } catch {
    return false;
  }
}

while (Atomics.load(ctl, CTL.state) === 0) Atomics.wait(ctl, CTL.state, 0);
const t0 = sched[SCHED.t0]!;
const tick = sched[SCHED.tickNs]!;
const end = sched[SCHED.endNs]!;
const rate = sched[SCHED.rate]!;
const winStart = sched[SCHED.winStartNs]!;
const winEnd = sched[SCHED.winEndNs]!;
// One-per-write: the thread's timer slack is lowered to 1 ns, so a futex sleep ends within ~15 µs of its timeout and the
// thread sleeps up to each message's due time instead of spinning (at 1/rate ≤ the spin, spinning would take the whole
// client core from the receiving main thread). Without the privilege, it spins like the pipelined ticks.
const spin = d.oneEach && lowerTimerSlack() ? 0 : d.spinNs;
let k = 0;
let sent = 0;
let rr = 0;
let lagHead = 0;
let sentTotal = 0;
let windowSent = 0;
for (;;) {
  if (Atomics.load(ctl, CTL.state) !== 1) break;
  const target = t0 + k * tick;
  if (target >= end) break;
  // Futex sleep (fractional ms; the kernel's timer slack wakes it up to ~50 µs late), then spin the last `spin` ns.
  let t = now();
  let ms: number;
  while ((ms = (target - spin - t) / 1e6) > 0) {
    if (Atomics.wait(ctl, CTL.state, 1, ms) !== "timed-out") break;
    t = now();
  }
  if (Atomics.load(ctl, CTL.state) !== 1) break;
  while ((t = now()) < target);
  // Every tick due by now is sent with its own intended time (a late thread shows as latency, not as a lower rate);
  // pipelined ticks caught up together go out in one write per connection.
  while (t0 + k * tick <= t) {
    const tk = t0 + k * tick;
    if (tk >= end) break;
    // One-per-write: one message per tick, its count its index (not a float product that may round below it).
    const due = (d.oneEach ? k + 1 : Math.floor(((k + 1) * tick * rate) / 1e9)) - sent;
    k++;
    if (due <= 0) continue;
    sent += due;
    const base = Math.floor(due / n);
    let extra = due - base * n;
    counts.fill(base);
    while (extra-- > 0) {
      counts[rr]!++;
      rr = rr + 1 === n ? 0 : rr + 1;
    }
    for (let j = 0; j < n; j++) if (counts[j]! > 0 && d.fds[j]! >= 0) patch(j, counts[j]!, tk);
    sentTotal += due;
    if (tk >= winStart && tk < winEnd) windowSent += due;
    const slot = lagHead % ringSlots;
    lagRing[2 * slot] = tk;
    lagRing[2 * slot + 1] = (t - tk) / 1000;
    lagHead++;
    // One-per-write: each message leaves in its own write, also when late ticks are caught up together.
    if (d.oneEach) for (let j = 0; j < n; j++) flush(j);
  }
  for (let j = 0; j < n; j++) flush(j);
  Atomics.store(totals, 0, sentTotal);
  Atomics.store(totals, 1, windowSent);
  Atomics.store(totals, 2, lagHead);
}
// Bytes the kernel had not taken yet are written before the thread ends (bounded; the drain waits for their echoes).
const flushEnd = now() + d.flushMs * 1e6;
while (pending.some((p) => p !== null) && now() < flushEnd) {
  for (let j = 0; j < n; j++) flush(j);
  Atomics.wait(ctl, CTL.state, 2, 1);
}
Atomics.store(ctl, CTL.state, 3);
Atomics.notify(ctl, CTL.state);
