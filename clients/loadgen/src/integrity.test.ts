import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { encodeJsonTick, tickPrice } from "@wsarena/protocol";
import { runLoad } from "./run-load.ts";

/** What the faulty server did, summed over connections. */
interface Faults {
  messages: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
}

/**
 * An /echo server that misbehaves on a fixed schedule per connection (message index k mod 50):
 * 7 dropped, 19 echoed twice, 29 held back and sent after message 30, 41 echoed with its first byte changed.
 */
function faultyServer(): { wss: WebSocketServer; faults: Faults } {
  const faults: Faults = { messages: 0, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0 };
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/echo", perMessageDeflate: false });
  wss.on("connection", (ws: WebSocket) => {
    let k = 0;
    let held: { data: Buffer; binary: boolean } | null = null;
    let heldTimer: NodeJS.Timeout | undefined;
    ws.on("message", (data: Buffer, binary: boolean) => {
      faults.messages++;
      const i = k++ % 50;
      if (i === 7) {
        faults.dropped++;
      } else if (i === 19) {
        ws.send(data, { binary });
        ws.send(data, { binary });
        faults.duplicated++;
      } else if (i === 29) {
        held = { data, binary };
        // Released unreordered if the next message never comes (end of the run).
        heldTimer = setTimeout(() => {
          if (held) ws.send(held.data, { binary: held.binary });
          held = null;
        }, 200);
      } else if (i === 41) {
        const bad = Buffer.from(data);
        bad[0]! ^= 0x01; // stays valid UTF-8 in text frames

        ws.send(bad, { binary });
        faults.corrupted++;
      } else {
        ws.send(data, { binary });
        if (held) {
          clearTimeout(heldTimer);
          ws.send(held.data, { binary: held.binary });
          held = null;
          faults.reordered++;
        }
      }
    });
  });
  return { wss, faults };
}

describe("integrity counters against a server that drops, duplicates, reorders and corrupts", () => {
  let server: ReturnType<typeof faultyServer>;
  let url: string;
  beforeAll(async () => {
    server = faultyServer();
    await new Promise<void>((r) => server.wss.on("listening", () => r()));
    url = `ws://127.0.0.1:${(server.wss.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.wss.close(() => r())));

  for (const driver of ["frame", "ws"] as const) {
    for (const binary of [true, false]) {
      it(`${driver} driver (${binary ? "binary" : "text"}) counts exactly what the server did`, async () => {
        const f = server.faults;
        const before = { ...f };
        const r = await runLoad({ url, driver, mode: "echo-open", connections: 4, rate: 4000, size: 64, binary, durationMs: 1000, warmupMs: 0 });
        const did = {
          messages: f.messages - before.messages,
          dropped: f.dropped - before.dropped,
          duplicated: f.duplicated - before.duplicated,
          reordered: f.reordered - before.reordered,
          corrupted: f.corrupted - before.corrupted,
        };
        expect(did.dropped).toBeGreaterThan(10);
        expect(did.reordered).toBeGreaterThan(10);
        expect(r.integrity).toEqual({
          sent: did.messages,
          received: did.messages - did.dropped + did.duplicated,
          lost: did.dropped,
          duplicated: did.duplicated,
          reordered: did.reordered,
          corrupted: did.corrupted,
        });
      }, 20_000);
    }
  }
});

/**
 * A /stream server sending JSON ticks (2 per ms per connection) where every tick with seq mod 50 = 7 has its px
 * changed to the px of the next seq: well-formed JSON, wrong content. Records the send time of each tick it corrupted.
 */
function corruptingStreamServer(): { wss: WebSocketServer; corruptedAt: number[] } {
  const corruptedAt: number[] = [];
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/stream", perMessageDeflate: false });
  wss.on("connection", (ws: WebSocket) => {
    let seq = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 2; i++, seq++) {
        const ts = Number(process.hrtime.bigint());
        let text = encodeJsonTick(seq, ts, 0);
        if (seq % 50 === 7) {
          text = text.replace(`"px":${tickPrice(seq)}`, `"px":${tickPrice(seq + 1)}`);
          corruptedAt.push(ts);
        }
        ws.send(text);
      }
    }, 1);
    ws.on("close", () => clearInterval(timer));
  });
  return { wss, corruptedAt };
}

describe("integrity counters against a stream server that corrupts JSON ticks", () => {
  let server: ReturnType<typeof corruptingStreamServer>;
  let url: string;
  beforeAll(async () => {
    server = corruptingStreamServer();
    await new Promise<void>((r) => server.wss.on("listening", () => r()));
    url = `ws://127.0.0.1:${(server.wss.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.wss.close(() => r())));

  for (const driver of ["frame", "ws"] as const) {
    it(`${driver} driver counts the corrupted ticks and nothing else`, async () => {
      const from = server.corruptedAt.length;
      const connections = 2;
      const r = await runLoad({ url, driver, mode: "stream", connections, stream: { format: "json", rate: 0 }, durationMs: 1000, warmupMs: 200 });
      // Corrupted ticks are counted when received from the window start until the connections close (just after the
      // window end), so compare with what the server corrupted in the window, allowing one per connection at each edge.
      const sentInWindow = r.integrity.sent;
      const expected = sentInWindow / 50;
      expect(server.corruptedAt.length - from).toBeGreaterThan(0);
      expect(r.integrity.corrupted).toBeGreaterThan(expected - 2 * connections);
      expect(r.integrity.corrupted).toBeLessThan(expected + 2 * connections);
      expect(r.integrity.duplicated).toBe(0);
      expect(r.integrity.reordered).toBe(0);
      // Every seq of the window range arrived, intact or flagged corrupted.
      expect(r.integrity.lost).toBeLessThanOrEqual(2 * connections);
      expect(r.integrity.received).toBeGreaterThan(1000);
    }, 20_000);
  }
});
