// Exactly-once pub/sub across two real server processes joined by a real broker (WSARENA_BROKER), per stack and broker.
import { io, type Socket } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { BROKER_ENV } from "@wsarena/protocol/broker";
import { startBroker, type BrokerKind, type RunningBroker } from "@wsarena/host";
import { discoverStacks, type DiscoveredStack, launchServer, type LaunchedServer } from "@wsarena/stacks";

/** Messages published over WebSocket on process A, and over POST /publish on process B. */
const WS_PUBLISHES = 40;
const HTTP_PUBLISHES = 10;
const TOPIC = "cluster-test";
/** After every receiver has every message, wait this long for duplicates. */
const SETTLE_MS = 300;
const DELIVERY_TIMEOUT_MS = 10_000;
/** Per case: a broker, two servers (tsx start-up) and the deliveries. */
const CASE_TIMEOUT_MS = 60_000;

/** One receiving client: the ids it got, in order. */
interface Receiver {
  name: string;
  ids: string[];
  publish?(text: string): void;
  close(): void;
}

async function wsReceiver(server: LaunchedServer, name: string): Promise<Receiver> {
  const ws = new WebSocket(`${server.wsUrl}/pubsub?topic=${TOPIC}`);
  await new Promise<void>((res, rej) => {
    ws.once("open", () => res());
    ws.once("error", rej);
  });
  const r: Receiver = { name, ids: [], publish: (t) => ws.send(t), close: () => ws.close() };
  ws.on("message", (d, binary) => {
    if (!binary) r.ids.push(d.toString());
  });
  return r;
}

async function sioReceiver(server: LaunchedServer, name: string): Promise<Receiver> {
  const s: Socket = io(server.httpUrl, { transports: ["websocket"], forceNew: true, reconnection: false });
  const r: Receiver = { name, ids: [], publish: (t) => s.emit("pub", TOPIC, t), close: () => s.close() };
  s.on("msg", (p: unknown) => {
    if (typeof p === "string") r.ids.push(p);
  });
  await new Promise<void>((res, rej) => {
    s.once("subscribed", () => res());
    s.once("connect_error", rej);
    s.emit("sub", TOPIC);
  });
  return r;
}

const stacks = discoverStacks().filter((s) => s.runnable && s.manifest.brokers?.length);
const cases: Array<[DiscoveredStack, BrokerKind]> = stacks.flatMap((s) => (s.manifest.brokers ?? []).map((b): [DiscoveredStack, BrokerKind] => [s, b]));
const running: Array<{ stop(): Promise<unknown> }> = [];

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

describe("pub/sub across two server processes joined by a broker", () => {
  it("covers uws and ws with redis and nats, and socket-io with redis", () => {
    const names = cases.map(([s, b]) => `${s.id}/${b}`);
    for (const n of ["uws/redis", "uws/nats", "ws/redis", "ws/nats", "socket-io/redis"]) expect(names).toContain(n);
  });

  for (const [stack, kind] of cases) {
    it(
      `${stack.id} over ${kind}: every receiver on either process gets every message exactly once`,
      async () => {
        const broker: RunningBroker = await startBroker(kind);
        running.push(broker);
        const env = { [BROKER_ENV]: broker.url };
        const [a, b] = await Promise.all([launchServer(stack, { env }), launchServer(stack, { env })]);
        running.push(a, b);
        const connect = stack.manifest.protocol === "socket.io" ? sioReceiver : wsReceiver;
        const receivers = [await connect(a, "A0"), await connect(a, "A1"), await connect(b, "B0"), await connect(b, "B1")];
        const expected: string[] = [];
        for (let i = 0; i < WS_PUBLISHES; i++) {
          expected.push(`ws-${i}`);
          receivers[0]!.publish!(`ws-${i}`);
        }
        for (let i = 0; i < HTTP_PUBLISHES; i++) {
          expected.push(`http-${i}`);
          const res = await fetch(`${b.httpUrl}/publish/${TOPIC}`, { method: "POST", headers: { "Content-Type": "text/plain" }, body: `http-${i}` });
          expect(res.status).toBe(200);
        }
        const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
        while (Date.now() < deadline && receivers.some((r) => r.ids.length < expected.length)) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        for (const r of receivers) {
          expect({ receiver: r.name, ids: [...r.ids].sort() }).toEqual({ receiver: r.name, ids: [...expected].sort() });
          // One publisher per path: its messages keep their order on every process.
          expect(r.ids.filter((id) => id.startsWith("ws-"))).toEqual(expected.filter((id) => id.startsWith("ws-")));
        }
        receivers.forEach((r) => r.close());
        await Promise.all([a.stop(), b.stop(), broker.stop()]);
      },
      CASE_TIMEOUT_MS,
    );
  }
});
