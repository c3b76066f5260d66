// @wsarena/driver-frame: the frame-level driver (raw sockets, pre-encoded frames, header-level receive parsing).
export * from "./parser.ts";
export * from "./encode.ts";
export { RawConn, RECV_BUFFER_BYTES, type MessageSink, type RawConnOptions } from "./conn.ts";
export { createFrameDriver } from "./driver.ts";
export { SioAdaptor, SIO_WS_PATH } from "./sio.ts";
export * from "./deflate.ts";
