// Pieces every driver shares: URL parsing, source-address choice, a bounded-concurrency connect ramp, and the
// open-loop scheduler (wrk2-style: intended send times on a fixed grid, so a stalled server shows in the tail).
import { nowNs } from "./contract.ts";

/** Host and port of a ws:// base URL; throws a readable error otherwise. */
export function parseBaseUrl(url: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid url "${url}": expected ws://HOST:PORT`);
  }
  if (u.protocol !== "ws:" && u.protocol !== "http:") throw new Error(`url "${url}": expected a ws:// (or http://) URL`);
  const port = Number(u.port || 80);
  return { host: u.hostname, port };
}

/** Source address of the connection with global index `i`, or undefined to let the OS choose. */
export function sourceAddressFor(addresses: string[], i: number): string | undefined {
  return addresses.length > 1 ? addresses[i % addresses.length] : undefined;
}

/** Runs `open(i)` for i in [0, n) with at most `concurrency` pending at once. */
export async function ramp(n: number, concurrency: number, open: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await open(i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, n)) }, lane));
}

/** Default grid step of the open-loop scheduler. */
export const OPEN_LOOP_TICK_MS = 1;

/** Something that can send `count` messages stamped with intended send time `tsNs`. */
export interface OpenLoopTarget {
  send(count: number, tsNs: number): void;
}

/**
 * Offers `ratePerSec` messages/s over `targets`, round-robin. Tick k (at t0 + k·tick) sends the messages due by the end
 * of its step, stamped with the tick's scheduled time; late ticks are caught up with their own intended times.
 */
export class OpenLoop {
  private timer: NodeJS.Timeout | null = null;
  private k = 0;
  private sent = 0;
  private rr = 0;
  private t0 = 0;
  private endNs = Infinity;
  private readonly tickNs: number;
  private readonly counts: number[];

  constructor(
    private readonly targets: OpenLoopTarget[],
    private readonly ratePerSec: number,
    tickMs = OPEN_LOOP_TICK_MS,
  ) {
    this.tickNs = tickMs * 1e6;
    this.counts = new Array<number>(targets.length).fill(0);
  }

  /** Ticks from t0Ns on; no tick at or after endNs (the measured window is bounded). */
  start(t0Ns: number, endNs = Infinity): void {
    if (this.targets.length === 0 || this.ratePerSec <= 0) return;
    this.t0 = t0Ns;
    this.endNs = endNs;
    this.run();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.k = -1;
  }

  private run = (): void => {
    if (this.k < 0) return;
    const now = nowNs();
    const n = this.targets.length;
    while (this.t0 + this.k * this.tickNs <= now) {
      const tick = this.t0 + this.k * this.tickNs;
      if (tick >= this.endNs) return this.stop();
      const due = Math.floor(((this.k + 1) * this.tickNs * this.ratePerSec) / 1e9) - this.sent;
      this.k++;
      if (due <= 0) continue;
      this.sent += due;
      const base = Math.floor(due / n);
      let extra = due - base * n;
      for (let j = 0; j < n; j++) this.counts[j] = base;
      while (extra-- > 0) {
        this.counts[this.rr]!++;
        this.rr = (this.rr + 1) % n;
      }
      for (let j = 0; j < n; j++) if (this.counts[j]! > 0) this.targets[j]!.send(this.counts[j]!, tick);
    }
    const waitMs = (this.t0 + this.k * this.tickNs - nowNs()) / 1e6;
    this.timer = setTimeout(this.run, waitMs > 0 ? waitMs : 0);
  };
}
