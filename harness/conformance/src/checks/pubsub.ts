// Pub/sub checks: exactly-once fan-out to 50 subscribers, control replies, unsubscribe, errors (POST /publish: pubsub-publish.ts).
import { randomBytes } from "node:crypto";
import type { LaunchedServer } from "@wsarena/stacks";
import { WsConn, type WsMessage } from "../clients/ws-conn.ts";
import { SioConn, describeValue } from "../clients/sio-conn.ts";
import { expect, sleep } from "../util.ts";
import { wsUrl } from "./common.ts";
import type { Check } from "../types.ts";

/** Subscribers in the fan-out check (the senders among them). */
export const FANOUT_SUBSCRIBERS = 50;
/** How long a check waits for stray (duplicate or late) deliveries. */
export const QUIET_MS = 250;
/** Pause after opening a /pubsub?topic= connection before relying on the query subscription (servers may subscribe in an async open handler). */
export const SUBSCRIBE_SETTLE_MS = 200;

/** A fresh topic name per check run (checks share one server). */
export function topicName(tag: string): string {
  return `t-${tag}-${randomBytes(4).toString("hex")}`;
}

const NO_TOPIC_REASON = "no topic: connect with /pubsub?topic=<t>";

/** Parses a control reply, failing with what arrived otherwise. */
function control(m: WsMessage, what: string): { op?: unknown; topic?: unknown; reason?: unknown } {
  expect(!m.isBinary, `expected ${what} as a text message, got a binary frame of ${m.data.byteLength} bytes`);
  const text = m.data.toString();
  try {
    return JSON.parse(text) as { op?: unknown };
  } catch {
    throw new Error(`expected ${what}, got non-JSON text ${JSON.stringify(text.slice(0, 100))}`);
  }
}

async function expectControl(c: WsConn, op: string, topic: string | null, what: string): Promise<{ reason?: unknown }> {
  const o = control(await c.next(2_000, what), what);
  expect(o.op === op, `expected ${what} {"op":"${op}"...}, got ${JSON.stringify(o).slice(0, 200)}`);
  if (topic !== null) expect(o.topic === topic, `expected ${what} for topic "${topic}", got ${JSON.stringify(o).slice(0, 200)}`);
  return o;
}

function payloadKey(isBinary: boolean, data: Buffer): string {
  return `${isBinary ? "b" : "t"}:${data.toString("hex")}`;
}

/** Opens `n` connections subscribed to `topic` by query and waits for the subscriptions to settle. */
export async function openSubscribers(server: LaunchedServer, topic: string, n: number): Promise<WsConn[]> {
  const conns = await Promise.all(Array.from({ length: n }, () => WsConn.open(wsUrl(server, `/pubsub?topic=${encodeURIComponent(topic)}`))));
  await sleep(SUBSCRIBE_SETTLE_MS);
  return conns;
}

/** Connects `n` socket.io clients that join room `topic` by handshake query. */
export async function openSioSubscribers(server: LaunchedServer, topic: string, n: number): Promise<SioConn[]> {
  return Promise.all(Array.from({ length: n }, () => SioConn.connect(server.httpUrl, { topic })));
}

/** Closes every connection of a check. */
export function closeAll(conns: Array<WsConn | SioConn>): Promise<unknown> {
  return Promise.all(conns.map((c) => (c instanceof WsConn ? c.close() : c.close())));
}

/** Time each subscriber has to receive every fan-out message. */
export const FANOUT_WAIT_MS = 3_000;
/** Subscribers that publish in the fan-out check (indexes into the subscriber list). */
const FANOUT_SENDERS = [0, 7, 14];

/** Fails unless subscriber `i` got every sender's messages exactly once and in that sender's order. */
function checkDeliveries(i: number, got: string[], expected: string[][]): void {
  const problems: string[] = [];
  for (const [s, msgs] of expected.entries()) {
    const sender = FANOUT_SENDERS[s]!;
    const own = i === sender ? " (its own: the sender is a subscriber too)" : "";
    const order = got.filter((g) => msgs.includes(g));
    const missing = msgs.filter((m) => !order.includes(m)).length;
    const dup = order.length - new Set(order).size;
    if (missing) problems.push(`${missing} of ${msgs.length} messages of sender ${sender} never arrived${own}`);
    else if (dup) problems.push(`${dup} messages of sender ${sender} arrived twice${own}`);
    else if (!order.every((g, j) => g === msgs[j])) problems.push(`sender ${sender}'s messages arrived out of order${own}`);
  }
  const stray = got.filter((g) => !expected.some((m) => m.includes(g))).length;
  if (stray) problems.push(`${stray} messages that nobody published arrived`);
  if (problems.length) throw new Error(`subscriber ${i}: ${problems.join("; ")}`);
}

