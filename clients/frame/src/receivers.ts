// The frame driver's per-mode receivers (and senders): echo, stream, pub/sub and idle connections, and the state one
// driver instance shares between them (receive buffer, encoders, counters).
import { writeSync } from "node:fs";
import { BINARY_TICK_BYTES, tickPrice, tickQty } from "@wsarena/protocol";
import {
  DriverState,
  nowNs,
  readPayloadHead,
  SeqTracker,
  writePayloadHead,
  type DriverSink,
  type DriverTask,
  type OpenLoopTarget,
  type PayloadHead,
} from "@wsarena/driver-kit";
import { type RawConn, RECV_BUFFER_BYTES, type MessageSink } from "./conn.ts";
import { JsonTickChecker } from "./jsontick.ts";
import { buildTemplate, decodeBinaryHead, patchBinaryHeads, type FrameTemplate } from "./encode.ts";
import { buildSioTemplate } from "./sio.ts";
import { deflateClientFrames } from "./deflate.ts";

/** Echo writes go straight to the socket's fd unless WSARENA_FRAME_DIRECT_WRITES=0 (net.Socket.write, for comparison). */
export const DIRECT_WRITES = process.env.WSARENA_FRAME_DIRECT_WRITES !== "0";

/** Shared state of one driver instance: the run state, plus the receive buffer and encoders every connection uses. */
export class Shared extends DriverState {
  constructor(task: DriverTask, sink: DriverSink) {
    super(task, sink);
    // The frame driver sees the frames themselves, so it counts bytes as on the wire (compressed under deflate).
    this.counters.wireBytesReceivedTotal = 0;
    this.counters.wireBytesSentTotal = 0;
    this.counters.readsTotal = 0;
  }

  readonly recvBuf = Buffer.allocUnsafe(RECV_BUFFER_BYTES);
  /** 32-bit reads of payload heads straight from the receive buffer (binary payloads). */
  readonly recvView = new DataView(this.recvBuf.buffer, this.recvBuf.byteOffset, this.recvBuf.byteLength);

  private jsonChecker: JsonTickChecker | null = null;
  /** The JSON tick checker, shared by every stream connection so its per-seq cache is filled once per worker. */
  jsonTicks(): JsonTickChecker {
    return (this.jsonChecker ??= new JsonTickChecker(this.task.size, this.task.protocol === "socket.io"));
  }

  /** `count` pre-encoded messages to send: echo messages or publishes (to `topic`), as WebSocket or socket.io packets. */
  template(count: number, role: "echo" | "pub", topic = this.task.pubsub.topic): FrameTemplate {
    const t = this.task;
    if (t.protocol === "socket.io") return buildSioTemplate(count, t.size, t.binary, role, role === "pub" ? [topic] : []);
    return buildTemplate(count, t.size, t.binary);
  }
}

/**
 * Echo connection: closed loop (refills the window after each received chunk, one write) or open loop (sent by the
 * scheduler). Latency = receive time of the chunk − send time carried in the payload.
 */
