// The ws driver: the same modes as the frame driver through the `ws` client library — a "real application client"
// reference and a cross-check of the frame driver's counting and timing. Payloads use the same codec.
import WebSocket from "ws";
import { BINARY_TICK_BYTES, decodeBinaryTick, decodeJsonTick, tickIsIntact } from "@wsarena/protocol";
import {
  DriverState, encodePayload, lifecycleDriver, nowNs, parseBaseUrl, readPayloadHead, senderOf, SeqTracker, sourceAddressFor, wsPath,
  type Driver, type DriverConn, type DriverSink, type DriverTask, type PayloadHead,
} from "@wsarena/driver-kit";

/** Creates the ws-library driver for a task (protocol "ws" only). */
export function createWsDriver(task: DriverTask, sink: DriverSink): Driver {
  if (task.protocol !== "ws") throw new Error("the ws driver speaks protocol ws only; use --driver frame or socket.io for socket.io");
  const { host, port } = parseBaseUrl(task.url);
  const state = new DriverState(task, sink);
  const counters = state.counters;
  const head: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };

  class Conn implements DriverConn {
    nextSeq = 0;
    /** Echo messages sent and not back yet. */
    pending = 0;
    readonly trackers: (SeqTracker | undefined)[] = [];
    constructor(
      readonly ws: WebSocket,
      readonly id: number,
      readonly publisher: boolean,
    ) {}

    inFlight(): number {
      return task.mode !== "pubsub" && this.ws.readyState === WebSocket.OPEN ? this.pending : 0;
    }

    send(count: number, tsNs: number): void {
      if (this.ws.readyState !== WebSocket.OPEN) return;
      for (let i = 0; i < count; i++) this.ws.send(encodePayload(task.size, task.binary, this.nextSeq++, this.id, tsNs), { binary: task.binary });
      counters.sentTotal += count;
      if (tsNs >= state.win.startNs && tsNs < state.win.endNs) counters.windowSent += count;
      this.pending += count;
    }

    onMessage(data: Buffer, isBinary: boolean): void {
      const recvNs = nowNs();
      const win = state.win;
      counters.receivedTotal++;
      counters.bytesReceivedTotal += data.length;
      const corrupt = (): void => {
        if (recvNs >= win.startNs) counters.windowCorrupted++;
      };
      if (task.mode === "echo" || task.mode === "echo-open" || task.mode === "pubsub") {
        const echo = task.mode !== "pubsub";
        if (echo) this.pending = Math.max(0, this.pending - 1);
        const ok = isBinary === task.binary && readPayloadHead(data, 0, data.length, data.length, task.binary, task.size, head) &&
          (echo ? head.sender === this.id && head.seq < this.nextSeq : head.sender < task.pubsub.totalPublishers);
        if (!ok) corrupt();
        else if (head.tsNs >= win.startNs && head.tsNs < win.endNs) {
          (this.trackers[echo ? 0 : head.sender] ??= new SeqTracker()).see(head.seq);
          sink.latency((recvNs - head.tsNs) / 1000, 1);
        }
        if (task.mode === "echo" && state.sending) this.send(1, recvNs);
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

  const url = `ws://${host}:${port}${wsPath(task)}`;

  const open = (i: number): Promise<Conn | null> =>
    new Promise((resolve) => {
      const t0 = nowNs();
      const localAddress = sourceAddressFor(task.sourceAddresses, task.connectionOffset + i);
      const ws = new WebSocket(url, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
      const { id, publisher } = senderOf(task, i);
      const conn = new Conn(ws, id, publisher);
      let opened = false;
      ws.on("open", () => {
        opened = true;
        sink.connected((nowNs() - t0) / 1000);
        resolve(conn);
      });
      ws.on("message", (data: Buffer, isBinary: boolean) => conn.onMessage(data, isBinary));
      ws.on("error", (e) => {
        if (!opened) {
          sink.connectFailed(e.message);
          resolve(null);
        } else sink.error(e.message);
      });
      ws.on("close", (code) => {
        if (opened) state.connectionClosed(code);
      });
    });

  const close = async (conns: readonly Conn[]): Promise<void> => {
    await Promise.all(
      conns.map(({ ws }) => new Promise<void>((res) => {
        if (ws.readyState === WebSocket.CLOSED) return res();
        ws.once("close", () => res());
        ws.close(1000);
        // Stream: the server keeps pushing until it reads the close frame; do not wait for its reply.
        if (task.mode === "stream") setImmediate(() => ws.terminate());
        setTimeout(() => (ws.terminate(), res()), 1000).unref();
      })),
    );
  };

  return lifecycleDriver(state, { open, close });
}