/** Messages each of 3 senders publishes in the fan-out check: text and binary. */
function fanoutMessages(sender: number): Array<string | Buffer> {
  return [`fan-${sender}-a`, Buffer.from([sender, 0, 255, 7]), `fan-${sender}-é`, Buffer.from(`bin-${sender}`)];
}

const fanout: Check = {
  id: `pubsub.fanout-${FANOUT_SUBSCRIBERS}`,
  title: `delivers every published message exactly once to all ${FANOUT_SUBSCRIBERS} subscribers, sender included`,
  description: `${FANOUT_SUBSCRIBERS} connections open /pubsub?topic=T (half of them also send {"op":"sub","topic":T}, which must not double deliveries); 3 of them publish 2 text and 2 binary messages each. Every subscriber, senders included, must receive all 12 exactly once, with the sender's opcode and in each sender's order, and nothing else within ${QUIET_MS} ms. socket.io: handshake query topic=T, \`sub\` for half, \`pub\` (T, payload) → \`msg\` (payload).`,
  placement: "shared",
  smoke: true,
  timeoutMs: 10_000,
  run: {
    ws: async (ctx) => {
      const topic = topicName("fan");
      const subs = await openSubscribers(ctx.server, topic, FANOUT_SUBSCRIBERS);
      try {
        await Promise.all(
          subs
            .filter((_, i) => i % 2 === 0)
            .map(async (c) => {
              c.send(JSON.stringify({ op: "sub", topic }));
              await expectControl(c, "subscribed", topic, `the reply to {"op":"sub"} on a connection already subscribed by query`);
            }),
        );
        const expected: string[][] = FANOUT_SENDERS.map((s) => fanoutMessages(s).map((p) => payloadKey(typeof p !== "string", Buffer.from(p))));
        for (const s of FANOUT_SENDERS) for (const p of fanoutMessages(s)) subs[s]!.send(p);
        const total = expected.flat().length;
        await Promise.all(
          subs.map(async (c, i) => {
            const got: string[] = [];
            const deadline = Date.now() + FANOUT_WAIT_MS;
            while (got.length < total && Date.now() < deadline) {
              const m = await c.next(Math.max(1, deadline - Date.now()), "a delivery").catch(() => null);
              if (!m) break;
              got.push(payloadKey(m.isBinary, m.data));
            }
            got.push(...(await c.drainFor(QUIET_MS)).map((m) => payloadKey(m.isBinary, m.data)));
            checkDeliveries(i, got, expected);
          }),
        );
        return `${FANOUT_SUBSCRIBERS} × ${total} deliveries exactly once`;
      } finally {
        await closeAll(subs);
      }
    },
    "socket.io": async (ctx) => {
      const topic = topicName("fan");
      const subs = await openSioSubscribers(ctx.server, topic, FANOUT_SUBSCRIBERS);
      try {
        await Promise.all(
          subs
            .filter((_, i) => i % 2 === 0)
            .map(async (c) => {
              c.emit("sub", topic);
              const e = await c.next(2_000, "subscribed");
              expect(e.args[0] === topic, `"subscribed" carried ${JSON.stringify(e.args)}, expected "${topic}"`);
            }),
        );
        const key = (v: unknown) =>
          typeof v === "string" ? `t:${v}` : v instanceof Uint8Array ? `b:${Buffer.from(v).toString("hex")}` : `?:${describeValue(v)}`;
        const expected = FANOUT_SENDERS.map((s) => fanoutMessages(s).map(key));
        for (const s of FANOUT_SENDERS) for (const p of fanoutMessages(s)) subs[s]!.emit("pub", topic, p);
        const total = expected.flat().length;
        await Promise.all(
          subs.map(async (c, i) => {
            const got: string[] = [];
            const deadline = Date.now() + FANOUT_WAIT_MS;
            while (got.length < total && Date.now() < deadline) {
              const e = await c.next(Math.max(1, deadline - Date.now()), "msg").catch(() => null);
              if (!e) break;
              got.push(key(e.args[0]));
            }
            got.push(...(await c.drainFor(QUIET_MS)).filter((e) => e.name === "msg").map((e) => key(e.args[0])));
            checkDeliveries(i, got, expected);
          }),
        );
        return `${FANOUT_SUBSCRIBERS} × ${total} deliveries exactly once`;
      } finally {
        await closeAll(subs);
      }
    },
  },
};