export class EchoConn implements MessageSink, OpenLoopTarget {
  conn!: RawConn;
  private tpl: FrameTemplate;
  private tplView: DataView | null = null;
  private tplViewOf: Buffer | null = null;
  private nextSeq = 0;
  private inFlightOwn = 0;
  readonly tracker = new SeqTracker();
  private recvNs = 0;
  private got = 0;
  private groupTs = -1;
  private groupCount = 0;
  private readonly head: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };
  private readonly op: number;
  private owed = 0;
  private readonly refillBatch: number;
  /** Open loop sent by a SendThread: its per-connection sent counts (seqs[seqIdx] = next seq), else null. */
  private seqs: Int32Array | null = null;
  private seqIdx = 0;
  private received = 0;
  /** The socket's fd for direct writes (-1: none, write through the socket), resolved at the first send. */
  private fd = -2;

  constructor(
    private readonly s: Shared,
    readonly id: number,
    private readonly closedLoop: boolean,
    private readonly role: "echo" | "pub" = "echo",
    /** Publishers: the topic they publish to (socket.io names it in every packet). */
    private readonly topic = s.task.pubsub.topic,
  ) {
    this.op = s.task.binary ? 2 : 1;
    this.refillBatch = Math.max(1, Math.floor(s.task.window * s.task.refillFraction));
    this.tpl = s.template(Math.max(1, closedLoop ? s.task.window : 16), role, topic);
  }

  /** Hands sending to a SendThread: from now on the thread's count for this connection is the next seq. */
  sentBy(seqs: Int32Array, idx: number): void {
    this.seqs = seqs;
    this.seqIdx = idx;
  }

  /** Messages sent and not echoed yet. */
  get inFlight(): number {
    return this.seqs ? Math.max(0, Atomics.load(this.seqs, this.seqIdx) - this.received) : this.inFlightOwn;
  }

  send(count: number, tsNs: number): void {
    if (!this.conn.isOpen) return;
    if (count > this.tpl.count) this.tpl = this.s.template(count * 2, this.role, this.topic);
    const t = this.tpl;
    const binary = this.s.task.binary;
    if (binary) {
      if (this.tplViewOf !== t.buf) {
        this.tplView = new DataView(t.buf.buffer, t.buf.byteOffset, t.buf.byteLength);
        this.tplViewOf = t.buf;
      }
      patchBinaryHeads(this.tplView!, t.payloadOffset, t.frameBytes, count, this.nextSeq, this.id, tsNs);
      this.nextSeq += count;
    } else for (let i = 0, off = t.payloadOffset; i < count; i++, off += t.frameBytes) writePayloadHead(t.buf, off, binary, this.nextSeq++, this.id, tsNs);
    const c = this.s.counters;
    c.sentTotal += count;
    if (tsNs >= this.s.win.startNs && tsNs < this.s.win.endNs) c.windowSent += count;
    this.inFlightOwn += count;
    const sock = this.conn.socket;
    const len = count * t.frameBytes;
    const codec = this.conn.codec;
    if (codec) {
      // permessage-deflate: every message compressed in order through the connection's deflater (its context carries over).
      const z = deflateClientFrames(t.buf, len, codec);
      c.wireBytesSentTotal! += z.length;
      sock.write(z);
      return;
    }
    c.wireBytesSentTotal! += len;
    if (this.fd === -2) this.fd = DIRECT_WRITES ? ((sock as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1) : -1;
    // Straight to the kernel when nothing is queued in the socket (one syscall, none of the stream machinery: ~5 µs of
    // JS per write); what the kernel does not take goes through the socket's queue, which keeps the byte order.
    if (this.fd >= 0 && sock.writableLength === 0) {
      let done = 0;
      try {
        done = writeSync(this.fd, t.buf, 0, len);
      } catch {
        /* EAGAIN (kernel buffer full) or a broken socket: the socket write below queues it or reports the error */
      }
      if (done < len) sock.write(Buffer.from(t.buf.subarray(done, len)));
      return;
    }
    sock.write(t.buf.subarray(0, len));
    // The socket still holds the buffer (kernel buffer full): patch a copy next time.
    if (sock.writableLength > 0) t.buf = Buffer.from(t.buf);
  }

  beginChunk(): void {
    this.recvNs = nowNs();
    this.got = 0;
  }

  onMessage(opcode: number, buf: Buffer, off: number, avail: number, totalLen: number): void {
    const s = this.s;
    const c = s.counters;
    c.receivedTotal++;
    c.bytesReceivedTotal += totalLen;
    this.got++;
    const h = this.head;
    const ok =
      buf === s.recvBuf && s.task.binary
        ? decodeBinaryHead(s.recvView, off, avail, totalLen, s.task.size, h)
        : readPayloadHead(buf, off, avail, totalLen, s.task.binary, s.task.size, h);
    if (opcode !== this.op || !ok || h.sender !== this.id || h.seq >= (this.seqs ? Atomics.load(this.seqs, this.seqIdx) : this.nextSeq)) {
      if (this.recvNs >= s.win.startNs) c.windowCorrupted++;
      return;
    }
    const ts = h.tsNs;
    if (ts < s.win.startNs || ts >= s.win.endNs) return;
    this.tracker.see(h.seq);
    if (ts === this.groupTs) this.groupCount++;
    else {
      if (this.groupCount > 0) s.sink.latency((this.recvNs - this.groupTs) / 1000, this.groupCount);
      this.groupTs = ts;
      this.groupCount = 1;
    }
  }

  endChunk(): void {
    if (this.groupCount > 0) {
      this.s.sink.latency((this.recvNs - this.groupTs) / 1000, this.groupCount);
      this.groupCount = 0;
      this.groupTs = -1;
    }
    const got = this.got;
    if (got === 0) return;
    this.received += got;
    this.inFlightOwn = Math.max(0, this.inFlightOwn - got);
    if (!this.closedLoop || !this.s.sending) return;
    // Refill in batches of at least refillBatch messages: fewer write syscalls per message; the window stays between
    // W − refillBatch and W in flight.
    this.owed += got;
    if (this.owed >= this.refillBatch) {
      this.send(this.owed, this.recvNs);
      this.owed = 0;
    }
  }
}

