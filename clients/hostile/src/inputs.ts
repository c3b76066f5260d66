// Hostile inputs: seeded generators of malformed traffic per input class, each with the outcome the contract allows.
import { prng } from "@wsarena/stats";
import { OPCODE, closePayload, encodeRawFrame, expectFrames, type Expectation, type Fault, type RawFrame } from "./frames.ts";

/** Input classes of the hostile pass, in report order. */
export const HOSTILE_CLASSES = [
  "random-header",
  "wrong-length",
  "reserved-opcode",
  "reserved-bits",
  "fragmented-control",
  "orphan-continuation",
  "data-mid-fragment",
  "oversize-frame",
  "invalid-utf8",
  "unmasked",
  "bad-close",
  "garbage-before-upgrade",
  "huge-header",
  "missing-key",
  "half-open",
  "slowloris",
] as const;
export type HostileClass = (typeof HOSTILE_CLASSES)[number];

/**
 * How an input is delivered: "frames" = written after a successful upgrade; "http" = written on a fresh TCP connection
 * instead of an upgrade request; "half-open" = written after the upgrade, then the client half-closes (FIN) and waits;
 * "slowloris" = an upgrade request dribbled byte by byte on several connections and never finished.
 */
export type HostileStage = "frames" | "http" | "half-open" | "slowloris";

/** One hostile input and what the contract allows for it. */
export interface HostileInput {
  /** `<class>-<n>`, unique in a pass. */
  id: string;
  cls: HostileClass;
  stage: HostileStage;
  /** The bytes sent (see stage). */
  bytes: Buffer;
  /** The contract's reading; `anyOutcome` for inputs where only survival is asserted (half-open, slowloris). */
  expect: Expectation & { anyOutcome?: boolean };
}

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const bytesOf = (r: Rand, n: number): Buffer => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(r, 0, 255);
  return b;
};
const ascii = (r: Rand, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(r, 0x20, 0x7e)));

/** Invalid UTF-8 sequences: bad continuation, lone surrogate, overlong, out of range, stray bytes. */
export const INVALID_UTF8_SEQUENCES: readonly Buffer[] = [
  [0xc3, 0x28],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xff],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
].map((x) => Buffer.from(x));
/** Close codes a client must not send (RFC 6455 §7.4). */
export const BAD_CLOSE_CODES: readonly number[] = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
/** Sizes of the huge header line, KiB: 64 KiB and more must be refused (Node's limit is 16 KiB; Deno accepts 32 KiB). */
export const HUGE_HEADER_LINE_KIB: readonly number[] = [64, 128, 256, 512];
/** Fixed Sec-WebSocket-Key of hostile upgrades (inputs encode identically every time). */
export const HOSTILE_KEY = "d3NhcmVuYS1ob3N0aWxlIQ==";

/** An upgrade request for `path`; `extra` header lines are added, `withKey: false` leaves out Sec-WebSocket-Key. */
export function upgradeRequestBytes(host: string, path: string, opts: { withKey?: boolean; extra?: string[] } = {}): Buffer {
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    ...(opts.withKey === false ? [] : [`Sec-WebSocket-Key: ${HOSTILE_KEY}`]),
    "Sec-WebSocket-Version: 13",
    ...(opts.extra ?? []),
  ];
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
}

/** Where the inputs go: the endpoint of the echo (socket.io: its WebSocket transport) and the limits the server runs with. */
export interface HostileTarget {
  /** Host:port for the Host header. */
  hostHeader: string;
  /** Upgrade path of the echo endpoint (`/echo`, or socket.io's `/socket.io/?EIO=4&transport=websocket`). */
  path: string;
  /** WSARENA_MAX_PAYLOAD of the server. */
  maxPayloadBytes: number;
}

const frames = (t: HostileTarget, ...fs: RawFrame[]): { bytes: Buffer; expect: Expectation } => {
  const bytes = Buffer.concat(fs.map(encodeRawFrame));
  return { bytes, expect: expectFrames(bytes, t.maxPayloadBytes) };
};
const dataOp = (r: Rand): number => pick(r, [OPCODE.text, OPCODE.binary]);
const text = (r: Rand, n: number): Buffer => ascii(r, n);

/** Faults of the HTTP-stage inputs (frame faults are named by expectFrames). */
export const HTTP_FAULTS = {
  missingKey: { check: "bad-input.upgrade-missing-key", allowed: ["http:400"] },
  // 505: a garbled request line often carries no valid HTTP version (RFC 9112 §2.3), which Bun answers with 505.
  garbage: { check: "bad-input.garbage-before-upgrade", allowed: ["http:400", "http:505", "tcp-close", "reset"] },
  hugeHeader: { check: "bad-input.huge-header-line", allowed: ["http:400", "http:413", "http:431", "tcp-close", "reset"] },
} as const satisfies Record<string, Fault>;