const unsub: Check = {
  id: "pubsub.unsub-stops-delivery",
  title: "replies unsubscribed and delivers nothing after an unsubscribe",
  description:
    'A subscribes to T by query, sends {"op":"unsub","topic":T} and must get {"op":"unsubscribed","topic":T}; then B (subscribed to T) publishes: B receives its own message, A receives nothing within the quiet period. socket.io: `unsub` (T) → `unsubscribed` (T), then no `msg`.',
  placement: "shared",
  timeoutMs: 6_000,
  run: {
    ws: async (ctx) => {
      const topic = topicName("unsub");
      const [a, b] = await openSubscribers(ctx.server, topic, 2);
      try {
        a!.send(JSON.stringify({ op: "unsub", topic }));
        await expectControl(a!, "unsubscribed", topic, 'the reply to {"op":"unsub"}');
        b!.send("after-unsub");
        const own = await b!.next(2_000, "B's own message (sender included)");
        expect(own.data.toString() === "after-unsub", `B received ${JSON.stringify(own.data.toString().slice(0, 50))}, expected its own "after-unsub"`);
        const leaked = await a!.drainFor(QUIET_MS);
        expect(
          leaked.length === 0,
          `A received ${leaked.length} message(s) of topic ${topic} after {"op":"unsubscribed"}: ${JSON.stringify(leaked[0]?.data.toString().slice(0, 60))}`,
        );
      } finally {
        await closeAll([a!, b!]);
      }
    },
    "socket.io": async (ctx) => {
      const topic = topicName("unsub");
      const [a, b] = await openSioSubscribers(ctx.server, topic, 2);
      try {
        a!.emit("unsub", topic);
        const r = await a!.next(2_000, "unsubscribed");
        expect(r.args[0] === topic, `"unsubscribed" carried ${JSON.stringify(r.args)}, expected "${topic}"`);
        b!.emit("pub", topic, "after-unsub");
        const own = await b!.next(2_000, "msg", 'B\'s own "msg" (sender included)');
        expect(own.args[0] === "after-unsub", `B received ${describeValue(own.args[0])}, expected its own "after-unsub"`);
        const leaked = (await a!.drainFor(QUIET_MS)).filter((e) => e.name === "msg");
        expect(leaked.length === 0, `A received ${leaked.length} "msg" event(s) of room ${topic} after "unsubscribed"`);
      } finally {
        await closeAll([a!, b!]);
      }
    },
  },
};

const subIdempotent: Check = {
  id: "pubsub.sub-reply-idempotent",
  title: "replies subscribed to sub, and subscribing twice is one subscription",
  description:
    'A connection to /pubsub without topic sends {"op":"sub","topic":T} twice and must get {"op":"subscribed","topic":T} each time; a message then published to T by another connection (/pubsub?topic=T) reaches it exactly once; a subscriber of another topic receives nothing. socket.io: `sub` (T) twice → `subscribed` (T) twice, one `msg` per `pub`.',
  placement: "shared",
  timeoutMs: 6_000,
  run: {
    ws: async (ctx) => {
      const topic = topicName("sub");
      const a = await WsConn.open(wsUrl(ctx.server, "/pubsub"));
      const [pub] = await openSubscribers(ctx.server, topic, 1);
      const [other] = await openSubscribers(ctx.server, topicName("other"), 1);
      try {
        for (let i = 0; i < 2; i++) {
          a.send(JSON.stringify({ op: "sub", topic }));
          await expectControl(a, "subscribed", topic, `reply ${i + 1} to {"op":"sub"}`);
        }
        pub!.send(Buffer.from([9, 9, 9]));
        const m = await a.next(2_000, "the message published to the topic it subscribed with sub");
        expect(
          m.isBinary && m.data.equals(Buffer.from([9, 9, 9])),
          `expected the binary message [9,9,9], got ${m.isBinary ? "binary" : "text"} ${JSON.stringify(m.data.toString().slice(0, 100))}`,
        );
        const dup = await a.drainFor(QUIET_MS);
        expect(dup.length === 0, `received ${dup.length + 1} copies of one message after subscribing twice, expected exactly 1`);
        const cross = await other!.drainFor(0);
        expect(cross.length === 0, `a subscriber of another topic received ${cross.length} message(s) of topic ${topic}`);
      } finally {
        await closeAll([a, pub!, other!]);
      }
    },
    "socket.io": async (ctx) => {
      const topic = topicName("sub");
      const a = await SioConn.connect(ctx.server.httpUrl);
      const [pub] = await openSioSubscribers(ctx.server, topic, 1);
      const [other] = await openSioSubscribers(ctx.server, topicName("other"), 1);
      try {
        for (let i = 0; i < 2; i++) {
          a.emit("sub", topic);
          const r = await a.next(2_000, "subscribed", `"subscribed" reply ${i + 1}`);
          expect(r.args[0] === topic, `"subscribed" carried ${JSON.stringify(r.args)}, expected "${topic}"`);
        }
        pub!.emit("pub", topic, "once");
        const m = await a.next(2_000, "msg");
        expect(m.args[0] === "once", `expected "msg" "once", got ${describeValue(m.args[0])}`);
        const dup = (await a.drainFor(QUIET_MS)).filter((e) => e.name === "msg");
        expect(dup.length === 0, `received ${dup.length + 1} copies of one "pub" after subscribing twice, expected exactly 1`);
        const cross = (await other!.drainFor(0)).filter((e) => e.name === "msg");
        expect(cross.length === 0, `a member of another room received ${cross.length} "msg" event(s) of room ${topic}`);
      } finally {
        await closeAll([a, pub!, other!]);
      }
    },
  },
};

