// One binary /stream subscriber in the runner process (ws or socket.io, raw frames): counts ticks and sequence gaps,
// records one-way latency, and can stop reading (pause the socket) to play a slow consumer.
import { nowNs } from "@wsarena/driver-kit";
import { RawConn, SioAdaptor, encodeClientFrame, type MessageSink } from "@wsarena/driver-frame";
import { SIO_WS_PATH, sioEventPacket } from "@wsarena/protocol";

/** Receive buffer of one reader. */
export const READER_RECV_BYTES = 256 * 1024;
/** Longest wait for the socket.io connect acknowledgement. */
export const READER_CONNECT_TIMEOUT_MS = 10_000;

/** Where and what to subscribe to. */
export interface StreamReaderOptions {
  /** ws://host:port of the server. */
  wsUrl: string;
  protocol: "ws" | "socket.io";
  /** Ticks per second the server paces (> 0: the backpressure policy applies to paced streams only). */
  ratePerSec: number;
  /** Tick padding, bytes (binary ticks are max(40, size) bytes). */
  sizeBytes: number;
  /** Keep one-way latencies (µs) in `latenciesUs` for the caller to drain (soak's trend probe). */
  recordLatency?: boolean;
}

/** What a reader counted. */
export interface StreamReaderCounts {
  /** Ticks received. */
  received: number;
  /** Highest seq seen + 1 (ticks the server numbered up to the last one received). */
  announced: number;
  /** Ticks skipped in the sequence (seq gaps): what the drop policy dropped, as this client sees it. */
  gaps: number;
  /** Ticks with a seq at or below one already received. */
  outOfOrder: number;
  /** Close code from the server (1006 = TCP closed without a close frame), or null while open. */
  closeCode: number | null;
}

/** A binary /stream subscriber over one raw connection. */
export class StreamReader implements MessageSink {
  readonly counts: StreamReaderCounts = { received: 0, announced: 0, gaps: 0, outOfOrder: 0, closeCode: null };
  /** One-way latencies (µs) since the caller last emptied the array (only with recordLatency). */
  latenciesUs: number[] = [];
  private conn!: RawConn;
  private nextSeq = 0;
  private chunkNs = 0;
  private closedResolve!: () => void;
  /** Resolves once the connection closed (by the server or by close()). */
  readonly closed = new Promise<void>((res) => (this.closedResolve = res));

  private constructor(private readonly o: StreamReaderOptions) {}

  /** Connects, asks for the stream and resolves once ticks are on their way. */
  static async open(o: StreamReaderOptions): Promise<StreamReader> {
    const r = new StreamReader(o);
    const { hostname, port } = new URL(o.wsUrl);
    const query = `format=binary&rate=${o.ratePerSec}&size=${o.sizeBytes}`;
    const sio = o.protocol === "socket.io" ? new SioAdaptor(r, "tick") : null;
    r.conn = new RawConn({
      host: hostname,
      port: Number(port),
      path: sio ? SIO_WS_PATH : `/stream?${query}`,
      recvBuf: Buffer.allocUnsafe(READER_RECV_BYTES),
      captureBytes: 64,
      sink: sio ?? r,
      onClosed: (code) => {
        r.counts.closeCode = code;
        r.closedResolve();
      },
    });
    await r.conn.opened;
    if (sio) {
      sio.conn = r.conn;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>(
        (_, rej) =>
          (timer = setTimeout(
            () => rej(new Error(`socket.io connect to ${o.wsUrl} not acknowledged within ${READER_CONNECT_TIMEOUT_MS} ms`)),
            READER_CONNECT_TIMEOUT_MS,
          )),
      );
      try {
        await Promise.race([sio.connected, timeout]);
      } finally {
        clearTimeout(timer);
      }
      const args = JSON.stringify({ format: "binary", rate: o.ratePerSec, count: 0, size: o.sizeBytes });
      r.conn.write(encodeClientFrame(sioEventPacket("stream", [args]), 1));
    }
    return r;
  }

  /** Stops reading: the server's sends pile up in the kernel buffers, then in the server (its backpressure policy decides). */
  pause(): void {
    this.conn.socket.pause();
  }

  /** Reads again (what the server kept arrives first). */
  resume(): void {
    this.conn.socket.resume();
  }

  /** Sends a close frame (or destroys the socket at once with `now`). */
  close(now = false): void {
    if (now) {
      this.conn.socket.destroy();
      this.counts.closeCode ??= 1006;
      this.closedResolve();
    } else this.conn.close(1000, false);
  }

  beginChunk(): void {
    this.chunkNs = nowNs();
  }

  endChunk(): void {}

  onMessage(opcode: number, buf: Buffer, off: number, avail: number): void {
    if (opcode !== 2 || avail < 16) return;
    const seq = Number(buf.readBigUInt64LE(off));
    const c = this.counts;
    c.received++;
    if (seq >= this.nextSeq) {
      c.gaps += seq - this.nextSeq;
      this.nextSeq = seq + 1;
      c.announced = this.nextSeq;
    } else c.outOfOrder++;
    if (this.o.recordLatency) this.latenciesUs.push((this.chunkNs - Number(buf.readBigUInt64LE(off + 8))) / 1000);
  }
}