const httpInput = (bytes: Buffer, fault: Fault): { bytes: Buffer; expect: Expectation } => ({
  bytes,
  expect: { faults: [fault], allowed: fault.allowed, anyClose: false },
});

type Generated = { bytes: Buffer; expect: Expectation; stage: HostileStage };
const staged = (x: { bytes: Buffer; expect: Expectation }, stage: HostileStage = "frames"): Generated => ({ ...x, stage });
/** The contract's reading of inputs where only survival is asserted (half-open, slowloris). */
const anyOutcome = (): Expectation => ({ faults: [], allowed: [], anyClose: false, anyOutcome: true }) as Expectation;

/** A random 2-14 byte frame header (mostly masked) followed by up to 64 random bytes. */
function randomHeader(r: Rand, t: HostileTarget): Generated {
  const head = bytesOf(r, int(r, 2, 14));
  if (r() < 0.7) head[1] = head[1]! | 0x80; // mostly masked, so more inputs get past the mask check
  const bytes = Buffer.concat([head, bytesOf(r, int(r, 0, 64))]);
  return staged({ bytes, expect: expectFrames(bytes, t.maxPayloadBytes) });
}

/** A data frame whose declared length is off by 1-40 bytes either way. */
function wrongLength(r: Rand, t: HostileTarget): Generated {
  const payload = text(r, int(r, 0, 300));
  const delta = int(r, 1, 40) * (r() < 0.5 ? -1 : 1);
  const declared = BigInt(Math.max(0, payload.length + delta));
  return staged(frames(t, { opcode: dataOp(r), payload, declaredLength: declared }));
}

/** A control frame sent unfinished, followed by a continuation. */
function fragmentedControl(r: Rand, t: HostileTarget): Generated {
  const opcode = pick(r, [OPCODE.ping, OPCODE.pong, OPCODE.close]);
  const payload = opcode === OPCODE.close ? closePayload(1000) : text(r, int(r, 0, 100));
  return staged(frames(t, { opcode, fin: false, payload }, { opcode: OPCODE.continuation, payload: text(r, 4) }));
}

/** A data frame declaring more than the server's limit (up to 2^64 - 1) with a short payload. */
function oversizeFrame(r: Rand, t: HostileTarget): Generated {
  const max = BigInt(t.maxPayloadBytes);
  const choice = int(r, 0, 3);
  const declared = choice === 0 ? (1n << 63n) - 1n : choice === 1 ? (1n << 64n) - 1n : max + 1n + BigInt(int(r, 0, 1 << 30));
  return staged(frames(t, { opcode: dataOp(r), payload: bytesOf(r, int(r, 0, 16)), declaredLength: declared }));
}

/** A text message carrying an invalid UTF-8 sequence, sometimes split over two fragments. */
function invalidUtf8(r: Rand, t: HostileTarget): Generated {
  const bad = pick(r, INVALID_UTF8_SEQUENCES);
  const payload = Buffer.concat([text(r, int(r, 0, 50)), bad, text(r, int(r, 0, 50))]);
  if (r() < 0.3) {
    const cut = int(r, 0, payload.length);
    return staged(
      frames(t, { opcode: OPCODE.text, fin: false, payload: payload.subarray(0, cut) }, { opcode: OPCODE.continuation, payload: payload.subarray(cut) }),
    );
  }
  return staged(frames(t, { opcode: OPCODE.text, payload }));
}

/** A close frame with a 1-byte payload, a forbidden code, an invalid UTF-8 reason, or (the control) a valid close. */
function badClose(r: Rand, t: HostileTarget): Generated {
  const kind = int(r, 0, 3);
  const payload =
    kind === 0
      ? Buffer.from([int(r, 0, 255)]) // 1-byte payload
      : kind === 1
        ? closePayload(pick(r, BAD_CLOSE_CODES), text(r, int(r, 0, 20)))
        : kind === 2
          ? closePayload(1000, Buffer.concat([text(r, int(r, 0, 10)), pick(r, INVALID_UTF8_SEQUENCES)]))
          : closePayload(pick(r, [1000, 1001, 3000, 4999])); // a valid close: any close answer is right
  return staged(frames(t, { opcode: OPCODE.close, payload }));
}

