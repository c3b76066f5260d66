// `pnpm bench:loadgen --sections deflate`: what permessage-deflate costs the frame driver. The codec alone per message,
// then client CPU per message with deflate off and on at the same fixed load against pinned servers (base and +deflate).
import { performance } from "node:perf_hooks";
import { DeflateCodec } from "@wsarena/driver-frame";
import { runLoad, type LoadOptions, type LoadResult } from "@wsarena/loadgen";
import { applyVariant, launchServer, type DiscoveredStack } from "@wsarena/stacks";

/** Messages per codec-only measurement. */
export const CODEC_MESSAGES = 200_000;
/** Fixed loads of the driver section: the same message count with deflate off and on, so CPU per message compares. */
export const DEFLATE_LOADS: readonly { name: string; load: Partial<LoadOptions> }[] = [
  { name: "echo-open 5k/s 64B text", load: { mode: "echo-open", connections: 8, rate: 5_000, size: 64, binary: false } },
  { name: "stream-json 10×1k/s", load: { mode: "stream", connections: 10, stream: { format: "json", rate: 1_000 } } },
];
/** Window and warm-up of each driver measurement. */
export const DEFLATE_DURATION_MS = 2_000;
export const DEFLATE_WARMUP_MS = 500;

/** A JSON market tick like the server's /stream ticks (seq and ts vary, the rest repeats). */
function tick(seq: number): Buffer {
  return Buffer.from(
    `{"seq":${seq},"ts":${1_000_000_000 + seq * 1000},"sym":"BTC-USD","price":${(60000 + (seq % 97) / 4).toFixed(2)},"qty":${1 + (seq % 5)},"side":"${seq % 2 ? "buy" : "sell"}"}`,
  );
}

/** µs per message of deflate then inflate through two codecs (context takeover, as negotiated by default). */
export function codecCostUs(messages: number = CODEC_MESSAGES): { deflateUs: number; inflateUs: number; ratio: number; rawBytes: number } {
  const params = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
  const a = new DeflateCodec(params);
  const b = new DeflateCodec(params);
  const msgs = Array.from({ length: 1000 }, (_, i) => tick(i));
  const compressed: Buffer[] = new Array(messages);
  let rawBytes = 0;
  let t0 = performance.now();
  for (let i = 0; i < messages; i++) {
    const m = msgs[i % msgs.length]!;
    rawBytes += m.length;
    compressed[i] = a.deflate(m);
  }
  const deflateMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < messages; i++) b.inflate(compressed[i]!);
  const inflateMs = performance.now() - t0;
  a.close();
  b.close();
  return {
    deflateUs: (deflateMs * 1000) / messages,
    inflateUs: (inflateMs * 1000) / messages,
    ratio: a.deflatedBytes / rawBytes,
    rawBytes: rawBytes / messages,
  };
}

/** Client CPU µs per message handled (sent + received) and wire bytes per received message of one load result. */
function perMessage(r: LoadResult): { cpuUs: number; wireRxBytes: number | null; wireTxBytes: number | null } {
  const sec = r.durationMs / 1000;
  const handled = (r.msgsPerSec + (r.mode === "stream" ? 0 : r.sentPerSec)) * sec;
  return {
    cpuUs: handled > 0 ? (r.clientCpu.cpuSeconds * 1e6) / handled : Number.NaN,
    wireRxBytes: r.wire && r.msgsPerSec > 0 ? r.wire.receivedBytesPerSec / r.msgsPerSec : null,
    wireTxBytes: r.wire && r.sentPerSec > 0 ? r.wire.sentBytesPerSec / r.sentPerSec : null,
  };
}

const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "n/a");

