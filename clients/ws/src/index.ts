// The ws driver: the same modes as the frame driver through the `ws` client library — a "real application client"
// reference and a cross-check of the frame driver's counting and timing. Payloads use the same codec.
import WebSocket from "ws";
import { BINARY_TICK_BYTES, decodeBinaryTick, decodeJsonTick, type Tick } from "@wsarena/protocol";
import {
  DriverState,
  LibraryConn,
  lifecycleDriver,
  nowNs,
  parseBaseUrl,
  senderOf,
  sourceAddressFor,
  wsPath,
  type Driver,
  type DriverSink,
  type DriverTask,
} from "@wsarena/driver-kit";

/** One connection through the ws library. */
class WsConn extends LibraryConn {
  constructor(
    state: DriverState,
    readonly ws: WebSocket,
    id: number,
    publisher: boolean,
  ) {
    super(state, id, publisher);
  }

  protected isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  protected sendPayload(payload: Buffer): void {
    this.ws.send(payload, { binary: this.state.task.binary });
  }

  onMessage(data: Buffer, isBinary: boolean): void {
    const recvNs = nowNs();
    const { task, counters } = this.state;
    counters.receivedTotal++;
    counters.bytesReceivedTotal += data.length;
    if (task.mode === "stream") {
      let tick: Tick | null;
      try {
        tick =
          task.stream.format === "binary"
            ? isBinary && data.length >= BINARY_TICK_BYTES
              ? decodeBinaryTick(data)
              : null
            : !isBinary
              ? decodeJsonTick(data.toString("utf8"))
              : null;
      } catch {
        tick = null;
      }
      this.receiveTick(data.length >= task.size ? tick : null, recvNs);
    } else if (task.mode !== "connections") this.receivePayload(isBinary === task.binary ? data : null, recvNs);
  }
}

/** Creates the ws-library driver for a task (protocol "ws" only). */
export function createWsDriver(task: DriverTask, sink: DriverSink): Driver {
  if (task.protocol !== "ws") throw new Error("the ws driver speaks protocol ws only; use --driver frame or socket.io for socket.io");
  const { host, port } = parseBaseUrl(task.url);
  const state = new DriverState(task, sink);
  const url = `ws://${host}:${port}${wsPath(task)}`;

  const open = (i: number): Promise<WsConn | null> =>
    new Promise((resolve) => {
      const t0 = nowNs();
      const localAddress = sourceAddressFor(task.sourceAddresses, task.connectionOffset + i);
      const ws = new WebSocket(url, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
      const { id, publisher } = senderOf(task, i);
      const conn = new WsConn(state, ws, id, publisher);
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

  const close = async (conns: readonly WsConn[]): Promise<void> => {
    await Promise.all(
      conns.map(
        ({ ws }) =>
          new Promise<void>((res) => {
            if (ws.readyState === WebSocket.CLOSED) return res();
            ws.once("close", () => res());
            ws.close(1000);
            // Stream: the server keeps pushing until it reads the close frame; do not wait for its reply.
            if (task.mode === "stream") setImmediate(() => ws.terminate());
            setTimeout(() => (ws.terminate(), res()), 1000).unref();
          }),
      ),
    );
  };

  return lifecycleDriver(state, { open, close });
}
