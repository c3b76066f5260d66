// Checks for the contract's limits under hostile input, one per rule the hostile scenario's classifier names: frame
// lengths, fragmentation, close frames, bad upgrades, and POST /publish bodies over WSARENA_MAX_PAYLOAD.
import { connect } from "node:net";
import {
  OPCODE,
  closePayload,
  encodeRawFrame,
  expectFrames,
  HTTP_FAULTS,
  classifyOutcome,
  observeInput,
  upgradeRequestBytes,
  type Expectation,
  type HostileInput,
  type RawFrame,
} from "@wsarena/hostile";
import type { LaunchedServer } from "@wsarena/stacks";
import { deferred, expect, within } from "../util.ts";
import { SIO_WS_PATH, bytes, stats, withBystander } from "./common.ts";
import type { Check, CheckContext, CheckFn } from "../types.ts";

/** Reaction time allowed for each hostile input in these checks. */
export const HOSTILE_CHECK_REACTION_MS = 2_000;
/** WSARENA_MAX_PAYLOAD of the publish-limit checks' server. */
export const PUBLISH_MAX_PAYLOAD_BYTES = 4096;
/** Body the publish-limit checks offer: far over the cap, so buffering it shows in RSS. */
export const PUBLISH_OVERSIZE_BYTES = 64 * 1024 * 1024;
/** RSS may grow this much while refusing the oversize body (a buffered 64 MiB body would exceed it). */
export const PUBLISH_RSS_GROWTH_LIMIT_BYTES = 24 * 1024 * 1024;
/** Chunk size the body is written in. */
const PUBLISH_CHUNK_BYTES = 64 * 1024;

const pathOf = (ctx: CheckContext) => (ctx.protocol === "socket.io" ? SIO_WS_PATH : "/echo");
const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** Sends one hostile input (frames after an upgrade, or raw HTTP) and requires an outcome the contract allows. */
function hostileInput(what: string, build: (ctx: CheckContext) => { stage: HostileInput["stage"]; bytes: Buffer; expect: Expectation }): CheckFn {
  return (ctx) =>
    withBystander(ctx, ctx.server, what, async () => {
      const s = ctx.server;
      const path = pathOf(ctx);
      const b = build(ctx);
      const input: HostileInput = { id: what, cls: "random-header", ...b };
      const request = upgradeRequestBytes(`${s.host}:${s.port}`, path);
      const outcome = await observeInput(
        { host: s.host, port: s.port, path, protocol: ctx.protocol, hostHeader: `${s.host}:${s.port}` },
        input,
        request,
        HOSTILE_CHECK_REACTION_MS,
      );
      const c = classifyOutcome(input, outcome, ctx.protocol, new Map());
      expect(
        c.verdict === "contract",
        `after ${what} the server answered ${outcome}, expected ${[...b.expect.allowed, ...(b.expect.anyClose ? ["close:*"] : [])].join(" or ")}`,
      );
      return outcome;
    });
}

const framesInput =
  (...fs: RawFrame[]) =>
  () => {
    const bytes = Buffer.concat(fs.map(encodeRawFrame));
    return { stage: "frames" as const, bytes, expect: expectFrames(bytes, DEFAULT_MAX_PAYLOAD_BYTES) };
  };

interface FrameCase {
  id: string;
  title: string;
  description: string;
  what: string;
  frames: RawFrame[];
}

