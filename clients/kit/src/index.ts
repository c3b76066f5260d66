// @wsarena/driver-kit: the driver contract, payload codec and helpers every driver shares, and the raw WebSocket upgrade.
export * from "./contract.ts";
export * from "./payload.ts";
export * from "./common.ts";
export * from "./handshake.ts";
