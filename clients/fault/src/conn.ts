// One client connection of the fault client over the `ws` library: ws endpoints or socket.io (Engine.IO v4 over a
// WebSocket, connect + ping replies by hand), with the failure of an attempt classified (refused, reset, timeout, HTTP status).
import { parseSioEvent, SIO_WS_PATH, sioEvent } from "@wsarena/protocol";
import WebSocket from "ws";
import type { ConnectOutcome, Target } from "./types.ts";

/** A failed attempt: its class and the detail. */
export class ConnectError extends Error {
  constructor(
    readonly outcome: ConnectOutcome,
    detail: string,
  ) {
    super(detail);
  }
}

/** The class of a socket error raised before the connection was usable. */
export function classifyError(e: Error & { code?: string }): ConnectOutcome {
  const code = e.code ?? "";
  if (code === "ECONNREFUSED") return "refused";
  if (code === "ECONNRESET" || code === "EPIPE" || /socket hang up/i.test(e.message)) return "reset";
  if (code === "ETIMEDOUT" || /handshake has timed out/i.test(e.message)) return "timeout";
  return "other";
}

/** What an open connection reports. */
export interface ConnHandlers {
  /** A data message: ws endpoints give the raw frame; socket.io gives the event name and its first argument. */
  onMessage(data: Buffer | string, event: string | null): void;
  /** The connection ended (code 1006 = no close frame). */
  onClose(code: number): void;
}

/** An open connection. */
export interface OpenConn {
  ws: WebSocket;
  /** Upgrade (and socket.io connect) time, µs. */
  connectUs: number;
  /** Sends a control/event: ws = the text as is; socket.io = event `name` with JSON-encoded `args`. */
  emit(name: string, args: unknown[], wsText: string): void;
}

/**
 * Opens `path` (ws; ignored for socket.io, whose query carries `sioQuery`) and resolves once usable, or rejects with a
 * ConnectError. Handlers are attached from the start, so nothing sent right after the open is missed.
 */
export function openConn(t: Target, path: string, timeoutMs: number, h: ConnHandlers, sioQuery = ""): Promise<OpenConn> {
  const url = t.protocol === "socket.io" ? `${t.wsUrl}${SIO_WS_PATH}${sioQuery}` : `${t.wsUrl}${path}`;
  const t0 = process.hrtime.bigint();
  return new Promise<OpenConn>((resolve, reject) => {
    let settled = false;
    let usable = false;
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const conn: OpenConn = {
      ws,
      connectUs: 0,
      emit: (name, args, wsText) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(t.protocol === "socket.io" ? sioEvent(name, args) : wsText);
      },
    };
    const timer = setTimeout(
      () => fail(new ConnectError("timeout", `no ${t.protocol === "socket.io" ? "socket.io connect" : "upgrade"} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (e: ConnectError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(e);
    };
    const ok = () => {
      if (settled) return;
      settled = true;
      usable = true;
      clearTimeout(timer);
      conn.connectUs = Number(process.hrtime.bigint() - t0) / 1000;
      resolve(conn);
    };
    ws.on("unexpected-response", (req, res) => {
      fail(new ConnectError(`http-${res.statusCode ?? 0}`, `upgrade answered HTTP ${res.statusCode}`));
      req.destroy();
    });
    ws.on("error", (e: Error & { code?: string }) => {
      if (!usable) fail(new ConnectError(classifyError(e), `${e.code ?? ""} ${e.message}`.trim()));
    });
    ws.on("close", (code) => {
      if (!usable) fail(new ConnectError(`close-${code}`, `closed with ${code} before the connection was usable`));
      else h.onClose(code);
    });
    ws.on("open", () => {
      if (t.protocol === "ws") ok();
    });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (t.protocol === "ws") {
        if (usable) h.onMessage(isBinary ? data : data.toString(), null);
        return;
      }
      const s = data.toString();
      if (s === "2")
        ws.send("3"); // Engine.IO ping → pong
      else if (s.startsWith("0{"))
        ws.send("40"); // Engine.IO open → socket.io connect
      else if (s.startsWith("40")) ok();
      else if (s.startsWith("44")) fail(new ConnectError("other", `socket.io connect refused: ${s.slice(2, 120)}`));
      else if (usable) {
        const arr = parseSioEvent(s);
        if (arr) h.onMessage(typeof arr[1] === "string" ? arr[1] : JSON.stringify(arr[1] ?? null), arr[0]);
      }
    });
  });
}
