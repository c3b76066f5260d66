// Topic registry of a pub/sub server: who is subscribed to what, kept in JS next to any native subscriptions.
// Changed on the control path (sub, unsub, close); publish only reads `subscribers(topic)`.
import { controlReply, parseControl } from "./control.ts";

/** A stack's own subscriptions (uWS, Bun), kept in step with the registry. */
export interface NativeTopics<C> {
  subscribe(conn: C, topic: string): void;
  /** Also called for a connection that is closing or closed: skip what the stack has freed already. */
  unsubscribe(conn: C, topic: string): void;
}

/** Subscribers per topic and topics per subscriber; `C` is the stack's connection (socket or state object). */
export class TopicRegistry<C> {
  private readonly byTopic = new Map<string, Set<C>>();
  private readonly byConn = new Map<C, Set<string>>();

  /** `native`: the stack's own subscriptions to mirror, for stacks with a native fan-out. */
  constructor(private readonly native?: NativeTopics<C>) {}

  /** Applies a control message's text (sub, unsub) for `conn`; returns the JSON reply to send it. */
  control(conn: C, text: string): string {
    const c = parseControl(text);
    if (c.op === "sub") this.subscribe(conn, c.topic);
    else if (c.op === "unsub") this.unsubscribe(conn, c.topic);
    return controlReply(c);
  }

  /** Subscribes `conn` to `topic`; subscribing twice is one subscription. Returns false when it already was subscribed. */
  subscribe(conn: C, topic: string): boolean {
    let subs = this.byTopic.get(topic);
    if (!subs) this.byTopic.set(topic, (subs = new Set()));
    if (subs.has(conn)) return false;
    subs.add(conn);
    let topics = this.byConn.get(conn);
    if (!topics) this.byConn.set(conn, (topics = new Set()));
    topics.add(topic);
    this.native?.subscribe(conn, topic);
    return true;
  }

  /** Unsubscribes `conn` from `topic`. Returns false when it was not subscribed. */
  unsubscribe(conn: C, topic: string): boolean {
    const subs = this.byTopic.get(topic);
    if (!subs?.delete(conn)) return false;
    if (subs.size === 0) this.byTopic.delete(topic);
    const topics = this.byConn.get(conn);
    topics?.delete(topic);
    if (topics?.size === 0) this.byConn.delete(conn);
    this.native?.unsubscribe(conn, topic);
    return true;
  }

  /** Unsubscribes `conn` from every topic (on close or server-side end). */
  unsubscribeAll(conn: C): void {
    const topics = this.byConn.get(conn);
    if (!topics) return;
    this.byConn.delete(conn);
    for (const topic of topics) {
      const subs = this.byTopic.get(topic);
      if (subs?.delete(conn) && subs.size === 0) this.byTopic.delete(topic);
      this.native?.unsubscribe(conn, topic);
    }
  }

  /** Subscribers of `topic` now, or undefined when there are none. Live: copy it before a loop that may unsubscribe. */
  subscribers(topic: string): ReadonlySet<C> | undefined {
    return this.byTopic.get(topic);
  }

  /** Topics `conn` is subscribed to now. */
  topicsOf(conn: C): ReadonlySet<string> {
    return this.byConn.get(conn) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * True when a subscriber's send buffer is over `maxBufferedBytes`: stacks with a native fan-out (uWS app.publish, Bun
 * server.publish) then send to each subscriber through the backpressure policy instead.
 */
export function anyOverBuffered(subs: Iterable<{ getBufferedAmount(): number }>, maxBufferedBytes: number): boolean {
  for (const s of subs) if (s.getBufferedAmount() > maxBufferedBytes) return true;
  return false;
}

/** The per-subscriber fallback of a native fan-out: hands the message to each subscriber through `deliver`; returns how many took it. */
export function deliverEach<C>(subs: ReadonlySet<C>, deliver: (conn: C) => boolean): number {
  let delivered = 0;
  for (const s of [...subs]) if (deliver(s)) delivered++; // a copy: the close policy unsubscribes while we loop
  return delivered;
}
