// The hostile pass: sends each input on its own connection, records the server's reaction, classifies it against the
// contract and the stack's deviations, and checks a bystander echo connection after every input.
import { connect, type Socket } from "node:net";
import { readFrameHeader } from "@wsarena/driver-kit";
import { readRssBytes } from "@wsarena/host";
import { sioEvent } from "@wsarena/protocol";
import { OPCODE, encodeRawFrame, type Outcome } from "./frames.ts";
import type { HostileClass, HostileInput } from "./inputs.ts";

/** How long a connection is watched for a reaction before the outcome is "none". */
export const HOSTILE_REACTION_MS = 300;
/** Time a bystander echo may take (generous: the machine may be shared and loaded). */
export const BYSTANDER_TIMEOUT_MS = 5_000;
/** How long an HTTP-stage input (garbage, huge header, missing key) is watched: servers parse large heads slower. */
export const HOSTILE_HTTP_REACTION_MS = 1_000;
/** A slowloris input holds this many connections... */
export const SLOWLORIS_CONNECTIONS = 20;
/** ...for this long, each sending one byte of its upgrade request per SLOWLORIS_DRIP_MS, never finishing it. */
export const SLOWLORIS_MS = 1_500;
export const SLOWLORIS_DRIP_MS = 100;
/** Time to connect and get the 101 before an input is written. */
export const UPGRADE_TIMEOUT_MS = 3_000;
/** RSS is read every this many inputs (and before and after the pass). */
export const RSS_SAMPLE_EVERY = 25;

/** Whether an outcome is the contract's, a documented deviation of the stack, or neither. */
export type Verdict = "contract" | "deviation" | "unexpected";

/** The classifier's answer for one input. */
export interface Classification {
  verdict: Verdict;
  /** Check id of the rule the input broke (the first fault), when it broke one. */
  check?: string;
}

/**
 * Classifies `outcome` of `input`: the contract's when the reference reading allows it; a deviation when the stack's
 * manifest lists one of the input's faults under `deviations`; else unexpected. On socket.io, frames that are valid
 * WebSocket but not engine.io packets may get any reaction (engine.io decides: it closes with an empty close frame,
 * 1005), so only faulty inputs are judged there, and only when no complete data message came before the fault.
 */
export function classifyOutcome(
  input: Pick<HostileInput, "expect">,
  outcome: Outcome,
  protocol: "ws" | "socket.io",
  deviations: ReadonlyMap<string, string>,
): Classification {
  const e = input.expect;
  const check = e.faults[0]?.check;
  const base = check !== undefined ? { check } : {};
  if (e.anyOutcome) return { verdict: "contract", ...base };
  if (protocol === "socket.io" && (e.faults.length === 0 || e.dataBeforeFault)) return { verdict: "contract", ...base };
  if (e.allowed.includes(outcome) || (e.anyClose && outcome.startsWith("close:"))) return { verdict: "contract", ...base };
  const documented = e.faults.find((f) => deviations.has(f.check));
  if (documented) return { verdict: "deviation", check: documented.check };
  return { verdict: "unexpected", ...base };
}

/** The outcome of one input as recorded. */
export interface InputResult {
  id: string;
  cls: HostileClass;
  outcome: Outcome;
  verdict: Verdict;
  check?: string;
  /** Outcomes the contract allows (for unexpected ones in reports). */
  allowed: readonly string[];
}

/** A raw connection that collects the server's frames, its close code and how TCP ended. */
class Watch {
  closeCode: number | null = null;
  dataFrames = 0;
  ended: "tcp-close" | "reset" | null = null;
  httpStatus: number | null = null;
  /** Text frames received (the bystander reads its echoes here). */
  readonly texts: string[] = [];
  onText: ((t: string) => void) | null = null;
  private buf = Buffer.alloc(0);
  private upgraded: boolean;
  private waiters: Array<() => void> = [];

  constructor(
    readonly socket: Socket,
    upgraded: boolean,
  ) {
    this.upgraded = upgraded;
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("error", () => this.finish("reset"));
    socket.on("end", () => this.finish("tcp-close"));
    socket.on("close", () => this.finish("tcp-close"));
  }

  private finish(how: "tcp-close" | "reset"): void {
    if (this.ended === null) this.ended = how;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    if (!this.upgraded) {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(this.buf.subarray(0, 20).toString("latin1"));
      if (m && this.httpStatus === null) this.httpStatus = Number(m[1]);
      const end = this.buf.indexOf("\r\n\r\n");
      if (end < 0) return this.wake();
      if (this.httpStatus !== 101) return this.wake();
      this.upgraded = true;
      this.buf = this.buf.subarray(end + 4);
    }
    for (;;) {
      const b = this.buf;
      const h = readFrameHeader(b);
      if (!h || b.length < h.payloadStart + h.length) break;
      const { opcode, payloadStart: off, length: len } = h;
      if (opcode === OPCODE.close && this.closeCode === null) this.closeCode = len >= 2 ? b.readUInt16BE(off) : 1005;
      else if (opcode <= OPCODE.binary) {
        this.dataFrames++;
        if (opcode === OPCODE.text) {
          const t = b.subarray(off, off + len).toString("utf8");
          this.texts.push(t);
          this.onText?.(t);
        }
      } else if (opcode === OPCODE.ping && !this.socket.destroyed)
        this.socket.write(encodeRawFrame({ opcode: OPCODE.pong, payload: b.subarray(off, off + len) }));
      this.buf = b.subarray(off + len);
    }
    this.wake();
  }

