// The frame driver: every mode of protocol v1 over raw sockets with pre-encoded frames and header-level receive parsing.
import {
  lifecycleDriver,
  nowNs,
  topicOf,
  PAYLOAD_HEAD_BYTES,
  parseBaseUrl,
  senderOf,
  sourceAddressFor,
  wsPath,
  type Driver,
  type DriverConn,
  type DriverSink,
  type DriverTask,
  type OpenLoopSender,
} from "@wsarena/driver-kit";
import { RawConn, type MessageSink } from "./conn.ts";
import { encodeClientFrame } from "./encode.ts";
import { SioAdaptor, SIO_WS_PATH } from "./sio.ts";
import { SendThread } from "./sendthread.ts";
import { EchoConn, IdleConn, PubsubConn, Shared, StreamConn } from "./receivers.ts";

export { DIRECT_WRITES } from "./receivers.ts";

/** The frame driver sends echo-open from a SendThread unless WSARENA_FRAME_SEND_THREAD=0 (main-thread OpenLoop, for comparison). */
export const SEND_THREAD_ENABLED = process.env.WSARENA_FRAME_SEND_THREAD !== "0";

/** Longest wait for the socket.io connect acknowledgement after the WebSocket upgrade. */
export const SIO_CONNECT_TIMEOUT_MS = 10_000;

/** A frame connection as the shared lifecycle sees it: the raw socket and what its mode reads from it. */
interface FrameConn extends DriverConn {
  readonly raw: RawConn;
  /** Echo modes: the connection's sender and receiver. */
  readonly echo?: EchoConn;
}

/** The lifecycle's view of a connection that sends nothing and has nothing in flight. */
const RECEIVER = { publisher: false, inFlight: () => 0, send: () => {} };

/** The receiver of connection `i` for the task's mode, and its view for the lifecycle once its socket is open. */
interface Receiver {
  sink: MessageSink;
  bind(c: RawConn): FrameConn;
}

/** Creates the frame driver for a task: protocol v1 over plain WebSocket, or over Engine.IO v4 / socket.io packets. */
export function createFrameDriver(task: DriverTask, sink: DriverSink): Driver {
  const s = new Shared(task, sink);
  const close = async (conns: readonly FrameConn[]): Promise<void> => {
    for (const { raw } of conns) raw.close(1000, task.mode !== "stream");
    await Promise.all(conns.map(({ raw }) => new Promise<void>((res) => (raw.socket.destroyed ? res() : raw.socket.once("close", () => res())))));
  };
  return lifecycleDriver(s, { open: connectionOpener(s), close, openLoopSender: (targets, onLag) => openLoopSenderFor(s, targets, onLag) });
}

function receiverFor(s: Shared, i: number): Receiver {
  const task = s.task;
  const { id, publisher } = senderOf(task, i);
  switch (task.mode) {
    case "echo":
    case "echo-open": {
      const e = new EchoConn(s, id, task.mode === "echo");
      return {
        sink: e,
        bind: (raw) => (
          (e.conn = raw), { raw, echo: e, publisher, trackers: [e.tracker], inFlight: () => (raw.isOpen ? e.inFlight : 0), send: (n, ts) => e.send(n, ts) }
        ),
      };
    }
    case "stream": {
      const st = new StreamConn(s);
      return { sink: st, bind: (raw) => ((st.conn = raw), { ...RECEIVER, raw, trackers: [st.tracker] }) };
    }
    case "pubsub": {
      const p = new PubsubConn(s, id, topicOf(task, i));
      return { sink: p, bind: (raw) => (p.attach(raw), { ...RECEIVER, raw, publisher, trackers: p.trackers, send: (n, ts) => p.send(n, ts) }) };
    }
    default:
      return { sink: new IdleConn(s), bind: (raw) => ({ ...RECEIVER, raw, trackers: [] }) };
  }
}

