// The reconnect task of the fault client: subscribers that reconnect and subscribe again after the backoff schedule
// when the server is killed, and a publisher feed at a fixed rate; the runner restarts the server in between.
import { sleep } from "@wsarena/host/time";
import { prng, record } from "@wsarena/stats";
import WebSocket from "ws";
import { backoffDelayMs } from "./backoff.ts";
import { Collect, closeAll, decodeMsg, encodeMsg, nowNs, publish, setup } from "./collect.ts";
import { openConn, type OpenConn } from "./conn.ts";
import type { ClientRecovery, ReconnectResult, ReconnectTask } from "./types.ts";

/** Steady streaming before the client tells the runner it is ready for the kill, ms. */
export const STEADY_BEFORE_READY_MS = 500;

/** The restart the runner reports: when it killed the server and when the new one was ready, epoch ms. */
export interface Restart {
  killedAtMs: number;
  readyAtMs: number;
}

/** One subscriber: its connection, its outage record and the seqs it received. */
interface Sub {
  conn: OpenConn | null;
  rec: ClientRecovery;
  attempt: number;
  seen: Uint8Array;
  minSeq: number;
  maxSeq: number;
  unique: number;
  subscribed: boolean;
}

/** The subscribers: connect, subscribe, count deliveries, and reconnect after the backoff schedule once dropped. */
class Subscribers {
  readonly list: Sub[];
  stopping = false;
  private readonly rnd: () => number;

  constructor(
    private readonly t: ReconnectTask,
    private readonly c: Collect,
    private readonly maxSeq: number,
  ) {
    this.rnd = prng(t.seed);
    this.list = Array.from({ length: t.subscribers }, () => ({
      conn: null,
      rec: { disconnectedAtMs: null, attempts: 0, reconnectedAtMs: null, resubscribedAtMs: null, firstMessageAtMs: null, missed: 0 },
      attempt: 0,
      seen: new Uint8Array(maxSeq),
      minSeq: -1,
      maxSeq: -1,
      unique: 0,
      subscribed: false,
    }));
  }

  /** Connects and subscribes `s`; resolves once subscribed. The first connect throws on failure, later ones retry. */
  connect(s: Sub): Promise<void> {
    const { t, c } = this;
    const atMs = Date.now();
    const afterOutage = s.rec.disconnectedAtMs !== null;
    if (afterOutage) s.rec.attempts++;
    let onSubscribed!: () => void;
    const subscribed = new Promise<void>((r) => (onSubscribed = r));
    return openConn(t, "/pubsub", t.connectTimeoutMs, {
      onMessage: (data, event) => {
        if (s.subscribed) return this.receive(s, data, event);
        if (!this.isSubscribeAck(data, event)) return;
        s.subscribed = true;
        s.attempt = 0;
        if (afterOutage) s.rec.resubscribedAtMs = Date.now();
        onSubscribed();
      },
      onClose: (code) => {
        if (this.stopping) return;
        c.close(code);
        s.conn = null;
        s.subscribed = false;
        s.rec.disconnectedAtMs ??= Date.now();
        this.retry(s);
      },
    }).then(
      (conn) => {
        c.attempt(atMs, { ok: true, us: conn.connectUs });
        s.conn = conn;
        if (afterOutage) s.rec.reconnectedAtMs = Date.now();
        conn.emit("sub", [t.topic], JSON.stringify({ op: "sub", topic: t.topic }));
        return subscribed;
      },
      (error: unknown) => {
        c.attempt(atMs, { ok: false, error });
        if (!afterOutage) throw error;
        this.retry(s);
      },
    );
  }

  /** Every subscriber lost its connection and got a message again. */
  recovered(): boolean {
    return this.list.every((s) => s.rec.disconnectedAtMs !== null && s.rec.firstMessageAtMs !== null);
  }

  /** Counts each subscriber's missed messages (gaps between its first and last seq) into the lost figure. */
  tallyMissed(): void {
    for (const s of this.list) {
      s.rec.missed = s.minSeq < 0 ? 0 : s.maxSeq - s.minSeq + 1 - s.unique;
      this.c.lost += s.rec.missed;
    }
  }

  conns(): OpenConn[] {
    return this.list.map((s) => s.conn).filter((x): x is OpenConn => x !== null);
  }