/** Prints the codec cost and, per stack, client CPU per message with deflate off and on; appends to `report`. */
export async function deflateSection(
  stacks: readonly DiscoveredStack[],
  reps: number,
  cpus: { server: string; client: string },
  report: Record<string, unknown>[],
): Promise<void> {
  const c = codecCostUs();
  console.error(`\n== deflate: the frame driver's permessage-deflate cost`);
  console.error(
    `codec alone (node:zlib, context takeover, ${c.rawBytes.toFixed(0)}-byte JSON ticks, ${CODEC_MESSAGES} messages): deflate ${f2(c.deflateUs)} µs/msg, inflate ${f2(c.inflateUs)} µs/msg, compressed to ${(c.ratio * 100).toFixed(1)} %`,
  );
  report.push({ check: "deflate-codec", deflateUsPerMsg: c.deflateUs, inflateUsPerMsg: c.inflateUs, compressedRatio: c.ratio });
  console.error(
    `driver at a fixed load (${DEFLATE_DURATION_MS} ms window, ${reps} reps, medians; server on cpu ${cpus.server}, client on cpu ${cpus.client}); client cpu µs per message handled (sent + received)`,
  );
  console.error("stack   load                         client µs/msg off → on   ×      wire B/msg rx off → on   tx off → on     msgs/s off / on");
  for (const st of stacks) {
    if (st.manifest.protocol !== "ws") {
      console.error(`${st.id}: skipped (the section drives plain WebSocket stacks)`);
      continue;
    }
    for (const { name, load } of DEFLATE_LOADS) {
      const runs: Record<"off" | "on", LoadResult[]> = { off: [], on: [] };
      for (const mode of ["off", "on"] as const) {
        const target = mode === "on" ? applyVariant(st, "deflate") : st;
        let server: Awaited<ReturnType<typeof launchServer>>;
        try {
          server = await launchServer(target, { cpus: cpus.server });
        } catch (e) {
          console.error(`${target.id}: cannot start (${(e as Error).message.split("\n").slice(0, 2).join(" ")})`);
          break;
        }
        try {
          for (let rep = 0; rep < reps; rep++) {
            runs[mode].push(
              await runLoad({
                url: server.wsUrl,
                clientCpus: cpus.client,
                driver: "frame",
                protocol: "ws",
                durationMs: DEFLATE_DURATION_MS,
                warmupMs: DEFLATE_WARMUP_MS,
                ...load,
                ...(mode === "on" ? { deflate: true } : {}),
              }),
            );
          }
        } finally {
          await server.stop();
        }
      }
      if (!runs.off.length || !runs.on.length) continue;
      const pm = (m: "off" | "on") => runs[m].map(perMessage);
      const off = pm("off");
      const on = pm("on");
      const cpuOff = med(off.map((x) => x.cpuUs));
      const cpuOn = med(on.map((x) => x.cpuUs));
      const rx = (xs: typeof off) => med(xs.map((x) => x.wireRxBytes ?? Number.NaN));
      const tx = (xs: typeof off) => med(xs.map((x) => x.wireTxBytes ?? Number.NaN));
      const rate = (m: "off" | "on") => med(runs[m].map((r) => r.msgsPerSec));
      const lost = [...runs.off, ...runs.on].reduce((a, r) => a + r.integrity.lost + r.integrity.corrupted, 0);
      console.error(
        `${st.id.padEnd(7)} ${name.padEnd(28)} ${f2(cpuOff).padStart(8)} → ${f2(cpuOn).padStart(6)}   ${f2(cpuOn / cpuOff).padStart(5)}   ${f2(rx(off)).padStart(8)} → ${f2(rx(on)).padStart(6)}   ${f2(tx(off)).padStart(6)} → ${f2(tx(on)).padStart(6)}   ${Math.round(rate("off"))} / ${Math.round(rate("on"))}${lost ? `  LOST/CORRUPTED ${lost}` : ""}`,
      );
      report.push({
        check: "deflate-driver",
        stack: st.id,
        load: name,
        clientCpuUsPerMsg: { off: cpuOff, on: cpuOn },
        wireRxBytesPerMsg: { off: rx(off), on: rx(on) },
        wireTxBytesPerMsg: { off: tx(off), on: tx(on) },
        msgsPerSec: { off: rate("off"), on: rate("on") },
        lostOrCorrupted: lost,
      });
    }
  }
}
