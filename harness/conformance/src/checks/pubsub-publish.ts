// Pub/sub check of the HTTP side: POST /publish/<topic> reaches every subscriber, as text or binary by content type.
import type { LaunchedServer } from "@wsarena/stacks";
import { describeValue } from "../clients/sio-conn.ts";
import { expect, http } from "../util.ts";
import { QUIET_MS, closeAll, openSioSubscribers, openSubscribers, topicName } from "./pubsub.ts";
import type { Check } from "../types.ts";

interface PublishCase {
  contentType: string;
  body: Buffer;
  asText: boolean;
}

const PUBLISH_CASES: PublishCase[] = [
  { contentType: "text/plain; charset=utf-8", body: Buffer.from("plain é"), asText: true },
  { contentType: "application/json", body: Buffer.from('{"px":1}'), asText: true },
  { contentType: "application/octet-stream", body: Buffer.from([0, 1, 2, 250, 255]), asText: false },
];

async function postPublish(server: LaunchedServer, topic: string, c: PublishCase, subscribers: number): Promise<void> {
  const url = `${server.httpUrl}/publish/${encodeURIComponent(topic)}`;
  const a = await http(url, { method: "POST", headers: { "content-type": c.contentType }, body: c.body });
  expect(a.status === 200, `POST /publish/${topic} (${c.contentType}) answered ${a.status}, expected 200: ${a.text.slice(0, 200)}`);
  let body: { ok?: unknown; topic?: unknown; delivered?: unknown };
  try {
    body = JSON.parse(a.text) as typeof body;
  } catch {
    throw new Error(`POST /publish/${topic} answered non-JSON: ${a.text.slice(0, 200)}`);
  }
  expect(
    body.ok === true && body.topic === topic && body.delivered === subscribers,
    `POST /publish/${topic} answered ${a.text.slice(0, 200)}, expected {"ok":true,"topic":"${topic}","delivered":${subscribers}}`,
  );
}

const httpPublish: Check = {
  id: "pubsub.http-publish",
  title: "POST /publish/<topic> reaches every subscriber as text or binary by content type",
  description:
    'With 3 subscribers of T, POSTs a text/plain, an application/json and an application/octet-stream body to /publish/T: each answers 200 {"ok":true,"topic":T,"delivered":3} and every subscriber receives the body once, as a text frame for text/* and application/json, as binary otherwise (socket.io: `msg` with a string or a buffer). A topic without subscribers answers delivered 0.',
  placement: "shared",
  smoke: true,
  timeoutMs: 8_000,
  run: {
    ws: async (ctx) => {
      const topic = topicName("post");
      const subs = await openSubscribers(ctx.server, topic, 3);
      try {
        for (const c of PUBLISH_CASES) {
          await postPublish(ctx.server, topic, c, 3);
          for (const [i, s] of subs.entries()) {
            const m = await s.next(2_000, `the ${c.contentType} body on subscriber ${i}`);
            expect(m.isBinary === !c.asText, `a ${c.contentType} POST arrived as ${m.isBinary ? "binary" : "text"}, expected ${c.asText ? "text" : "binary"}`);
            expect(m.data.equals(c.body), `a ${c.contentType} POST arrived as ${m.data.toString("hex")}, expected ${c.body.toString("hex")}`);
          }
        }
        const extra = await Promise.all(subs.map((s) => s.drainFor(QUIET_MS)));
        expect(
          extra.every((e) => e.length === 0),
          "a subscriber received more messages than were POSTed (duplicates)",
        );
        await postPublish(ctx.server, topicName("nobody"), PUBLISH_CASES[0]!, 0);
      } finally {
        await closeAll(subs);
      }
    },
    "socket.io": async (ctx) => {
      const topic = topicName("post");
      const subs = await openSioSubscribers(ctx.server, topic, 3);
      try {
        for (const c of PUBLISH_CASES) {
          await postPublish(ctx.server, topic, c, 3);
          for (const [i, s] of subs.entries()) {
            const e = await s.next(2_000, "msg", `"msg" with the ${c.contentType} body on client ${i}`);
            const v = e.args[0];
            if (c.asText)
              expect(
                typeof v === "string" && v === c.body.toString(),
                `a ${c.contentType} POST arrived as ${describeValue(v)}, expected the string ${JSON.stringify(c.body.toString())}`,
              );
            else
              expect(
                v instanceof Uint8Array && Buffer.from(v).equals(c.body),
                `a ${c.contentType} POST arrived as ${describeValue(v)}, expected ${c.body.byteLength} binary bytes`,
              );
          }
        }
        await postPublish(ctx.server, topicName("nobody"), PUBLISH_CASES[0]!, 0);
      } finally {
        await closeAll(subs);
      }
    },
  },
};

/** Checks of POST /publish, in report order (after PUBSUB_CHECKS). */
export const PUBSUB_PUBLISH_CHECKS: readonly Check[] = [httpPublish];