/** Stream receiver: one-way latency = chunk receive time − tick ts; tick content checked against its seq. */
export class StreamConn implements MessageSink {
  conn!: RawConn;
  readonly tracker = new SeqTracker();
  private recvNs = 0;
  private readonly json: JsonTickChecker | null;

  constructor(private readonly s: Shared) {
    this.json = s.task.stream.format === "json" ? s.jsonTicks() : null;
  }

  beginChunk(): void {
    this.recvNs = nowNs();
  }

  onMessage(opcode: number, buf: Buffer, off: number, avail: number, totalLen: number): void {
    const s = this.s;
    const c = s.counters;
    c.receivedTotal++;
    c.bytesReceivedTotal += totalLen;
    let seq: number;
    let ts: number;
    let ok: boolean;
    if (s.task.stream.format === "binary") {
      if (opcode !== 2 || avail < BINARY_TICK_BYTES) ok = false;
      else {
        seq = buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * 4294967296;
        ts = buf.readUInt32LE(off + 8) + buf.readUInt32LE(off + 12) * 4294967296;
        ok =
          buf.readDoubleLE(off + 16) === tickPrice(seq) && buf.readDoubleLE(off + 24) === tickQty(seq) && buf[off + 32] === seq % 2 && totalLen >= s.task.size;
      }
    } else {
      // Digits of seq and ts scanned in place, the rest compared byte by byte with the expected encoding (jsontick.ts).
      const j = this.json!;
      ok = opcode === 1 && j.check(buf, off, avail, totalLen);
      seq = j.seq;
      ts = j.ts;
    }
    if (!ok) {
      if (this.recvNs >= s.win.startNs) c.windowCorrupted++;
      return;
    }
    if (ts! < s.win.startNs || ts! >= s.win.endNs) return;
    this.tracker.see(seq!);
    s.sink.latency((this.recvNs - ts!) / 1000, 1);
  }

  endChunk(): void {}
}

/** Pub/sub receiver (and publisher when `publisherId` ≥ 0): one tracker per publisher. */
export class PubsubConn implements MessageSink, OpenLoopTarget {
  conn!: RawConn;
  readonly trackers: (SeqTracker | undefined)[] = [];
  private recvNs = 0;
  private readonly head: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };
  private readonly pub: EchoConn | null;

  constructor(
    private readonly s: Shared,
    publisherId: number,
    topic: string,
  ) {
    // A publisher reuses the echo sender path (template, patching, window accounting) for its sends.
    this.pub = publisherId >= 0 ? new EchoConn(s, publisherId, false, "pub", topic) : null;
  }

  attach(conn: RawConn): void {
    this.conn = conn;
    if (this.pub) this.pub.conn = conn;
  }

  send(count: number, tsNs: number): void {
    this.pub?.send(count, tsNs);
  }

  beginChunk(): void {
    this.recvNs = nowNs();
  }

  onMessage(opcode: number, buf: Buffer, off: number, avail: number, totalLen: number): void {
    const s = this.s;
    const c = s.counters;
    c.receivedTotal++;
    c.bytesReceivedTotal += totalLen;
    const h = this.head;
    if (
      opcode !== (s.task.binary ? 2 : 1) ||
      !readPayloadHead(buf, off, avail, totalLen, s.task.binary, s.task.size, h) ||
      h.sender >= s.task.pubsub.totalPublishers
    ) {
      if (this.recvNs >= s.win.startNs) c.windowCorrupted++;
      return;
    }
    if (h.tsNs < s.win.startNs || h.tsNs >= s.win.endNs) return;
    (this.trackers[h.sender] ??= new SeqTracker()).see(h.seq);
    s.sink.latency((this.recvNs - h.tsNs) / 1000, 1);
  }

  endChunk(): void {}
}

/** Idle connection (connections mode): counts whatever arrives. */
export class IdleConn implements MessageSink {
  constructor(private readonly s: Shared) {}
  beginChunk(): void {}
  onMessage(_op: number, _b: Buffer, _o: number, _a: number, totalLen: number): void {
    this.s.counters.receivedTotal++;
    this.s.counters.bytesReceivedTotal += totalLen;
  }
  endChunk(): void {}
}
