// @wsarena/driver-frame: the frame-level driver, plus the driver contract, payload codec and helpers every driver shares.
export * from "./contract.ts";
export * from "./payload.ts";
export * from "./common.ts";
export * from "./parser.ts";
export * from "./encode.ts";
export * from "./handshake.ts";
export { RawConn, RECV_BUFFER_BYTES, type MessageSink, type RawConnOptions } from "./conn.ts";
export { createFrameDriver } from "./driver.ts";
