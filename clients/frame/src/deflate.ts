// permessage-deflate (RFC 7692) for the frame driver: the offer, the server's answer, and a per-connection codec on
// node:zlib raw deflate with sync flush (the 00 00 ff ff tail stripped from what is sent, appended to what is received).
import zlib from "node:zlib";

/** The extension offer, as browsers make it: context takeover both ways, the server may shrink the client's window. */
export const DEFLATE_OFFER = "permessage-deflate; client_max_window_bits";

/** zlib level of the client's deflater: zlib's default, as ws and browsers use. */
export const DEFAULT_DEFLATE_LEVEL = zlib.constants.Z_DEFAULT_COMPRESSION;

/** zlib memLevel of the client's deflater (ws's default: 8). */
export const DEFAULT_DEFLATE_MEM_LEVEL = 8;

/** The tail a sync flush ends with; stripped from each sent message, appended to each received one (RFC 7692 7.2.1). */
export const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Parameters the server accepted (RFC 7692 7.1). */
export interface DeflateParams {
  /** The server resets its compressor after every message: each received message inflates alone. */
  serverNoContextTakeover: boolean;
  /** The client must reset its compressor after every message. */
  clientNoContextTakeover: boolean;
  /** LZ77 window of the server's compressor, bits (8–15). */
  serverMaxWindowBits: number;
  /** LZ77 window the client's compressor may use, bits (8–15). */
  clientMaxWindowBits: number;
}

/**
 * The permessage-deflate parameters in a 101 response head (the lines before the blank line): null when the server
 * did not accept the extension, an error text when its answer is not valid for our offer.
 */
export function parseDeflateResponse(head: string): DeflateParams | null | string {
  const values = head
    .split("\r\n")
    .filter((l) => l.toLowerCase().startsWith("sec-websocket-extensions:"))
    .flatMap((l) => l.slice(l.indexOf(":") + 1).split(","))
    .map((x) => x.trim())
    .filter(Boolean);
  if (values.length === 0) return null;
  if (values.length > 1) return `server answered ${values.length} extensions (${values.join(", ")}); only one permessage-deflate was offered`;
  const [name, ...params] = values[0]!.split(";").map((x) => x.trim());
  if (name !== "permessage-deflate") return `server answered extension "${name}", which was not offered`;
  const p: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
  const seen = new Set<string>();
  for (const param of params) {
    const [k, raw] = param.split("=").map((x) => x.trim());
    const key = k!.toLowerCase();
    if (seen.has(key)) return `permessage-deflate parameter ${key} given twice`;
    seen.add(key);
    const v = raw?.replace(/^"(.*)"$/, "$1");
    if (key === "server_no_context_takeover" || key === "client_no_context_takeover") {
      if (v !== undefined) return `permessage-deflate parameter ${key} takes no value, got "${v}"`;
      if (key === "server_no_context_takeover") p.serverNoContextTakeover = true;
      else p.clientNoContextTakeover = true;
    } else if (key === "server_max_window_bits" || key === "client_max_window_bits") {
      const bits = Number(v);
      if (!Number.isInteger(bits) || bits < 8 || bits > 15) return `permessage-deflate ${key}=${v ?? ""}: expected 8–15`;
      if (key === "server_max_window_bits") p.serverMaxWindowBits = bits;
      else p.clientMaxWindowBits = bits;
    } else return `unknown permessage-deflate parameter "${key}" in the server's answer`;
  }
  return p;
}

/** The native zlib handle inside a node:zlib stream (what zlib.deflateRawSync drives; stable since Node 12). */
interface ZlibHandle {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  reset(): void;
  close(): void;
}

/** Output buffer size of one native call; a larger result takes several calls. */
export const ZLIB_CHUNK_BYTES = 16 * 1024;

/**
 * A raw deflate or inflate stream driven synchronously and kept open across messages (node:zlib's *Sync functions
 * close their stream after one call, which loses the LZ77 window that context takeover needs): the loop of
 * zlib.processChunkSync on the stream's native handle.
 */
class SyncZlib {
  private readonly stream: zlib.DeflateRaw | zlib.InflateRaw;
  private readonly handle: ZlibHandle;
  /** [avail_out, avail_in] after each native call. */
  private readonly state: Uint32Array;
  private out = Buffer.allocUnsafe(ZLIB_CHUNK_BYTES);
  private error: Error | null = null;

  constructor(stream: zlib.DeflateRaw | zlib.InflateRaw) {
    this.stream = stream;
    const internals = stream as unknown as { _handle?: ZlibHandle; _writeState?: Uint32Array };
    if (!internals._handle || !internals._writeState)
      throw new Error(`node:zlib in Node ${process.versions.node} has no _handle/_writeState; permessage-deflate in the frame driver needs Node 12–22`);
    this.handle = internals._handle;
    this.state = internals._writeState;
    stream.on("error", (e: Error) => (this.error = e));
  }

