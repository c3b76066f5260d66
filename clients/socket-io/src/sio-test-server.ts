// A small socket.io server with protocol v1's socket.io events (echo, stream → tick, pub → msg), for driver tests only.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { encodeBinaryTick, encodeJsonTick } from "@wsarena/protocol";

export interface TestSioServer {
  url: string;
  close(): Promise<void>;
}

export async function startTestSioServer(): Promise<TestSioServer> {
  const http = createServer();
  const ioServer = new Server(http, { transports: ["websocket"], perMessageDeflate: false });
  ioServer.on("connection", (socket) => {
    const topic = socket.handshake.query.topic;
    if (typeof topic === "string" && topic) void socket.join(topic);
    socket.on("echo", (arg: unknown) => socket.emit("echo", arg));
    socket.on("pub", (t: string, payload: unknown) => ioServer.to(t).emit("msg", payload));
    socket.on("stream", (p: { format: "json" | "binary"; rate: number; size: number }) => {
      let seq = 0;
      const timer = setInterval(() => {
        for (let i = 0; i < Math.max(1, p.rate / 100); i++) {
          const ts = Number(process.hrtime.bigint());
          socket.emit("tick", p.format === "json" ? encodeJsonTick(seq, ts, p.size) : Buffer.from(encodeBinaryTick(seq, ts, p.size)));
          seq++;
        }
      }, 10);
      socket.on("disconnect", () => clearInterval(timer));
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        ioServer.close(() => r());
      }),
  };
}