/** Opens connection `i`: the WebSocket upgrade, then for socket.io the connect acknowledgement (and the stream request); null when it failed. */
function connectionOpener(s: Shared): (i: number) => Promise<FrameConn | null> {
  const { task, sink } = s;
  const sio = task.protocol === "socket.io";
  const { host, port } = parseBaseUrl(task.url);
  // Pub/sub with rooms: each connection's path names its room's topic.
  const pathOf = (i: number): string =>
    !sio ? wsPath(task, i) : task.mode === "pubsub" ? `${SIO_WS_PATH}&topic=${encodeURIComponent(topicOf(task, i))}` : SIO_WS_PATH;
  const capture = task.mode === "stream" ? (sio ? 384 : 192) : PAYLOAD_HEAD_BYTES + (sio ? 32 : 0);
  const sioEvent = task.mode === "stream" ? "tick" : task.mode === "pubsub" ? "msg" : "echo";

  return async (i) => {
    const m = receiverFor(s, i);
    const t0 = nowNs();
    const adaptor = sio ? new SioAdaptor(m.sink, sioEvent) : null;
    if (adaptor) adaptor.onOther = (text) => sink.error(`unexpected socket.io packet: ${text.slice(0, 120)}`);
    const localAddress = sourceAddressFor(task.sourceAddresses, task.connectionOffset + i);
    const c = new RawConn({
      host,
      port,
      path: pathOf(i),
      ...(localAddress ? { localAddress } : {}),
      recvBuf: s.recvBuf,
      captureBytes: capture,
      sink: adaptor ?? m.sink,
      onClosed: (code, reason) => s.connectionClosed(code, reason),
      ...(task.deflate ? { deflate: true } : {}),
      wire: s.counters,
    });
    if (adaptor) adaptor.conn = c;
    try {
      await c.opened;
      if (adaptor) await sioHandshake(task, adaptor, c);
      sink.connected((nowNs() - t0) / 1000);
      return m.bind(c);
    } catch (e) {
      c.socket.destroy();
      sink.connectFailed((e as Error).message);
      return null;
    }
  };
}

/** After the upgrade: waits for socket.io's connect acknowledgement, then asks a stream task's server for ticks. */
async function sioHandshake(task: DriverTask, adaptor: SioAdaptor, c: RawConn): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    adaptor.connected,
    new Promise(
      (_, rej) =>
        (timer = setTimeout(() => rej(new Error(`no socket.io connect acknowledgement within ${SIO_CONNECT_TIMEOUT_MS} ms`)), SIO_CONNECT_TIMEOUT_MS)),
    ),
  ]).finally(() => clearTimeout(timer));
  if (task.mode === "stream") {
    const args = JSON.stringify({ format: task.stream.format, rate: task.stream.rate, count: 0, size: task.size });
    c.write(encodeClientFrame(`42["stream",${args}]`, 1));
  }
}

/**
 * echo-open over plain WebSocket is sent by a sender thread straight to the sockets (one wake-up per tick, the main
 * thread only receives); pub/sub, socket.io and sockets without an fd keep the main-thread OpenLoop (null).
 */
function openLoopSenderFor(s: Shared, targets: readonly FrameConn[], onLag: (lagUs: number, tickNs: number) => void): OpenLoopSender | null {
  const task = s.task;
  if (task.mode !== "echo-open" || task.protocol === "socket.io" || !SEND_THREAD_ENABLED || task.ratePerSec <= 0 || targets.length === 0) return null;
  // The sender thread writes pre-encoded frames; compressed messages are built per message on the main thread.
  if (targets.some((c) => c.raw.codec)) return null;
  const fds = targets.map((c) => (c.raw.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1);
  if (fds.some((fd) => fd < 0)) return null;
  const echo = targets.map((c) => c.echo!);
  const one = s.template(1, "echo");
  const sender = new SendThread(
    echo.map((e, i) => ({ fd: fds[i]!, id: e.id })),
    one.buf.subarray(0, one.frameBytes),
    one.payloadOffset,
    task.binary,
    task.ratePerSec,
    onLag,
    task.shape,
  );
  echo.forEach((e, i) => e.sentBy(sender.seqs, i));
  return {
    start: (t0Ns, win) => sender.start(t0Ns, win.endNs, win.startNs, win.endNs),
    stop: () => sender.stop(),
    addCounters: (c) => {
      c.sentTotal += sender.sentTotal;
      c.windowSent += sender.windowSent;
      c.wireBytesSentTotal = (c.wireBytesSentTotal ?? 0) + sender.sentTotal * one.frameBytes;
    },
  };
}
