import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nowNs, type Driver, type DriverCounters, type DriverSink, type DriverTask } from "@wsarena/driver-kit";
import { createFrameDriver } from "@wsarena/driver-frame";
import { createSocketIoDriver } from "./index.ts";
import { startTestSioServer, type TestSioServer } from "./sio-test-server.ts";

function task(url: string, over: Partial<DriverTask>): DriverTask {
  return {
    mode: "echo",
    url,
    protocol: "socket.io",
    connections: 4,
    window: 8,
    refillFraction: 0.25,
    ratePerSec: 2000,
    size: 64,
    binary: true,
    stream: { format: "binary", rate: 1000 },
    pubsub: { subscribers: 0, publishers: 0, topic: "t", publisherOffset: 0, totalPublishers: 0 },
    sourceAddresses: [],
    connectionOffset: 0,
    connectConcurrency: 8,
    ...over,
  };
}

async function drive(
  make: (t: DriverTask, s: DriverSink) => Driver,
  t: DriverTask,
): Promise<{ c: DriverCounters; latencies: number; errors: string[]; connected: number }> {
  let latencies = 0;
  let connected = 0;
  const errors: string[] = [];
  const sink: DriverSink = {
    latency: (_us, n) => (latencies += n),
    connected: () => connected++,
    connectFailed: (r) => errors.push(r),
    error: (r) => errors.push(r),
    closeCode: () => {},
  };
  const d = make(t, sink);
  await d.connect();
  const start = nowNs();
  d.start({ startNs: start, endNs: start + 400e6 });
  await new Promise((r) => setTimeout(r, 450));
  d.stopSending();
  await new Promise((r) => setTimeout(r, 300));
  const c = d.counters();
  await d.close();
  return { c, latencies, errors, connected };
}

const drivers = { "socket.io": createSocketIoDriver, frame: createFrameDriver } as const;

describe("socket.io protocol through socket.io-client and through the frame driver's Engine.IO framing", () => {
  let server: TestSioServer;
  beforeAll(async () => {
    server = await startTestSioServer();
  });
  afterAll(() => server.close());

  for (const [name, make] of Object.entries(drivers)) {
    for (const binary of [true, false]) {
      it(`${name}: echo (${binary ? "binary attachment" : "text"}) comes back complete and intact`, async () => {
        const r = await drive(make, task(server.url, { binary }));
        expect(r.errors).toEqual([]);
        expect(r.connected).toBe(4);
        expect(r.c.windowSent).toBeGreaterThan(100);
        expect(r.c.windowDistinct).toBe(r.c.windowSent);
        expect(r.c.windowCorrupted + r.c.windowDuplicated + r.c.windowReordered).toBe(0);
        expect(r.latencies).toBe(r.c.windowSent);
      });
    }

    for (const format of ["binary", "json"] as const) {
      it(`${name}: stream (${format}) ticks arrive intact without gaps`, async () => {
        const r = await drive(make, task(server.url, { mode: "stream", connections: 2, stream: { format, rate: 1000 }, size: format === "json" ? 150 : 64 }));
        expect(r.errors).toEqual([]);
        expect(r.c.windowDistinct).toBeGreaterThan(200);
        expect(r.c.windowCorrupted).toBe(0);
        expect(r.c.windowDistinct).toBe(r.c.windowSent);
      });
    }

    it(`${name}: pub/sub delivers every publish to every member of the room`, async () => {
      const r = await drive(
        make,
        task(server.url, {
          mode: "pubsub",
          connections: 5,
          ratePerSec: 500,
          pubsub: { subscribers: 4, publishers: 1, topic: "t", publisherOffset: 0, totalPublishers: 1 },
        }),
      );
      expect(r.errors).toEqual([]);
      expect(r.c.windowSent).toBeGreaterThan(100);
      expect(r.c.windowDistinct).toBe(r.c.windowSent * 5);
      expect(r.c.windowCorrupted).toBe(0);
    });
  }
});
