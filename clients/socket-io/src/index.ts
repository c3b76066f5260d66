// The socket.io driver: the same modes through socket.io-client (WebSocket transport only), events of protocol v1's
// socket.io mapping (echo, stream/tick, pub/msg). Payloads use the shared codec; binary payloads travel as attachments.
import { io, type Socket } from "socket.io-client";
import { BINARY_TICK_BYTES, decodeBinaryTick, decodeJsonTick, SIO_EVENTS, tickIsIntact } from "@wsarena/protocol";
import {
  DriverState, encodePayload, lifecycleDriver, nowNs, parseBaseUrl, readPayloadHead, senderOf, SeqTracker, sourceAddressFor,
  type Driver, type DriverConn, type DriverSink, type DriverTask, type PayloadHead,
} from "@wsarena/driver-kit";

/** Longest wait for one socket.io connection (handshake included). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Creates the socket.io-client driver for a task (protocol "socket.io"). */
export function createSocketIoDriver(task: DriverTask, sink: DriverSink): Driver {
  if (task.protocol !== "socket.io") throw new Error("the socket.io driver speaks protocol socket.io only");
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
      readonly socket: Socket,
      readonly id: number,
      readonly publisher: boolean,
    ) {}

    inFlight(): number {
      return task.mode !== "pubsub" && this.socket.connected ? this.pending : 0;
    }

    send(count: number, tsNs: number): void {
      if (!this.socket.connected) return;
      for (let i = 0; i < count; i++) {
        const p = encodePayload(task.size, task.binary, this.nextSeq++, this.id, tsNs);
        const arg = task.binary ? p : p.toString("latin1");
        if (task.mode === "pubsub") this.socket.emit(SIO_EVENTS.pub, task.pubsub.topic, arg);
        else this.socket.emit(SIO_EVENTS.echo, arg);
      }
      counters.sentTotal += count;
      if (tsNs >= state.win.startNs && tsNs < state.win.endNs) counters.windowSent += count;
      this.pending += count;
    }

    onPayload(arg: unknown): void {
      const recvNs = nowNs();
      const win = state.win;
      counters.receivedTotal++;
      const echo = task.mode !== "pubsub";
      if (echo) this.pending = Math.max(0, this.pending - 1);
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
      if (task.mode === "echo" && state.sending) this.send(1, recvNs);
    }

    onTick(arg: unknown): void {
      const recvNs = nowNs();
      const win = state.win;
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

  const open = (i: number): Promise<Conn | null> =>
    new Promise((resolve) => {
      const t0 = nowNs();
      const localAddress = sourceAddressFor(task.sourceAddresses, task.connectionOffset + i);
      const socket = io(`http://${host}:${port}`, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        timeout: CONNECT_TIMEOUT_MS,
        ...(task.mode === "pubsub" ? { query: { topic: task.pubsub.topic } } : {}),
        ...(localAddress ? { localAddress } : {}),
      } as Parameters<typeof io>[1]);
      const { id, publisher } = senderOf(task, i);
      const conn = new Conn(socket, id, publisher);
      let opened = false;
      socket.on("connect", () => {
        if (opened) return;
        opened = true;
        sink.connected((nowNs() - t0) / 1000);
        if (task.mode === "stream") socket.emit(SIO_EVENTS.stream, { format: task.stream.format, rate: task.stream.rate, count: 0, size: task.size });
        resolve(conn);
      });
      socket.on("connect_error", (e) => {
        if (opened) return;
        sink.connectFailed(e.message);
        socket.close();
        resolve(null);
      });
      socket.on("disconnect", (reason) => {
        if (state.sending) sink.error(`disconnected during the run: ${reason}`);
      });
      socket.on(SIO_EVENTS.echo, (arg: unknown) => conn.onPayload(arg));
      socket.on(SIO_EVENTS.msg, (arg: unknown) => conn.onPayload(arg));
      socket.on(SIO_EVENTS.tick, (arg: unknown) => conn.onTick(arg));
      socket.on(SIO_EVENTS.error, (reason: unknown) => sink.error(`server op-error: ${String(reason)}`));
    });

  return lifecycleDriver(state, {
    open,
    async close(conns) {
      for (const c of conns) c.socket.close();
    },
  });
}
