// The socket.io driver: the same modes through socket.io-client (WebSocket transport only), events of protocol v1's
// socket.io mapping (echo, stream/tick, pub/msg). Payloads use the shared codec; binary payloads travel as attachments.
import { io, type Socket } from "socket.io-client";
import { BINARY_TICK_BYTES, decodeBinaryTick, decodeJsonTick, SIO_EVENTS, tickIsIntact } from "@wsarena/protocol";
import {
  addTrackers, encodePayload, nowNs, OpenLoop, parseBaseUrl, ramp, readPayloadHead, SeqTracker, sourceAddressFor, zeroCounters,
  type Driver, type DriverCounters, type DriverSink, type DriverTask, type OpenLoopTarget, type PayloadHead, type WindowNs,
} from "@wsarena/driver-kit";

const NEVER: WindowNs = { startNs: Infinity, endNs: Infinity };
/** Longest wait for one socket.io connection (handshake included). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Creates the socket.io-client driver for a task (protocol "socket.io"). */
export function createSocketIoDriver(task: DriverTask, sink: DriverSink): Driver {
  if (task.protocol !== "socket.io") throw new Error("the socket.io driver speaks protocol socket.io only");
  const { host, port } = parseBaseUrl(task.url);
  const counters = zeroCounters();
  let win = NEVER;
  let sending = false;
  let loop: OpenLoop | null = null;
  const conns: Conn[] = [];
  const head: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };

  class Conn implements OpenLoopTarget {
    nextSeq = 0;
    inFlight = 0;
    readonly trackers: (SeqTracker | undefined)[] = [];
    constructor(
      readonly socket: Socket,
      readonly id: number,
      readonly publisher: boolean,
    ) {}

    send(count: number, tsNs: number): void {
      if (!this.socket.connected) return;
      for (let i = 0; i < count; i++) {
        const p = encodePayload(task.size, task.binary, this.nextSeq++, this.id, tsNs);
        const arg = task.binary ? p : p.toString("latin1");
        if (task.mode === "pubsub") this.socket.emit(SIO_EVENTS.pub, task.pubsub.topic, arg);
        else this.socket.emit(SIO_EVENTS.echo, arg);
      }
      counters.sentTotal += count;
      if (tsNs >= win.startNs && tsNs < win.endNs) counters.windowSent += count;
      this.inFlight += count;
    }

    onPayload(arg: unknown): void {
      const recvNs = nowNs();
      counters.receivedTotal++;
      const echo = task.mode !== "pubsub";
      if (echo) this.inFlight = Math.max(0, this.inFlight - 1);
      const data = typeof arg === "string" ? Buffer.from(arg, "latin1") : Buffer.isBuffer(arg) ? arg : arg instanceof ArrayBuffer ? Buffer.from(arg) : null;
      counters.bytesReceivedTotal += data?.length ?? 0;
      const ok = data !== null && (typeof arg !== "string") === task.binary && readPayloadHead(data, 0, data.length, data.length, task.binary, task.size, head) &&
        (echo ? head.sender === this.id && head.seq < this.nextSeq : head.sender < task.pubsub.totalPublishers);
      if (!ok) {
        if (recvNs >= win.startNs) counters.windowCorrupted++;
      } else if (head.tsNs >= win.startNs && head.tsNs < win.endNs) {
        (this.trackers[echo ? 0 : head.sender] ??= new SeqTracker()).see(head.seq);
        sink.latency((recvNs - head.tsNs) / 1000, 1);
      }
      if (task.mode === "echo" && sending) this.send(1, recvNs);
    }

    onTick(arg: unknown): void {
      const recvNs = nowNs();
      counters.receivedTotal++;
      let tick;
      try {
        if (typeof arg === "string") {
          counters.bytesReceivedTotal += arg.length;
          tick = task.stream.format === "json" ? decodeJsonTick(arg) : null;
        } else {
          const b = Buffer.isBuffer(arg) ? arg : arg instanceof ArrayBuffer ? Buffer.from(arg) : null;
          counters.bytesReceivedTotal += b?.length ?? 0;
          tick = b && task.stream.format === "binary" && b.length >= BINARY_TICK_BYTES ? decodeBinaryTick(b) : null;
        }
      } catch {
        tick = null;
      }
      if (!tick || !tickIsIntact(tick)) {
        if (recvNs >= win.startNs) counters.windowCorrupted++;
        return;
      }
      if (tick.ts >= win.startNs && tick.ts < win.endNs) {
        (this.trackers[0] ??= new SeqTracker()).see(tick.seq);
        sink.latency((recvNs - tick.ts) / 1000, 1);
      }
    }
  }

  const open = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const t0 = nowNs();
      const localAddress = sourceAddressFor(task.sourceAddresses, task.connectionOffset + i);
      const isPub = task.mode === "pubsub" && i >= task.pubsub.subscribers;
      const socket = io(`http://${host}:${port}`, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        timeout: CONNECT_TIMEOUT_MS,
        ...(task.mode === "pubsub" ? { query: { topic: task.pubsub.topic } } : {}),
        ...(localAddress ? { localAddress } : {}),
      } as Parameters<typeof io>[1]);
      const id = task.mode === "pubsub" ? (isPub ? task.pubsub.publisherOffset + i - task.pubsub.subscribers : -1) : task.connectionOffset + i;
      const conn = new Conn(socket, id, isPub);
      let opened = false;
      socket.on("connect", () => {
        if (opened) return;
        opened = true;
        sink.connected((nowNs() - t0) / 1000);
        conns.push(conn);
        if (task.mode === "stream") socket.emit(SIO_EVENTS.stream, { format: task.stream.format, rate: task.stream.rate, count: 0, size: task.size });
        resolve();
      });
      socket.on("connect_error", (e) => {
        if (opened) return;
        sink.connectFailed(e.message);
        socket.close();
        resolve();
      });
      socket.on("disconnect", (reason) => {
        if (sending) sink.error(`disconnected during the run: ${reason}`);
      });
      socket.on(SIO_EVENTS.echo, (arg: unknown) => conn.onPayload(arg));
      socket.on(SIO_EVENTS.msg, (arg: unknown) => conn.onPayload(arg));
      socket.on(SIO_EVENTS.tick, (arg: unknown) => conn.onTick(arg));
      socket.on(SIO_EVENTS.error, (reason: unknown) => sink.error(`server op-error: ${String(reason)}`));
    });

  return {
    async connect() {
      await ramp(task.connections, task.connectConcurrency, open);
      // The scheduler's ticker thread starts now, before the run, so its start-up does not delay the first ticks.
      const targets = task.mode === "echo-open" ? conns : task.mode === "pubsub" ? conns.filter((c) => c.publisher) : null;
      if (targets) loop = new OpenLoop(targets, task.ratePerSec, { onLag: (us, tickNs) => tickNs >= win.startNs && sink.schedulerLag?.(us) });
    },
    start(w) {
      win = w;
      sending = true;
      const t0 = nowNs();
      if (task.mode === "echo") for (const c of conns) c.send(task.window, t0);
      else loop?.start(t0, w.endNs);
    },
    stopSending() {
      sending = false;
      loop?.stop();
    },
    counters(): DriverCounters {
      const c: DriverCounters = { ...counters, inFlight: 0 };
      for (const x of conns) {
        addTrackers(c, x.trackers);
        if (task.mode !== "pubsub" && x.socket.connected) c.inFlight += x.inFlight;
      }
      if (task.mode === "stream") {
        c.windowSent = 0;
        for (const x of conns) {
          const t = x.trackers[0];
          if (t && t.distinct > 0) c.windowSent += t.maxSeq - t.minSeq + 1;
        }
      }
      return c;
    },
    async close() {
      loop?.stop();
      for (const c of conns) c.socket.close();
    },
  };
}