const unknownOp: Check = {
  id: "pubsub.unknown-op-error",
  title: "answers an unknown control op with an error and keeps the connection open",
  description:
    'Sends {"op":"bogus","topic":"x"} on /pubsub?topic=T: expects {"op":"error","reason":<non-empty string>}, never a delivery of it to T\'s subscribers, and the connection still works (a following sub gets its reply). socket.io: an unknown event → `op-error` (reason), still connected.',
  placement: "shared",
  timeoutMs: 6_000,
  run: {
    ws: async (ctx) => {
      const topic = topicName("op");
      const [a, b] = await openSubscribers(ctx.server, topic, 2);
      try {
        a!.send(JSON.stringify({ op: "bogus", topic: "x" }));
        const o = await expectControl(a!, "error", null, "the error reply to an unknown op");
        expect(typeof o.reason === "string" && o.reason.length > 0, `error reply has no reason string: ${JSON.stringify(o)}`);
        const leaked = await b!.drainFor(QUIET_MS);
        expect(
          leaked.length === 0,
          `a control message with an unknown op was delivered to a subscriber: ${JSON.stringify(leaked[0]?.data.toString().slice(0, 80))}`,
        );
        expect(a!.closeInfo === null, `the connection was closed (code ${a!.closeInfo?.code}) after an unknown op; it must stay open`);
        a!.send(JSON.stringify({ op: "sub", topic: "y" }));
        await expectControl(a!, "subscribed", "y", "the reply to a sub after the error");
        return `reason: ${JSON.stringify(o.reason)}`;
      } finally {
        await closeAll([a!, b!]);
      }
    },
    "socket.io": async (ctx) => {
      const a = await SioConn.connect(ctx.server.httpUrl);
      try {
        a.emit("bogus", "x");
        const e = await a.next(2_000, "op-error");
        expect(typeof e.args[0] === "string" && e.args[0].length > 0, `"op-error" carried ${JSON.stringify(e.args)}, expected a non-empty reason string`);
        await sleep(50);
        expect(a.disconnectInfo === null, `the client was disconnected after an unknown event; it must stay connected`);
        a.emit("sub", "y");
        await a.next(2_000, "subscribed", `"subscribed" after the error`);
        return `reason: ${JSON.stringify(e.args[0])}`;
      } finally {
        a.close();
      }
    },
  },
};

const noTopic: Check = {
  id: "pubsub.no-topic-error",
  title: "answers a data message on a connection without topic with the no-topic error",
  description: `A connection to /pubsub without topic sends "hello": expects exactly {"op":"error","reason":"${NO_TOPIC_REASON}"} and the connection stays open.`,
  notApplicable: { "socket.io": "socket.io's `pub` event names its topic, so there is no topic-less data message" },
  placement: "shared",
  timeoutMs: 4_000,
  run: {
    ws: async (ctx) => {
      const a = await WsConn.open(wsUrl(ctx.server, "/pubsub"));
      try {
        a.send("hello");
        const o = await expectControl(a, "error", null, "the no-topic error");
        expect(o.reason === NO_TOPIC_REASON, `reason is ${JSON.stringify(o.reason)}, expected ${JSON.stringify(NO_TOPIC_REASON)}`);
        await sleep(50);
        expect(a.closeInfo === null, `the connection was closed (code ${a.closeInfo?.code}); it must stay open`);
      } finally {
        await a.close();
      }
    },
  },
};

export const PUBSUB_CHECKS: readonly Check[] = [fanout, unsub, subIdempotent, unknownOp, noTopic];