const x = (s: string) => Buffer.from(s);
const FRAME_CASES: FrameCase[] = [
  {
    id: "bad-input.length-over-max-payload",
    title: "closes with 1009 as soon as a frame header announces more than WSARENA_MAX_PAYLOAD",
    description:
      "On a raw connection (default WSARENA_MAX_PAYLOAD, 16 MiB), sends only the header of a text frame announcing 1 GiB and 4 payload bytes: the server must send close 1009 without waiting for the payload.",
    what: "a frame header announcing 1 GiB",
    frames: [{ opcode: OPCODE.text, payload: x("abcd"), declaredLength: 1n << 30n }],
  },
  {
    id: "bad-input.length-max-63bit",
    title: "closes with 1009 on a frame length of 2^63−1",
    description: "Sends a binary frame header with the 64-bit length 2^63−1 (the largest valid length): the server must send close 1009.",
    what: "a frame length of 2^63−1",
    frames: [{ opcode: OPCODE.binary, payload: x("abcd"), declaredLength: (1n << 63n) - 1n }],
  },
  {
    id: "bad-input.length-64bit-msb",
    title: "closes with 1002 on a frame length with the most significant bit set (2^64−1)",
    description:
      "Sends a binary frame header with the 64-bit length 2^64−1 (RFC 6455 §5.2: the most significant bit must be 0): the server must send close 1002.",
    what: "a frame length of 2^64−1",
    frames: [{ opcode: OPCODE.binary, payload: x("abcd"), declaredLength: (1n << 64n) - 1n }],
  },
  {
    id: "bad-input.fragmented-control-frame",
    title: "closes with 1002 on a fragmented control frame",
    description: "Sends a ping with FIN clear followed by a continuation (control frames must not be fragmented): the server must send close 1002.",
    what: "a ping with FIN clear",
    frames: [
      { opcode: OPCODE.ping, fin: false, payload: x("ab") },
      { opcode: OPCODE.continuation, payload: x("cd") },
    ],
  },
  {
    id: "bad-input.orphan-continuation",
    title: "closes with 1002 on a continuation frame with no message started",
    description: "Sends a continuation frame (FIN set) as the first frame: the server must send close 1002.",
    what: "a continuation with no start",
    frames: [{ opcode: OPCODE.continuation, payload: x("hello") }],
  },
  {
    id: "bad-input.data-mid-fragment",
    title: "closes with 1002 on a new data frame inside a fragmented message",
    description: "Sends a text frame with FIN clear, then a new text frame (not a continuation): the server must send close 1002.",
    what: "a new text frame inside a fragmented message",
    frames: [
      { opcode: OPCODE.text, fin: false, payload: x("part") },
      { opcode: OPCODE.text, payload: x("new") },
    ],
  },
  {
    id: "bad-input.close-1-byte-payload",
    title: "closes with 1002 on a close frame with a 1-byte payload",
    description: "Sends a close frame whose payload is one byte (a close payload is empty or starts with a 2-byte code): the server must send close 1002.",
    what: "a close frame with a 1-byte payload",
    frames: [{ opcode: OPCODE.close, payload: Buffer.from([0x03]) }],
  },
  {
    id: "bad-input.close-bad-code",
    title: "closes with 1002 on a close frame with a code a client must not send",
    description: "Sends a close frame with code 1005 (reserved: never sent on the wire, RFC 6455 §7.4.1): the server must send close 1002.",
    what: "a close frame with code 1005",
    frames: [{ opcode: OPCODE.close, payload: closePayload(1005) }],
  },
  {
    id: "bad-input.close-invalid-utf8-reason",
    title: "closes with 1007 on a close reason with invalid UTF-8",
    description: "Sends a close frame with code 1000 and the reason bytes C3 28 (invalid UTF-8): the server must send close 1007.",
    what: "a close reason with invalid UTF-8",
    frames: [{ opcode: OPCODE.close, payload: closePayload(1000, Buffer.from([0xc3, 0x28])) }],
  },
];

const frameChecks: Check[] = FRAME_CASES.map((c) => {
  const fn = hostileInput(c.what, framesInput(...c.frames));
  return {
    id: c.id,
    title: c.title,
    description: `${c.description} Another connection keeps echoing. socket.io: on its WebSocket transport, where RFC 6455 holds the same.`,
    placement: "destructive",
    timeoutMs: 8_000,
    run: { ws: fn, "socket.io": fn },
  };
});

