// socket.io over a raw WebSocket, as the clients speak it: the Engine.IO v4 transport path and the `42[…]` event packet.

/** Engine.IO path and query of the WebSocket transport (socket.io's default path). */
export const SIO_WS_PATH = "/socket.io/?EIO=4&transport=websocket";

/** The socket.io text event packet of event `name` with `args` (JSON-encoded here): `42["name",…]`. */
export function sioEvent(name: string, args: readonly unknown[]): string {
  return `42${JSON.stringify([name, ...args])}`;
}

/** The socket.io text event packet of event `name` with `jsonArgs` already JSON-encoded (templates, pre-encoded payloads). */
export function sioEventPacket(name: string, jsonArgs: readonly string[]): string {
  return `42${JSON.stringify([name]).slice(0, -1)},${jsonArgs.join(",")}]`;
}
