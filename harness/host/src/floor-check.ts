// Prints the platform floor of each core, what the probe costs and what quiet-gate checks see (the figures behind the
// thresholds in quiet.ts): `node --import tsx src/floor-check.ts [seconds] [cpus] [checks] [intervalUs]`
// (pnpm --filter @wsarena/host floor:check). A benchmark that prints, not a test: run it under the bench lock.
import { availableParallelism } from "node:os";
import { FLOOR_INTERVAL_US, startFloorProbes } from "./floor.ts";
import { parseCpuList } from "./pin.ts";
import { checkQuiet } from "./quiet.ts";
import { clockTicksPerSec, readProcessCpuTicks } from "./sample.ts";

const seconds = Number(process.argv[2] ?? 10);
const cpus = parseCpuList(process.argv[3] ?? `0-${availableParallelism() - 1}`, "cpus");
const checks = Number(process.argv[4] ?? 8);
const intervalUs = Number(process.argv[5] ?? FLOOR_INTERVAL_US);
const probes = await startFloorProbes(
  cpus.map((cpu) => ({ cpu, role: "server" as const })),
  intervalUs,
);
try {
  const ticksBefore = probes.probes.map((p) => readProcessCpuTicks(p.pid) ?? 0);
  const startMs = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const endMs = Date.now();
  const ticksAfter = probes.probes.map((p) => readProcessCpuTicks(p.pid) ?? 0);
  const windows = await probes.windows(startMs, endMs);
  for (const w of windows) {
    const k = probes.probes.findIndex((p) => p.cpu === w.cpu);
    const procPct = ((ticksAfter[k]! - ticksBefore[k]!) / clockTicksPerSec() / ((endMs - startMs) / 1000)) * 100;
    const s = w.summary;
    console.log(
      `cpu ${w.cpu}: ${w.wakeups} wake-ups in ${((endMs - startMs) / 1000).toFixed(1)} s; lateness µs p50 ${s?.p50Us} p90 ${s?.p90Us} p99 ${s?.p99Us} p99.9 ${s?.p999Us} max ${s?.maxUs}; ` +
        `probe CPU ${w.probeCpuPct} % of a core (getrusage), ${procPct.toFixed(2)} % (/proc/${probes.probes[k]!.pid}/stat)`,
    );
  }
  for (let i = 0; i < checks; i++) {
    const c = await checkQuiet({ serverPid: null, serverCpus: cpus, clientCpus: [], probes });
    console.log(
      `quiet check ${i + 1}: ${c.ok ? "quiet" : "NOT quiet"}; ` +
        c.cores.map((r) => `cpu ${r.cpu} busy ${r.busyPct} % foreign ${r.foreignBusyPct} % probe p99 ${r.probeP99Us} µs`).join("; "),
    );
  }
} finally {
  await probes.stop();
}
