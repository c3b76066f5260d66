import { describe, expect, it } from "vitest";
import { ramp } from "./common.ts";
import { SeqTracker, type DriverSink, type DriverTask } from "./contract.ts";
import { DriverState, lifecycleDriver, senderOf, wsPath, type DriverConn } from "./lifecycle.ts";

function task(over: Partial<DriverTask>): DriverTask {
  return {
    mode: "echo",
    url: "ws://127.0.0.1:1",
    protocol: "ws",
    connections: 4,
    window: 8,
    refillFraction: 0.25,
    ratePerSec: 1000,
    size: 64,
    binary: true,
    stream: { format: "binary", rate: 1000 },
    pubsub: { subscribers: 0, publishers: 0, topic: "t", publisherOffset: 0, totalPublishers: 0 },
    sourceAddresses: [],
    connectionOffset: 0,
    connectConcurrency: 2,
    ...over,
  };
}

const sink = (): DriverSink & { closes: number[]; errors: string[] } => {
  const closes: number[] = [];
  const errors: string[] = [];
  return { closes, errors, latency: () => {}, connected: () => {}, connectFailed: () => {}, error: (r) => errors.push(r), closeCode: (c) => closes.push(c) };
};

/** A connection that records what the lifecycle asks of it. */
class FakeConn implements DriverConn {
  readonly sends: { count: number; tsNs: number }[] = [];
  readonly trackers: (SeqTracker | undefined)[] = [];
  pending = 0;
  constructor(
    readonly index: number,
    readonly publisher = false,
  ) {}
  send(count: number, tsNs: number): void {
    this.sends.push({ count, tsNs });
  }
  inFlight(): number {
    return this.pending;
  }
}

/** A lifecycle over fake connections; connection indexes in `fail` do not open. */
function fakeDriver(t: DriverTask, fail: number[] = [], isPublisher = (_i: number) => false) {
  const state = new DriverState(t, sink());
  const opened: FakeConn[] = [];
  let closed: readonly FakeConn[] | null = null;
  const driver = lifecycleDriver(state, {
    open: async (i) => {
      if (fail.includes(i)) return null;
      const c = new FakeConn(i, isPublisher(i));
      opened.push(c);
      return c;
    },
    close: async (conns) => {
      closed = conns;
    },
  });
  return { state, driver, opened, closed: () => closed };
}

describe("ramp", () => {
  it("runs every index once with at most `concurrency` pending", async () => {
    const seen: number[] = [];
    let pending = 0;
    let most = 0;
    await ramp(10, 3, async (i) => {
      pending++;
      most = Math.max(most, pending);
      await new Promise((r) => setImmediate(r));
      seen.push(i);
      pending--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
  });

  it("does nothing for zero items", async () => {
    let calls = 0;
    await ramp(0, 4, async () => void calls++);
    expect(calls).toBe(0);
  });
});

describe("senderOf and wsPath", () => {
  it("numbers echo connections globally and pub/sub publishers by global publisher id", () => {
    expect(senderOf(task({ connectionOffset: 10 }), 3)).toEqual({ id: 13, publisher: false });
    const ps = task({ mode: "pubsub", pubsub: { subscribers: 5, publishers: 2, topic: "t", publisherOffset: 4, totalPublishers: 8 } });
    expect(senderOf(ps, 4)).toEqual({ id: -1, publisher: false });
    expect(senderOf(ps, 6)).toEqual({ id: 5, publisher: true });
  });

  it("builds the protocol v1 path of each mode", () => {
    expect(wsPath(task({ mode: "echo-open" }))).toBe("/echo");
    expect(wsPath(task({ mode: "stream", size: 128, stream: { format: "json", rate: 500 } }))).toBe("/stream?format=json&rate=500&count=0&size=128");
    expect(wsPath(task({ mode: "pubsub", pubsub: { subscribers: 1, publishers: 1, topic: "a b", publisherOffset: 0, totalPublishers: 1 } }))).toBe(
      "/pubsub?topic=a%20b",
    );
  });
});

describe("lifecycleDriver", () => {
  it("keeps the connections that opened and fills each closed-loop window at start", async () => {
    const f = fakeDriver(task({ connections: 5 }), [2]);
    await f.driver.connect();
    expect(f.opened.map((c) => c.index).sort()).toEqual([0, 1, 3, 4]);
    f.driver.start({ startNs: 1, endNs: 2 });
    expect(f.state.sending).toBe(true);
    expect(f.state.win).toEqual({ startNs: 1, endNs: 2 });
    for (const c of f.opened) expect(c.sends.map((s) => s.count)).toEqual([8]);
    f.driver.stopSending();
    expect(f.state.sending).toBe(false);
    await f.driver.close();
    expect(f.closed()).toHaveLength(4);
  });

  it("sums the connections' trackers and in-flight counts over the shared counters", async () => {
    const f = fakeDriver(task({ connections: 2 }));
    await f.driver.connect();
    f.state.counters.sentTotal = 7;
    f.state.counters.windowCorrupted = 1;
    const [a, b] = f.opened;
    a!.pending = 3;
    b!.pending = 2;
    const t = new SeqTracker();
    for (const seq of [0, 1, 1, 3, 2]) t.see(seq);
    a!.trackers[0] = t;
    b!.trackers[4] = new SeqTracker();
    b!.trackers[4].see(9);
    const c = f.driver.counters();
    expect(c).toMatchObject({ sentTotal: 7, windowCorrupted: 1, inFlight: 5, windowReceived: 6, windowDistinct: 5, windowDuplicated: 1, windowReordered: 1 });
    await f.driver.close();
  });

  it("counts a stream's window ticks as the seq range each receiver saw", async () => {
    const f = fakeDriver(task({ mode: "stream", connections: 2 }));
    await f.driver.connect();
    const [a, b] = f.opened;
    a!.trackers[0] = new SeqTracker();
    for (const seq of [10, 11, 14]) a!.trackers[0].see(seq);
    b!.trackers[0] = new SeqTracker();
    b!.trackers[0].see(3);
    expect(f.driver.counters().windowSent).toBe(5 + 1);
    await f.driver.close();
  });

  it("sends pub/sub publishes through the publishers only", async () => {
    const f = fakeDriver(task({ mode: "pubsub", connections: 4, ratePerSec: 20_000 }), [], (i) => i >= 2);
    await f.driver.connect();
    const now = Number(process.hrtime.bigint());
    f.driver.start({ startNs: now, endNs: now + 1e12 });
    const publishers = f.opened.filter((c) => c.publisher);
    for (let i = 0; i < 1000 && publishers.some((c) => c.sends.length === 0); i++) await new Promise((r) => setTimeout(r, 5));
    f.driver.stopSending();
    await f.driver.close();
    for (const c of publishers) expect(c.sends.length).toBeGreaterThan(0);
    for (const c of f.opened.filter((x) => !x.publisher)) expect(c.sends).toEqual([]);
  });

  it("counts the close codes of open connections and reports one that ends the run early", () => {
    const state = new DriverState(task({}), sink());
    const s = state.sink as ReturnType<typeof sink>;
    state.connectionClosed(1006, "reset");
    state.sending = true;
    state.connectionClosed(1000);
    state.connectionClosed(1011, "boom");
    expect(s.closes).toEqual([1006, 1000, 1011]);
    expect(s.errors).toEqual(["connection closed during the run: 1011 (boom)"]);
  });
});
