// The ws driver: the same modes as the frame driver through the `ws` client library — a "real application client"
// reference and a cross-check of the frame driver's counting and timing. Payloads use the same codec.
import WebSocket from "ws";
import { BINARY_TICK_BYTES, decodeBinaryTick, decodeJsonTick, PATHS, tickIsIntact } from "@wsarena/protocol";
import {
  addTrackers, encodePayload, nowNs, OpenLoop, parseBaseUrl, ramp, readPayloadHead, SeqTracker, sourceAddressFor, zeroCounters,
  type Driver, type DriverCounters, type DriverSink, type DriverTask, type OpenLoopTarget, type PayloadHead, type WindowNs,
} from "@wsarena/driver-kit";

const NEVER: WindowNs = { startNs: Infinity, endNs: Infinity };

/** Creates the ws-library driver for a task (protocol "ws" only). */
export function createWsDriver(task: DriverTask, sink: DriverSink): Driver {
  if (task.protocol !== "ws") throw new Error("the ws driver speaks protocol ws only; use --driver frame or socket.io for socket.io");
  const { host, port } = parseBaseUrl(task.url);
  const counters = zeroCounters();
  let win = NEVER;
  let sending = false;
  let loop: OpenLoop | null = null;
  const sockets: WebSocket[] = [];
  const conns: Conn[] = [];
  const head: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };

  class Conn implements OpenLoopTarget {
    nextSeq = 0;
    inFlight = 0;
    readonly trackers: (SeqTracker | undefined)[] = [];
    constructor(
      readonly ws: WebSocket,
      readonly id: number,
      readonly publisher: boolean,
    ) {}

    send(count: number, tsNs: number): void {
      if (this.ws.readyState !== WebSocket.OPEN) return;
      for (let i = 0; i < count; i++) this.ws.send(encodePayload(task.size, task.binary, this.nextSeq++, this.id, tsNs), { binary: task.binary });
      counters.sentTotal += count;
      if (tsNs >= win.startNs && tsNs < win.endNs) counters.windowSent += count;
      this.inFlight += count;
    }

    onMessage(data: Buffer, isBinary: boolean): void {
      const recvNs = nowNs();
      counters.receivedTotal++;
      counters.bytesReceivedTotal += data.length;
      const corrupt = (): void => {
        if (recvNs >= win.startNs) counters.windowCorrupted++;
      };
      if (task.mode === "echo" || task.mode === "echo-open" || task.mode === "pubsub") {
        const echo = task.mode !== "pubsub";
        if (echo) this.inFlight = Math.max(0, this.inFlight - 1);
        const ok = isBinary === task.binary && readPayloadHead(data, 0, data.length, data.length, task.binary, task.size, head) &&
          (echo ? head.sender === this.id && head.seq < this.nextSeq : head.sender < task.pubsub.totalPublishers);
        if (!ok) corrupt();
        else if (head.tsNs >= win.startNs && head.tsNs < win.endNs) {
          (this.trackers[echo ? 0 : head.sender] ??= new SeqTracker()).see(head.seq);
          sink.latency((recvNs - head.tsNs) / 1000, 1);
        }
        if (task.mode === "echo" && sending) this.send(1, recvNs);
      } else if (task.mode === "stream") {
        let tick;
        try {
          tick = task.stream.format === "binary"
            ? (isBinary && data.length >= BINARY_TICK_BYTES ? decodeBinaryTick(data) : null)
            : (!isBinary ? decodeJsonTick(data.toString("utf8")) : null);
        } catch {
          tick = null;
        }
        if (!tick || !tickIsIntact(tick) || data.length < task.size) return corrupt();
        if (tick.ts >= win.startNs && tick.ts < win.endNs) {
          (this.trackers[0] ??= new SeqTracker()).see(tick.seq);
          sink.latency((recvNs - tick.ts) / 1000, 1);
        }
      }
    }
  }

  const path = task.mode === "stream"
    ? `${PATHS.stream}?format=${task.stream.format}&rate=${task.stream.rate}&count=0&size=${task.size}`
    : task.mode === "pubsub" ? `${PATHS.pubsub}?topic=${encodeURIComponent(task.pubsub.topic)}` : PATHS.echo;

  const open = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const t0 = nowNs();
      const localAddress = sourceAddressFor(task.sourceAddresses, task.connectionOffset + i);
      const ws = new WebSocket(`ws://${host}:${port}${path}`, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
      const isPub = task.mode === "pubsub" && i >= task.pubsub.subscribers;
      const id = task.mode === "pubsub" ? (isPub ? task.pubsub.publisherOffset + i - task.pubsub.subscribers : -1) : task.connectionOffset + i;
      const conn = new Conn(ws, id, isPub);
      let opened = false;
      ws.on("open", () => {
        opened = true;
        sink.connected((nowNs() - t0) / 1000);
        sockets.push(ws);
        conns.push(conn);
        resolve();
      });
      ws.on("message", (data: Buffer, isBinary: boolean) => conn.onMessage(data, isBinary));
      ws.on("error", (e) => {
        if (!opened) {
          sink.connectFailed(e.message);
          resolve();
        } else sink.error(e.message);
      });
      ws.on("close", (code) => {
        if (!opened) return;
        sink.closeCode(code);
        if (sending && code !== 1000) sink.error(`connection closed during the run: ${code}`);
      });
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
        if (task.mode !== "pubsub" && x.ws.readyState === WebSocket.OPEN) c.inFlight += x.inFlight;
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
      await Promise.all(
        sockets.map((ws) => new Promise<void>((res) => {
          if (ws.readyState === WebSocket.CLOSED) return res();
          ws.once("close", () => res());
          ws.close(1000);
          // Stream: the server keeps pushing until it reads the close frame; do not wait for its reply.
          if (task.mode === "stream") setImmediate(() => ws.terminate());
          setTimeout(() => (ws.terminate(), res()), 1000).unref();
        })),
      );
    },
  };
}