const httpInput = (bytesOf: (ctx: CheckContext) => Buffer, fault: (typeof HTTP_FAULTS)[keyof typeof HTTP_FAULTS]) => (ctx: CheckContext) => ({
  stage: "http" as const,
  bytes: bytesOf(ctx),
  expect: { faults: [fault], allowed: fault.allowed, anyClose: false },
});
const hostHeader = (ctx: CheckContext) => `${ctx.server.host}:${ctx.server.port}`;

/** Size of the header line in the huge-header check. */
export const HUGE_HEADER_BYTES = 64 * 1024;

const httpChecks: Check[] = [
  {
    id: "bad-input.upgrade-missing-key",
    title: "refuses an upgrade without Sec-WebSocket-Key with HTTP 400",
    description:
      "An upgrade request to the echo endpoint (socket.io: its WebSocket transport) without Sec-WebSocket-Key must be answered with HTTP 400; another connection keeps echoing.",
    placement: "destructive",
    timeoutMs: 8_000,
    run: (() => {
      const fn = hostileInput(
        "an upgrade without Sec-WebSocket-Key",
        httpInput((ctx) => upgradeRequestBytes(hostHeader(ctx), pathOf(ctx), { withKey: false }), HTTP_FAULTS.missingKey),
      );
      return { ws: fn, "socket.io": fn };
    })(),
  },
  {
    id: "bad-input.garbage-before-upgrade",
    title: "refuses bytes that are not HTTP before an upgrade request with HTTP 400 or by closing",
    description:
      "Sends a line of binary garbage, then a valid upgrade request: the server must answer HTTP 400 (505 when it reads the garbage as a request line without a valid HTTP version) or close the TCP connection (never 101, never hold it); another connection keeps echoing.",
    placement: "destructive",
    timeoutMs: 8_000,
    run: (() => {
      const fn = hostileInput(
        "garbage before an upgrade request",
        httpInput(
          (ctx) =>
            Buffer.concat([
              Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x20, 0x0d, 0x0a]),
              upgradeRequestBytes(hostHeader(ctx), pathOf(ctx)),
            ]),
          HTTP_FAULTS.garbage,
        ),
      );
      return { ws: fn, "socket.io": fn };
    })(),
  },
  {
    id: "bad-input.huge-header-line",
    title: `refuses an upgrade request with a ${HUGE_HEADER_BYTES / 1024} KiB header line with HTTP 431/400/413 or by closing`,
    description: `An upgrade request with one ${HUGE_HEADER_BYTES / 1024} KiB header line must be answered with HTTP 431, 400 or 413, or the TCP connection closed (never 101, never held open); another connection keeps echoing.`,
    placement: "destructive",
    timeoutMs: 8_000,
    run: (() => {
      const fn = hostileInput(
        `an upgrade with a ${HUGE_HEADER_BYTES / 1024} KiB header line`,
        httpInput((ctx) => upgradeRequestBytes(hostHeader(ctx), pathOf(ctx), { extra: [`X-Huge: ${"a".repeat(HUGE_HEADER_BYTES)}`] }), HTTP_FAULTS.hugeHeader),
      );
      return { ws: fn, "socket.io": fn };
    })(),
  },
];

/** Offers an oversize POST /publish body (content-length or chunked) and returns the status, or how the connection ended. */
async function offerOversizeBody(server: LaunchedServer, chunked: boolean): Promise<{ status: number | null; sentBytes: number; ended: string | null }> {
  const s = connect({ host: server.host, port: server.port });
  s.on("error", () => {});
  let head = "";
  let status: number | null = null;
  let ended: string | null = null;
  const answered = deferred<void>();
  s.on("data", (d: Buffer) => {
    head += d.toString("latin1");
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (m) {
      status = Number(m[1]);
      answered.resolve();
    }
  });
  s.on("error", (e: Error) => {
    ended ??= `reset (${e.message})`;
    answered.resolve();
  });
  s.on("close", () => {
    ended ??= "closed";
    answered.resolve();
  });
  const framing = chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${PUBLISH_OVERSIZE_BYTES}`;
  s.write(`POST /publish/big HTTP/1.1\r\nHost: ${server.host}:${server.port}\r\nContent-Type: application/octet-stream\r\n${framing}\r\n\r\n`);
  const chunk = Buffer.alloc(PUBLISH_CHUNK_BYTES, 0x61);
  const framed = chunked ? Buffer.concat([Buffer.from(`${PUBLISH_CHUNK_BYTES.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]) : chunk;
  let sentBytes = 0;
  while (sentBytes < PUBLISH_OVERSIZE_BYTES && status === null && ended === null) {
    if (!s.write(framed)) await Promise.race([new Promise((r) => s.once("drain", r)), answered.promise]);
    sentBytes += PUBLISH_CHUNK_BYTES;
  }
  if (chunked && status === null && ended === null) s.write("0\r\n\r\n");
  await within(answered.promise, 5_000, "an answer to the oversize POST /publish").catch(() => {});
  s.destroy();
  return { status, sentBytes, ended };
}