  /** Resolves when `pred` holds or `ms` passed. */
  async until(pred: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred() && Date.now() < deadline) {
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** Outcome after an upgraded connection got an input: close code, else echo, else how TCP ended, else none. */
  frameOutcome(dataBefore: number): Outcome {
    if (this.closeCode !== null) return `close:${this.closeCode}`;
    if (this.ended) return this.ended;
    return this.dataFrames > dataBefore ? "echo" : "none";
  }

  /** Outcome of a raw HTTP input: its status (101 included: the server accepted it), else how TCP ended, else none. */
  httpOutcome(): Outcome {
    if (this.httpStatus !== null) return `http:${this.httpStatus}`;
    return this.ended ?? "none";
  }
}

function open(host: string, port: number): Socket {
  const s = connect({ host, port });
  s.setNoDelay(true);
  s.on("error", () => {});
  return s;
}

/** Where the pass runs. */
export interface HostileEndpoint {
  host: string;
  port: number;
  /** Upgrade path of the echo endpoint. */
  path: string;
  protocol: "ws" | "socket.io";
  /** Host:port for the Host header. */
  hostHeader: string;
}

/** Opens an upgraded raw connection; throws when the answer is not 101 in time. */
async function upgraded(ep: HostileEndpoint, request: Buffer): Promise<Watch> {
  const s = open(ep.host, ep.port);
  const w = new Watch(s, false);
  s.write(request);
  await w.until(() => w.httpStatus !== null || w.ended !== null, UPGRADE_TIMEOUT_MS);
  if (w.httpStatus !== 101) {
    s.destroy();
    throw new Error(`the upgrade of ${ep.path} answered ${w.httpStatus ?? w.ended ?? "nothing"} within ${UPGRADE_TIMEOUT_MS} ms, expected 101`);
  }
  // socket.io: engine.io sends its open packet first; wait for it so it is not taken for an echo.
  if (ep.protocol === "socket.io") await w.until(() => w.dataFrames > 0 || w.ended !== null, 1_000);
  return w;
}

/** Sends one input and returns the server's reaction. */
export async function observeInput(ep: HostileEndpoint, input: HostileInput, request: Buffer, reactionMs = HOSTILE_REACTION_MS): Promise<Outcome> {
  if (input.stage === "http") {
    const s = open(ep.host, ep.port);
    const w = new Watch(s, false);
    s.write(input.bytes);
    await w.until(() => w.httpStatus !== null || w.ended !== null, Math.max(reactionMs, HOSTILE_HTTP_REACTION_MS));
    const o = w.httpOutcome();
    s.destroy();
    return o;
  }
  if (input.stage === "slowloris") {
    const socks = Array.from({ length: SLOWLORIS_CONNECTIONS }, () => open(ep.host, ep.port));
    const watches = socks.map((s) => new Watch(s, false));
    const until = Date.now() + SLOWLORIS_MS;
    for (let i = 0; Date.now() < until && i < input.bytes.length - 1; i++) {
      for (const s of socks) if (!s.destroyed) s.write(input.bytes.subarray(i, i + 1));
      await new Promise((r) => setTimeout(r, SLOWLORIS_DRIP_MS));
    }
    const o = watches[0]!.httpOutcome();
    for (const s of socks) s.destroy();
    return o;
  }
  const w = await upgraded(ep, request);
  const before = w.dataFrames;
  w.socket.write(input.bytes);
  if (input.stage === "half-open") w.socket.end();
  const echoOnly = input.expect.allowed.length === 1 && input.expect.allowed[0] === "echo";
  await w.until(() => w.closeCode !== null || w.ended !== null || (echoOnly && w.dataFrames > before), reactionMs);
  const o = w.frameOutcome(before);
  w.socket.destroy();
  return o;
}

/** A healthy connection kept open beside the pass: an echo round trip after every input. */
export class Bystander {
  private n = 0;
  private constructor(
    private readonly ep: HostileEndpoint,
    private readonly w: Watch,
    private readonly texts: string[],
  ) {}

  static async open(ep: HostileEndpoint, request: Buffer): Promise<Bystander> {
    const w = await upgraded(ep, request);
    const b = new Bystander(ep, w, w.texts);
    w.onText = (t) => {
      if (ep.protocol === "socket.io" && t === "2") b.send("3"); // engine.io ping → pong
    };
    if (ep.protocol === "socket.io") {
      b.send("40");
      await b.expectText((t) => t.startsWith("40"), "the socket.io connect packet");
    }
    return b;
  }

