// @wsarena/driver-kit: the driver contract, payload codec, shared lifecycle and helpers every driver uses, and the raw WebSocket upgrade.
export * from "./contract.ts";
export * from "./payload.ts";
export * from "./common.ts";
export * from "./lifecycle.ts";
export * from "./handshake.ts";
export * from "./library-conn.ts";
export * from "./frame-header.ts";