function publishLimitRun(chunked: boolean): CheckFn {
  return async (ctx) => {
    const server = await ctx.launch({ WSARENA_MAX_PAYLOAD: String(PUBLISH_MAX_PAYLOAD_BYTES) });
    return withBystander(ctx, server, `an oversize ${chunked ? "chunked" : "content-length"} POST /publish body`, async () => {
      const before = await stats(server);
      const r = await offerOversizeBody(server, chunked);
      const after = await stats(server);
      const how = chunked ? "a chunked" : "a content-length";
      expect(
        r.status !== null,
        `${how} POST /publish body of ${bytes(PUBLISH_OVERSIZE_BYTES)} with WSARENA_MAX_PAYLOAD=${PUBLISH_MAX_PAYLOAD_BYTES}: the server ${r.ended ?? "did not answer"} after ${bytes(r.sentBytes)} without an HTTP answer, expected 413`,
      );
      expect(
        r.status === 413,
        `${how} POST /publish body of ${bytes(PUBLISH_OVERSIZE_BYTES)} with WSARENA_MAX_PAYLOAD=${PUBLISH_MAX_PAYLOAD_BYTES} answered ${r.status}, expected 413`,
      );
      const grew = after.rssBytes - before.rssBytes;
      expect(
        grew <= PUBLISH_RSS_GROWTH_LIMIT_BYTES,
        `refusing ${how} ${bytes(PUBLISH_OVERSIZE_BYTES)} body grew server RSS by ${bytes(grew)} (more than ${bytes(PUBLISH_RSS_GROWTH_LIMIT_BYTES)}): the body was buffered beyond WSARENA_MAX_PAYLOAD`,
      );
      return `413 after ${bytes(r.sentBytes)} sent; RSS ${grew >= 0 ? "+" : "−"}${bytes(Math.abs(grew))}`;
    });
  };
}

const publishChecks: Check[] = [false, true].map((chunked) => ({
  id: `http.publish-413-${chunked ? "chunked" : "content-length"}`,
  title: `answers 413 to a ${chunked ? "chunked" : "content-length"} POST /publish body over WSARENA_MAX_PAYLOAD without buffering it`,
  description: `Server with WSARENA_MAX_PAYLOAD=${PUBLISH_MAX_PAYLOAD_BYTES}: POST /publish/big with a ${bytes(PUBLISH_OVERSIZE_BYTES)} body (${chunked ? "Transfer-Encoding: chunked" : "Content-Length"}), written in ${PUBLISH_CHUNK_BYTES / 1024} KiB chunks until an answer comes: the answer must be HTTP 413 (closing the connection without one fails), /stats rssBytes may grow at most ${bytes(PUBLISH_RSS_GROWTH_LIMIT_BYTES)}, and another connection keeps echoing.`,
  placement: "dedicated" as const,
  timeoutMs: 20_000,
  run: { ws: publishLimitRun(chunked), "socket.io": publishLimitRun(chunked) },
}));

export const HOSTILE_CHECKS: readonly Check[] = [...frameChecks, ...httpChecks, ...publishChecks];
