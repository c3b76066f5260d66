// HTTP/1.1 upgrade request and response check for raw-socket WebSocket clients (RFC 6455 4.1).
import { createHash, randomBytes } from "node:crypto";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** A fresh Sec-WebSocket-Key. */
export function newKey(): string {
  return randomBytes(16).toString("base64");
}

/** The upgrade request bytes for `path` (including query) on `host`; `extensions` is a Sec-WebSocket-Extensions offer. */
export function upgradeRequest(host: string, path: string, key: string, extensions?: string): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extensions ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : ""}\r\n`,
    "latin1",
  );
}

/** Validates a complete response head (up to, not including, the blank line); returns an error text or null. */
export function checkUpgradeResponse(head: string, key: string): string | null {
  const lines = head.split("\r\n");
  const status = lines[0] ?? "";
  if (!/^HTTP\/1\.1 101\b/.test(status)) return `upgrade refused: ${status.slice(0, 80)}`;
  const expected = createHash("sha1")
    .update(key + GUID)
    .digest("base64");
  const accept = lines.find((l) => l.toLowerCase().startsWith("sec-websocket-accept:"));
  if (!accept || accept.slice(accept.indexOf(":") + 1).trim() !== expected) return "upgrade response has a wrong Sec-WebSocket-Accept";
  return null;
}
