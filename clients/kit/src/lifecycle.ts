// The lifecycle every driver shares: connect through the bounded ramp, start (fill the closed-loop window or start the
// open-loop scheduler), stop sending, sum the counters, close. A driver supplies only how it opens and closes connections.
import { PATHS } from "@wsarena/protocol";
import { OpenLoop, ramp, type OpenLoopTarget } from "./common.ts";
import {
  addTrackers,
  nowNs,
  zeroCounters,
  type Driver,
  type DriverCounters,
  type DriverSink,
  type DriverTask,
  type SeqTracker,
  type WindowNs,
} from "./contract.ts";

/** The window before start(): no message counts. */
export const NO_WINDOW: WindowNs = { startNs: Infinity, endNs: Infinity };

/** Run state a driver's connections read and count into: the measured window, whether sending is on, the counters. */
export class DriverState {
  /** Messages sent (or ticks stamped) inside this window are the measured ones. */
  win: WindowNs = NO_WINDOW;
  /** From start() to stopSending(): closed-loop echo refills only then, and a connection lost then is an error. */
  sending = false;
  /** Counters the connections add to; counters() adds their trackers and in-flight counts on top. */
  readonly counters = zeroCounters();

  constructor(
    readonly task: DriverTask,
    readonly sink: DriverSink,
  ) {}

  /** A connection that was open ended with `code`: counted, and reported as an error when it ended while sending. */
  connectionClosed(code: number, reason = ""): void {
    this.sink.closeCode(code);
    if (this.sending && code !== 1000) this.sink.error(`connection closed during the run: ${code}${reason ? ` (${reason})` : ""}`);
  }
}

/** One open connection as the lifecycle sees it. */
export interface DriverConn extends OpenLoopTarget {
  /** Pub/sub: this connection publishes (the open-loop scheduler sends through publishers only). */
  readonly publisher: boolean;
  /** Window messages received: one tracker per sender (echo and stream: index 0). */
  readonly trackers: readonly (SeqTracker | undefined)[];
  /** Echo messages sent and not back yet; 0 once the connection is closed (nothing more can come back). */
  inFlight(): number;
}

/** What sends the open-loop schedule: the main-thread OpenLoop, or a driver's own sender (e.g. a sender thread). */
export interface OpenLoopSender {
  /** Ticks from t0Ns on, none at or after win.endNs; messages stamped inside `win` are the measured ones. */
  start(t0Ns: number, win: WindowNs): void;
  /** Stops sending; resolves once nothing more will be written. */
  stop(): void | Promise<void>;
  /** Adds what it sent (and counts itself) to a counters snapshot; absent when it sends through the connections' own send(). */
  addCounters?(c: DriverCounters): void;
}

/** What a driver adds to the lifecycle. */
export interface DriverConnections<C extends DriverConn> {
  /** Opens connection `i` of the task: the connection once open, or null after reporting the failure with sink.connectFailed. */
  open(i: number): Promise<C | null>;
  /** Closes the open connections (stream mode without waiting for the server's reply, see Driver.close). */
  close(conns: readonly C[]): Promise<void>;
  /** A sender of its own for the open-loop targets, or null for the main-thread OpenLoop; called once, after connecting. */
  openLoopSender?(targets: readonly C[], onLag: (lagUs: number, tickNs: number) => void): OpenLoopSender | null;
}

/** The main-thread OpenLoop as an OpenLoopSender. */
function mainThreadSender(targets: readonly OpenLoopTarget[], task: DriverTask, onLag: (lagUs: number, tickNs: number) => void): OpenLoopSender {
  const loop = new OpenLoop([...targets], task.ratePerSec, { onLag, ...(task.shape ? { shape: task.shape } : {}) });
  return { start: (t0Ns, win) => loop.start(t0Ns, win.endNs), stop: () => loop.stop() };
}

/** A driver running the shared lifecycle over the connections that `conns` opens. */
export function lifecycleDriver<C extends DriverConn>(state: DriverState, conns: DriverConnections<C>): Driver {
  const { task, sink } = state;
  const open: C[] = [];
  let loop: OpenLoopSender | null = null;
  return {
    async connect() {
      await ramp(task.connections, task.connectConcurrency, async (i) => {
        const c = await conns.open(i);
        if (c) open.push(c);
      });
      // The scheduler's thread starts now, before the run, so its start-up does not delay the first ticks.
      const targets = task.mode === "echo-open" ? open : task.mode === "pubsub" ? open.filter((c) => c.publisher) : null;
      const onLag = (us: number, tickNs: number): void => void (tickNs >= state.win.startNs && sink.schedulerLag?.(us));
      if (targets) loop = conns.openLoopSender?.(targets, onLag) ?? mainThreadSender(targets, task, onLag);
    },
    start(win) {
      state.win = win;
      state.sending = true;
      const t0 = nowNs();
      if (task.mode === "echo") for (const c of open) c.send(task.window, t0);
      else loop?.start(t0, win);
    },
    stopSending() {
      state.sending = false;
      void loop?.stop();
    },
    counters(): DriverCounters {
      const c: DriverCounters = { ...state.counters, inFlight: 0 };
      loop?.addCounters?.(c);
      for (const x of open) {
        addTrackers(c, x.trackers);
        c.inFlight += x.inFlight();
      }
      if (task.mode === "stream") {
        // The server numbers its ticks: those it sent inside the window are the seq range each receiver saw there.
        c.windowSent = 0;
        for (const x of open) {
          const t = x.trackers[0];
          if (t && t.distinct > 0) c.windowSent += t.maxSeq - t.minSeq + 1;
        }
      }
      return c;
    },
    async close() {
      await loop?.stop();
      await conns.close(open);
    },
  };
}

/** Sender id and role of connection `i` of a task: echo connections are numbered globally, pub/sub publishers by global publisher id, subscribers -1. */
export function senderOf(task: DriverTask, i: number): { id: number; publisher: boolean } {
  if (task.mode !== "pubsub") return { id: task.connectionOffset + i, publisher: false };
  const publisher = i >= task.pubsub.subscribers;
  return { id: publisher ? task.pubsub.publisherOffset + i - task.pubsub.subscribers : -1, publisher };
}

/** Topic name of room `room` of a pub/sub task with rooms (DriverTask.pubsub.roomSize). */
export function roomTopic(topic: string, room: number): string {
  return `${topic}-${room}`;
}

/** The pub/sub topic connection `i` of a task joins: its room's topic when the task has rooms, else the task's topic. */
export function topicOf(task: DriverTask, i: number): string {
  const size = task.pubsub.roomSize;
  if (!size) return task.pubsub.topic;
  return roomTopic(task.pubsub.topic, Math.floor(senderOf(task, i).id / size));
}

/** Path and query of a task's WebSocket endpoint in protocol v1 (/echo, /stream with its parameters, /pubsub with its topic). */
export function wsPath(task: DriverTask, i = 0): string {
  switch (task.mode) {
    case "stream":
      return `${PATHS.stream}?format=${task.stream.format}&rate=${task.stream.rate}&count=0&size=${task.size}`;
    case "pubsub":
      return `${PATHS.pubsub}?topic=${encodeURIComponent(topicOf(task, i))}`;
    default:
      return PATHS.echo;
  }
}
