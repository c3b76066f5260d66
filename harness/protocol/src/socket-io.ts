// socket.io over a raw WebSocket, as the clients speak it: the Engine.IO v4 transport path and the `42[…]` event packet.

/** Engine.IO path and query of the WebSocket transport (socket.io's default path). */
export const SIO_WS_PATH = "/socket.io/?EIO=4&transport=websocket";

/** Engine.IO "message" (4) carrying a socket.io EVENT (2): the start of every text event packet. */
export const SIO_EVENT_PREFIX = "42";

/** The socket.io text event packet of event `name` with `args` (JSON-encoded here): `42["name",…]`. */
export function sioEvent(name: string, args: readonly unknown[]): string {
  return `${SIO_EVENT_PREFIX}${JSON.stringify([name, ...args])}`;
}

/** The start of an event packet up to one more argument, `42["name",…,` (templates append the payload and `]`). */
export function sioEventHead(name: string, args: readonly unknown[] = []): string {
  return `${SIO_EVENT_PREFIX}${JSON.stringify([name, ...args]).slice(0, -1)},`;
}

/** The socket.io text event packet of event `name` with `jsonArgs` already JSON-encoded (templates, pre-encoded payloads). */
export function sioEventPacket(name: string, jsonArgs: readonly string[]): string {
  return `${sioEventHead(name)}${jsonArgs.join(",")}]`;
}

/** The event name and arguments of a text event packet, or null when `text` is not one. */
export function parseSioEvent(text: string): [string, ...unknown[]] | null {
  if (!text.startsWith(SIO_EVENT_PREFIX)) return null;
  const v = JSON.parse(text.slice(SIO_EVENT_PREFIX.length)) as unknown;
  return Array.isArray(v) && typeof v[0] === "string" ? (v as [string, ...unknown[]]) : null;
}
