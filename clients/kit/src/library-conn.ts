// A connection of a library driver (ws, socket.io-client): one message per send call and per receive callback. Sending,
// counting, integrity and latency are the same for every library; a subclass only moves the bytes.
import { tickIsIntact, type Tick } from "@wsarena/protocol";
import { SeqTracker } from "./contract.ts";
import type { DriverConn, DriverState } from "./lifecycle.ts";
import { encodePayload, readPayloadHead, type PayloadHead } from "./payload.ts";

export abstract class LibraryConn implements DriverConn {
  private nextSeq = 0;
  /** Echo messages sent and not back yet. */
  private pending = 0;
  readonly trackers: (SeqTracker | undefined)[] = [];
  private readonly head: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };

  constructor(
    protected readonly state: DriverState,
    /** Sender id written into this connection's payloads (see senderOf). */
    readonly id: number,
    readonly publisher: boolean,
  ) {}

  /** True while the library connection is open. */
  protected abstract isOpen(): boolean;
  /** Hands one encoded payload (echo message or publish) to the library. */
  protected abstract sendPayload(payload: Buffer): void;

  inFlight(): number {
    return this.state.task.mode !== "pubsub" && this.isOpen() ? this.pending : 0;
  }

  send(count: number, tsNs: number): void {
    if (!this.isOpen()) return;
    const { task, counters, win } = this.state;
    for (let i = 0; i < count; i++) this.sendPayload(encodePayload(task.size, task.binary, this.nextSeq++, this.id, tsNs));
    counters.sentTotal += count;
    if (tsNs >= win.startNs && tsNs < win.endNs) counters.windowSent += count;
    this.pending += count;
  }

  /**
   * One echo or pub/sub message received at `recvNs`; `data` is null when it arrived with the wrong frame type. Checks it
   * (payload head, sender, seq), times it when it was sent inside the window, and refills the closed-loop echo window.
   */
  protected receivePayload(data: Buffer | null, recvNs: number): void {
    const { task, counters, win, sink } = this.state;
    const echo = task.mode !== "pubsub";
    if (echo) this.pending = Math.max(0, this.pending - 1);
    const h = this.head;
    const ok =
      data !== null &&
      readPayloadHead(data, 0, data.length, data.length, task.binary, task.size, h) &&
      (echo ? h.sender === this.id && h.seq < this.nextSeq : h.sender < task.pubsub.totalPublishers);
    if (!ok) {
      if (recvNs >= win.startNs) counters.windowCorrupted++;
    } else if (h.tsNs >= win.startNs && h.tsNs < win.endNs) {
      (this.trackers[echo ? 0 : h.sender] ??= new SeqTracker()).see(h.seq);
      sink.latency((recvNs - h.tsNs) / 1000, 1);
    }
    if (task.mode === "echo" && this.state.sending) this.send(1, recvNs);
  }

  /** One stream tick received at `recvNs`; `tick` is null when it could not be decoded or had the wrong type or size. */
  protected receiveTick(tick: Tick | null, recvNs: number): void {
    const { counters, win, sink } = this.state;
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
