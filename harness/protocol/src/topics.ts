// Topic registry of a pub/sub server: who is subscribed to what, kept in JS next to any native subscriptions.
// Changed on the control path (sub, unsub, close); publish only reads `subscribers(topic)`.

/** Subscribers per topic and topics per subscriber; `C` is the stack's connection (socket or state object). */
export class TopicRegistry<C> {
  private readonly byTopic = new Map<string, Set<C>>();
  private readonly byConn = new Map<C, Set<string>>();

  /** Subscribes `conn` to `topic`; subscribing twice is one subscription. Returns false when it already was subscribed. */
  subscribe(conn: C, topic: string): boolean {
    let subs = this.byTopic.get(topic);
    if (!subs) this.byTopic.set(topic, (subs = new Set()));
    if (subs.has(conn)) return false;
    subs.add(conn);
    let topics = this.byConn.get(conn);
    if (!topics) this.byConn.set(conn, (topics = new Set()));
    topics.add(topic);
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
    return true;
  }

  /** Unsubscribes `conn` from every topic (on close); returns the topics it left, for stacks that mirror native subscriptions. */
  unsubscribeAll(conn: C): string[] {
    const topics = this.byConn.get(conn);
    if (!topics) return [];
    this.byConn.delete(conn);
    for (const topic of topics) {
      const subs = this.byTopic.get(topic);
      if (subs?.delete(conn) && subs.size === 0) this.byTopic.delete(topic);
    }
    return [...topics];
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