  private send(text: string): void {
    this.w.socket.write(encodeRawFrame({ opcode: OPCODE.text, payload: Buffer.from(text) }));
  }

  private async expectText(pred: (t: string) => boolean, what: string): Promise<void> {
    await this.w.until(() => this.texts.some(pred) || this.w.ended !== null || this.w.closeCode !== null, BYSTANDER_TIMEOUT_MS);
    const i = this.texts.findIndex(pred);
    if (i < 0)
      throw new Error(
        `no ${what} within ${BYSTANDER_TIMEOUT_MS} ms${this.w.closeCode !== null ? ` (closed ${this.w.closeCode})` : this.w.ended ? ` (${this.w.ended})` : ""}`,
      );
    this.texts.splice(0, i + 1);
  }

  /** One echo round trip; throws when it does not come back in time. */
  async echo(): Promise<void> {
    const msg = `bystander-${this.n++}`;
    if (this.ep.protocol === "socket.io") {
      const packet = sioEvent("echo", [msg]);
      this.send(packet);
      return this.expectText((t) => t === packet, `echo of ${msg}`);
    }
    this.send(msg);
    return this.expectText((t) => t === msg, `echo of ${msg}`);
  }

  close(): void {
    this.w.socket.destroy();
  }
}

/** Least-squares slope of y over x (units of y per unit of x); 0 with fewer than two points. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Everything the pass needs. */
export interface HostilePassOptions {
  endpoint: HostileEndpoint;
  inputs: readonly HostileInput[];
  /** Server pid (RSS from /proc). */
  pid: number;
  /** True while the server process runs. */
  alive: () => boolean;
  /** The stack's manifest deviations: check id → reason. */
  deviations: ReadonlyMap<string, string>;
  reactionMs?: number;
  signal?: AbortSignal;
}

/** The pass as measured; `details` of a hostile repetition (see HostileDetails in scenarios/hostile.ts). */
export interface HostilePassResult {
  /** Inputs sent (fewer than planned when the server died or the run was aborted). */
  inputsSent: number;
  results: InputResult[];
  /** 1 when the server process died during the pass. */
  deaths: number;
  /** Inputs after which the bystander's echo failed. */
  bystanderFailures: Array<{ afterInput: string; error: string }>;
  rssBeforeBytes: number | null;
  rssAfterBytes: number | null;
  /** RSS samples: ms since the pass started, bytes. */
  rssSamples: Array<{ atMs: number; rssBytes: number }>;
  startedMs: number;
  endedMs: number;
}

/** Runs the pass; never throws for a misbehaving server (a death or a failed bystander is recorded and the pass goes on or stops). */
export async function runHostilePass(opts: HostilePassOptions): Promise<HostilePassResult> {
  const ep = opts.endpoint;
  const request = Buffer.from(
    `GET ${ep.path} HTTP/1.1\r\nHost: ${ep.hostHeader}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: d3NhcmVuYS1ieXN0YW5kcg==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    "latin1",
  );
  const startedMs = Date.now();
  const rssSamples: HostilePassResult["rssSamples"] = [];
  const sample = () => {
    const r = readRssBytes(opts.pid);
    if (r !== null) rssSamples.push({ atMs: Date.now() - startedMs, rssBytes: r });
    return r;
  };
  const rssBeforeBytes = sample();
  const results: InputResult[] = [];
  const bystanderFailures: HostilePassResult["bystanderFailures"] = [];
  let deaths = 0;
  let bystander: Bystander | null = await Bystander.open(ep, request).catch((e: Error) => {
    bystanderFailures.push({ afterInput: "(before the pass)", error: e.message });
    return null;
  });
  for (const [i, input] of opts.inputs.entries()) {
    if (opts.signal?.aborted) break;
    let outcome: Outcome;
    try {
      outcome = await observeInput(ep, input, request, opts.reactionMs);
    } catch {
      outcome = "reset"; // the upgrade before the input failed: recorded against the input, the bystander says whether the server is still serving
    }
    const c = classifyOutcome(input, outcome, ep.protocol, opts.deviations);
    results.push({
      id: input.id,
      cls: input.cls,
      outcome,
      verdict: c.verdict,
      ...(c.check !== undefined ? { check: c.check } : {}),
      allowed: input.expect.anyOutcome ? ["any"] : [...input.expect.allowed, ...(input.expect.anyClose ? ["close:*"] : [])],
    });
    if (!opts.alive()) {
      deaths = 1;
      break;
    }
    try {
      if (!bystander) bystander = await Bystander.open(ep, request);
      await bystander.echo();
    } catch (e) {
      bystanderFailures.push({ afterInput: input.id, error: (e as Error).message });
      bystander?.close();
      bystander = null;
    }
    if ((i + 1) % RSS_SAMPLE_EVERY === 0) sample();
  }
  bystander?.close();
  if (!opts.alive()) deaths = 1;
  const rssAfterBytes = sample();
  return { inputsSent: results.length, results, deaths, bystanderFailures, rssBeforeBytes, rssAfterBytes, rssSamples, startedMs, endedMs: Date.now() };
}
