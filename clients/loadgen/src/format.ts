// Readable one-screen summary of a LoadResult (the CLI without --json).
import { fmtBytes, fmtNum as n, fmtPct } from "@wsarena/format";
import type { LoadResult } from "./types.ts";

/** Multi-line human summary. */
export function formatResult(r: LoadResult): string {
  const o = r.options;
  const lines: string[] = [];
  lines.push(
    `${r.driver} ${r.mode} → ${o.url} (${o.protocol}) · ${o.mode === "pubsub" ? `${o.pubsub.subscribers} subscribers, ${o.pubsub.publishers} publishers` : `${o.connections} connections`}` +
      `${o.mode === "echo" ? ` × window ${o.window}` : ""}${o.mode === "echo-open" || o.mode === "pubsub" ? ` · offered ${n(o.rate)} msgs/s` : ""}${o.shape ? ` ${o.shape}` : ""} · ${o.size} B ${o.binary ? "binary" : "text"} · window ${(r.durationMs / 1000).toFixed(2)} s`,
  );
  lines.push(`throughput   ${n(r.msgsPerSec)} msgs/s received · ${fmtBytes(r.bytesPerSec)}/s · ${n(r.sentPerSec)} msgs/s sent`);
  const l = r.latency;
  lines.push(
    l
      ? `latency µs   p50 ${n(l.p50Us)} · p90 ${n(l.p90Us)} · p99 ${n(l.p99Us)} · p99.9 ${n(l.p999Us)} · max ${n(l.maxUs)} (${n(l.count)} samples)`
      : "latency      none recorded",
  );
  const g = r.schedulerLagUs;
  if (g)
    lines.push(
      `sched lag µs p50 ${n(g.p50Us)} · p90 ${n(g.p90Us)} · p99 ${n(g.p99Us)} · max ${n(g.maxUs)} (client scheduler lateness per tick: the latency floor)`,
    );
  const i = r.integrity;
  lines.push(
    `integrity    sent ${n(i.sent)} · received ${n(i.received)} · lost ${n(i.lost)} · duplicated ${n(i.duplicated)} · reordered ${n(i.reordered)} · corrupted ${n(i.corrupted)}`,
  );
  const c = r.connect;
  lines.push(
    `connect      ${n(c.succeeded)}/${n(c.attempted)} ok · ${n(c.perSec)}/s · p50 ${n(c.p50Us)} µs · p99 ${n(c.p99Us)} µs · max ${n(c.maxUs)} µs${c.failed ? ` · ${c.failed} failed: ${c.errors.join("; ")}` : ""}`,
  );
  const cpu = r.clientCpu;
  lines.push(
    `client cpu   ${fmtPct(cpu.utilisation, 1)} of ${cpu.cpus ? `cpu ${cpu.cpus}` : "unpinned cores"} (${cpu.workers} worker${cpu.workers > 1 ? "s" : ""}, ${cpu.cpuSeconds.toFixed(2)} cpu-s) · ${n(r.msgsPerClientCpuSec)} msgs per client cpu-s${cpu.usPerMsg != null ? ` · ${cpu.usPerMsg.toFixed(2)} µs per msg` : ""}`,
  );
  const rx = r.receive;
  if (rx && rx.reads > 0) {
    const sec = r.durationMs / 1000;
    lines.push(
      `receive      ${n(rx.reads / sec)} reads/s · ${(rx.messages / rx.reads).toFixed(2)} msgs per read · ${fmtBytes(rx.bytes / rx.reads)} per read · ${((cpu.cpuSeconds * 1e6) / rx.reads).toFixed(2)} client cpu µs per read`,
    );
  }
  if (Object.keys(r.closeCodes).length)
    lines.push(
      `close codes  ${Object.entries(r.closeCodes)
        .map(([k, v]) => `${k}×${v}`)
        .join(" ")}`,
    );
  if (r.errors.length) lines.push(`errors       ${r.errors.join("\n             ")}`);
  return lines.join("\n");
}