  /** Everything `input` produces with a sync flush, as a buffer of its own. */
  process(input: Buffer): Buffer {
    const parts: Buffer[] = [];
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      const out = this.out;
      this.handle.writeSync(zlib.constants.Z_SYNC_FLUSH, input, inOff, inLen, out, 0, out.length);
      if (this.error) throw this.error;
      const availOut = this.state[0]!;
      const availIn = this.state[1]!;
      const have = out.length - availOut;
      inOff += inLen - availIn;
      inLen = availIn;
      if (availOut !== 0) {
        if (parts.length === 0) return Buffer.from(out.subarray(0, have));
        parts.push(Buffer.from(out.subarray(0, have)));
        return Buffer.concat(parts);
      }
      // Output buffer full: keep it and go on with a fresh one.
      parts.push(out);
      this.out = Buffer.allocUnsafe(ZLIB_CHUNK_BYTES);
    }
  }

  reset(): void {
    this.handle.reset();
  }

  close(): void {
    this.stream.close();
  }
}

/**
 * Compressor and decompressor of one connection. With context takeover (the default) both keep their LZ77 window
 * across messages, so one codec serves one connection, in message order. Each zlib stream is created at its first
 * use (as ws does): an idle connection holds none (a deflater holds ~260 KiB, 10k idle connections would hold GiBs).
 */
export class DeflateCodec {
  private deflaterZ: SyncZlib | null = null;
  private inflaterZ: SyncZlib | null = null;
  private readonly level: number;
  /** Compressed payload bytes produced (deflate) and consumed (inflate). */
  deflatedBytes = 0;
  inflatedBytes = 0;

  constructor(
    readonly params: DeflateParams,
    level: number = DEFAULT_DEFLATE_LEVEL,
  ) {
    // node:zlib makes no 8-bit raw deflate window (it uses 9), which would break a server's client_max_window_bits=8.
    if (params.clientMaxWindowBits < 9)
      throw new Error(`server asked for client_max_window_bits=${params.clientMaxWindowBits}; node:zlib cannot deflate with an 8-bit window`);
    this.level = level;
  }

  private get deflater(): SyncZlib {
    return (this.deflaterZ ??= new SyncZlib(
      zlib.createDeflateRaw({ level: this.level, memLevel: DEFAULT_DEFLATE_MEM_LEVEL, windowBits: this.params.clientMaxWindowBits }),
    ));
  }

  private get inflater(): SyncZlib {
    return (this.inflaterZ ??= new SyncZlib(zlib.createInflateRaw({ windowBits: 15 })));
  }

  /** The compressed payload of one message (without the sync-flush tail), for a frame with RSV1 set. */
  deflate(payload: Buffer): Buffer {
    let out = this.deflater.process(payload);
    if (out.length >= 4 && out[out.length - 4] === 0 && out[out.length - 3] === 0 && out[out.length - 2] === 0xff && out[out.length - 1] === 0xff)
      out = out.subarray(0, out.length - 4);
    if (this.params.clientNoContextTakeover) this.deflater.reset();
    this.deflatedBytes += out.length;
    return out;
  }

  /** The payload of one received message whose first frame had RSV1 set (`data` = its frames' payloads joined). */
  inflate(data: Buffer): Buffer {
    this.inflatedBytes += data.length;
    const out = this.inflater.process(Buffer.concat([data, DEFLATE_TAIL]));
    if (this.params.serverNoContextTakeover) this.inflater.reset();
    return out;
  }

  /** Frees the zlib streams. */
  close(): void {
    this.deflaterZ?.close();
    this.inflaterZ?.close();
    this.deflaterZ = this.inflaterZ = null;
  }
}

/** One masked client frame (zero masking key, as encode.ts) with RSV1 set: a compressed data message. */
export function compressedClientFrame(opcode: number, data: Buffer): Buffer {
  const len = data.length;
  const hs = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(hs + 4 + len);
  frame[0] = 0x80 | 0x40 | opcode;
  if (len < 126) frame[1] = 0x80 | len;
  else if (len < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(len / 4294967296), 2);
    frame.writeUInt32BE(len >>> 0, 6);
  }
  frame.writeUInt32BE(0, hs);
  data.copy(frame, hs + 4);
  return frame;
}

/**
 * Re-encodes pre-built client frames (masked with a zero key, unfragmented, as encode.ts and sio.ts build them) in
 * buf[0…len) as compressed frames, one message per data frame, in order through `codec`.
 */
export function deflateClientFrames(buf: Buffer, len: number, codec: DeflateCodec): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < len) {
    const b0 = buf[pos]!;
    const l7 = buf[pos + 1]! & 0x7f;
    const hs = (l7 === 126 ? 4 : l7 === 127 ? 10 : 2) + 4;
    const plen = l7 === 126 ? buf.readUInt16BE(pos + 2) : l7 === 127 ? buf.readUInt32BE(pos + 2) * 4294967296 + buf.readUInt32BE(pos + 6) : l7;
    const op = b0 & 0x0f;
    const payload = buf.subarray(pos + hs, pos + hs + plen);
    out.push(op === 1 || op === 2 ? compressedClientFrame(op, codec.deflate(payload)) : Buffer.from(buf.subarray(pos, pos + hs + plen)));
    pos += hs + plen;
  }
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