  private isSubscribeAck(data: Buffer | string, event: string | null): boolean {
    return this.t.protocol === "socket.io" ? event === "subscribed" : typeof data === "string" && data.startsWith('{"op":"subscribed"');
  }

  private receive(s: Sub, data: Buffer | string, event: string | null): void {
    const c = this.c;
    if (this.t.protocol === "socket.io" && event !== "msg") return;
    const m = decodeMsg(data);
    if (!m || m.seq < 0 || m.seq >= this.maxSeq) return;
    c.received++;
    if (s.seen[m.seq]) {
      c.duplicated++;
      return;
    }
    if (m.seq < s.maxSeq) c.reordered++;
    s.seen[m.seq] = 1;
    s.unique++;
    if (s.minSeq < 0) s.minSeq = m.seq;
    s.maxSeq = Math.max(s.maxSeq, m.seq);
    record(c.latencyHist, (nowNs() - m.ns) / 1000);
    if (s.rec.disconnectedAtMs !== null && s.rec.firstMessageAtMs === null) s.rec.firstMessageAtMs = Date.now();
  }

  private retry(s: Sub): void {
    if (this.stopping) return;
    const wait = backoffDelayMs(this.t.backoff, s.attempt++, this.rnd);
    setTimeout(() => void this.connect(s).catch(() => {}), wait);
  }
}

/** The feed: seq k is due at k / rate; a tick due while the publisher is down is not sent (counted unpublished). */
class Feed {
  pub: OpenConn | null = null;
  unpublished = 0;
  stopping = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly t: ReconnectTask,
    private readonly c: Collect,
    private readonly maxSeq: number,
  ) {}

  /** Opens the publisher (throws when it cannot) and starts publishing. */
  async start(): Promise<void> {
    this.pub = await this.open();
    const startNs = nowNs();
    let k = 0;
    this.timer = setInterval(() => {
      const due = Math.min(this.maxSeq, Math.floor(((nowNs() - startNs) / 1e9) * this.t.rate) + 1);
      for (; k < due; k++) {
        if (this.pub && this.pub.ws.readyState === WebSocket.OPEN) {
          publish(this.pub, this.t.protocol, this.t.topic, encodeMsg(this.t.protocol, k, startNs + (k / this.t.rate) * 1e9));
          this.c.sent++;
        } else this.unpublished++;
      }
    }, 1);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private open(): Promise<OpenConn> {
    return openConn(this.t, `/pubsub?topic=${encodeURIComponent(this.t.topic)}`, this.t.connectTimeoutMs, {
      onMessage: () => {},
      onClose: () => {
        this.pub = null;
        if (!this.stopping) setTimeout(() => this.reopen(), this.t.publisherRetryMs);
      },
    });
  }

  /** Reconnects at once after publisherRetryMs, whatever the subscribers' backoff. */
  private reopen(): void {
    if (this.stopping) return;
    this.open().then(
      (conn) => (this.pub = conn),
      () => setTimeout(() => this.reopen(), this.t.publisherRetryMs),
    );
  }
}

/** Runs the reconnect task: set-up, steady streaming, `ready`, the restart, recovery (bounded), the tail. */
export async function reconnect(t: ReconnectTask, events: { restarted: Promise<Restart> }, ready: () => void): Promise<ReconnectResult> {
  const c = new Collect();
  const maxSeq = Math.ceil(t.rate * ((t.recoverLimitMs + t.tailMs) / 1000 + 120));
  const subs = new Subscribers(t, c, maxSeq);
  const feed = new Feed(t, c, maxSeq);
  await setup(t.subscribers, (i) => subs.connect(subs.list[i]!));
  await feed.start();
  await sleep(STEADY_BEFORE_READY_MS);
  c.startWindow();
  ready();
  const { killedAtMs, readyAtMs } = await events.restarted;
  while (!subs.recovered() && Date.now() < killedAtMs + t.recoverLimitMs) await sleep(10);
  await sleep(t.tailMs);
  feed.stop();
  await sleep(100); // the last ticks in flight
  subs.tallyMissed();
  const common = c.common();
  subs.stopping = feed.stopping = true;
  await closeAll([...subs.conns(), ...(feed.pub ? [feed.pub] : [])]);
  return {
    kind: "reconnect",
    ...common,
    clients: subs.list.map((s) => s.rec),
    buckets: c.buckets(killedAtMs),
    unpublished: feed.unpublished,
    killedAtMs,
    restartedAtMs: readyAtMs,
  };
}