/** A line of garbage (binary or ASCII, no line breaks) before an otherwise valid upgrade request. */
function garbageBeforeUpgrade(r: Rand, t: HostileTarget): Generated {
  const garbage = r() < 0.5 ? bytesOf(r, int(r, 1, 200)) : ascii(r, int(r, 1, 200));
  const bytes = Buffer.concat([garbage.map((x) => (x === 0x0a || x === 0x0d ? 0x20 : x)), Buffer.from("\r\n"), upgradeRequestBytes(t.hostHeader, t.path)]);
  return staged(httpInput(bytes, HTTP_FAULTS.garbage), "http");
}

/** A data frame cut short; the client then half-closes. */
function halfOpen(r: Rand): Generated {
  const whole = encodeRawFrame({ opcode: dataOp(r), payload: text(r, int(r, 10, 2000)) });
  const bytes = whole.subarray(0, int(r, 0, whole.length - 1));
  return { bytes, expect: anyOutcome(), stage: "half-open" };
}

/** Makes one input of class `cls` from the PRNG (frames are 0-64 KiB on the wire; the oversize ones lie about it). */
function generate(cls: HostileClass, r: Rand, t: HostileTarget): Generated {
  switch (cls) {
    case "random-header":
      return randomHeader(r, t);
    case "wrong-length":
      return wrongLength(r, t);
    case "reserved-opcode":
      return staged(frames(t, { opcode: pick(r, [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]), payload: text(r, int(r, 0, 200)) }));
    case "reserved-bits":
      return staged(frames(t, { opcode: pick(r, [OPCODE.text, OPCODE.binary, OPCODE.ping]), rsv: int(r, 1, 7), payload: text(r, int(r, 0, 100)) }));
    case "fragmented-control":
      return fragmentedControl(r, t);
    case "orphan-continuation":
      return staged(frames(t, { opcode: OPCODE.continuation, fin: r() < 0.5, payload: text(r, int(r, 0, 200)) }));
    case "data-mid-fragment":
      return staged(frames(t, { opcode: dataOp(r), fin: false, payload: text(r, int(r, 1, 100)) }, { opcode: dataOp(r), payload: text(r, int(r, 1, 100)) }));
    case "oversize-frame":
      return oversizeFrame(r, t);
    case "invalid-utf8":
      return invalidUtf8(r, t);
    case "unmasked":
      return staged(frames(t, { opcode: pick(r, [OPCODE.text, OPCODE.binary, OPCODE.ping]), mask: false, payload: text(r, int(r, 0, 100)) }));
    case "bad-close":
      return badClose(r, t);
    case "garbage-before-upgrade":
      return garbageBeforeUpgrade(r, t);
    case "huge-header": {
      const size = pick(r, HUGE_HEADER_LINE_KIB) * 1024;
      return staged(httpInput(upgradeRequestBytes(t.hostHeader, t.path, { extra: [`X-Huge: ${"a".repeat(size)}`] }), HTTP_FAULTS.hugeHeader), "http");
    }
    case "missing-key":
      return staged(httpInput(upgradeRequestBytes(t.hostHeader, t.path, { withKey: false }), HTTP_FAULTS.missingKey), "http");
    case "half-open":
      return halfOpen(r);
    case "slowloris":
      return { bytes: upgradeRequestBytes(t.hostHeader, t.path), expect: anyOutcome(), stage: "slowloris" };
  }
}

/** How many inputs of the pass each class gets: slowloris and half-open are slow, so they get fixed small counts. */
export interface HostileMix {
  /** Total inputs. */
  inputs: number;
  /** Slowloris inputs among them (each holds its connections for SLOWLORIS_MS). */
  slowloris: number;
  /** Half-open inputs among them (each waits the reaction time). */
  halfOpen: number;
}

/** The inputs of one pass: the same (seed, mix, target) always gives the same list; classes are interleaved. */
export function hostileInputs(seed: number, mix: HostileMix, t: HostileTarget): HostileInput[] {
  const r = prng(seed);
  const fast = HOSTILE_CLASSES.filter((c) => c !== "slowloris" && c !== "half-open");
  const rest = Math.max(0, mix.inputs - mix.slowloris - mix.halfOpen);
  const classes: HostileClass[] = [];
  for (let i = 0; i < rest; i++) classes.push(fast[i % fast.length]!);
  // Spread the slow ones evenly through the pass so the bystander is checked against them at different memory states.
  const slow: HostileClass[] = [...Array<HostileClass>(mix.halfOpen).fill("half-open"), ...Array<HostileClass>(mix.slowloris).fill("slowloris")];
  slow.forEach((c, i) => classes.splice(Math.floor(((i + 1) * classes.length) / (slow.length + 1)) + i, 0, c));
  const seen = new Map<HostileClass, number>();
  return classes.map((cls) => {
    const n = seen.get(cls) ?? 0;
    seen.set(cls, n + 1);
    return { id: `${cls}-${n}`, cls, ...generate(cls, r, t) };
  });
}
