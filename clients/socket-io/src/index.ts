// The socket.io driver: the same modes through socket.io-client (WebSocket transport only), events of protocol v1's
// socket.io mapping (echo, stream/tick, pub/msg). Payloads use the shared codec; binary payloads travel as attachments.
import { io, type Socket } from "socket.io-client";
import { BINARY_TICK_BYTES, decodeBinaryTick, decodeJsonTick, SIO_EVENTS, type Tick } from "@wsarena/protocol";
import {
  DriverState,
  LibraryConn,
  lifecycleDriver,
  nowNs,
  parseBaseUrl,
  senderOf,
  sourceAddressFor,
  type Driver,
  type DriverSink,
  type DriverTask,
} from "@wsarena/driver-kit";

/** Longest wait for one socket.io connection (handshake included). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** A binary event argument as a Buffer, or null when it is none. */
function asBuffer(arg: unknown): Buffer | null {
  return Buffer.isBuffer(arg) ? arg : arg instanceof ArrayBuffer ? Buffer.from(arg) : null;
}

/** One connection through socket.io-client. */
class SioConn extends LibraryConn {
  constructor(
    state: DriverState,
    readonly socket: Socket,
    id: number,
    publisher: boolean,
  ) {
    super(state, id, publisher);
  }

  protected isOpen(): boolean {
    return this.socket.connected;
  }

  protected sendPayload(payload: Buffer): void {
    const task = this.state.task;
    const arg = task.binary ? payload : payload.toString("latin1");
    if (task.mode === "pubsub") this.socket.emit(SIO_EVENTS.pub, task.pubsub.topic, arg);
    else this.socket.emit(SIO_EVENTS.echo, arg);
  }

  /** An echo or msg event: a text argument (latin1 payload) or a binary attachment. */
  onPayload(arg: unknown): void {
    const recvNs = nowNs();
    const { task, counters } = this.state;
    counters.receivedTotal++;
    const data = typeof arg === "string" ? Buffer.from(arg, "latin1") : asBuffer(arg);
    counters.bytesReceivedTotal += data?.length ?? 0;
    this.receivePayload((typeof arg !== "string") === task.binary ? data : null, recvNs);
  }

  /** A tick event: a JSON tick as a string or a binary tick as an attachment. */
  onTick(arg: unknown): void {
    const recvNs = nowNs();
    const { task, counters } = this.state;
    counters.receivedTotal++;
    let tick: Tick | null;
    try {
      if (typeof arg === "string") {
        counters.bytesReceivedTotal += arg.length;
        tick = task.stream.format === "json" ? decodeJsonTick(arg) : null;
      } else {
        const b = asBuffer(arg);
        counters.bytesReceivedTotal += b?.length ?? 0;
        tick = b && task.stream.format === "binary" && b.length >= BINARY_TICK_BYTES ? decodeBinaryTick(b) : null;
      }
    } catch {
      tick = null;
    }
    this.receiveTick(tick, recvNs);
  }
}

/** Creates the socket.io-client driver for a task (protocol "socket.io"). */
export function createSocketIoDriver(task: DriverTask, sink: DriverSink): Driver {
  if (task.protocol !== "socket.io") throw new Error("the socket.io driver speaks protocol socket.io only");
  const { host, port } = parseBaseUrl(task.url);
  const state = new DriverState(task, sink);

  const open = (i: number): Promise<SioConn | null> =>
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
      const conn = new SioConn(state, socket, id, publisher);
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
