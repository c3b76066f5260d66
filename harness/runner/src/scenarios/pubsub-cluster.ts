// pubsub-cluster: pub/sub across 2+ server processes joined by a real broker (Redis, NATS) that the scenario starts,
// next to the same load on one process; cross-process latency per receiver, exactly-once, broker CPU and RSS.
import os from "node:os";
import type { LoadResult } from "@wsarena/loadgen";
import { mergeHistograms, summarize } from "@wsarena/stats";
import { BROKER_ENV } from "@wsarena/protocol/broker";
import {
  BROKER_KINDS,
  startBroker,
  type BrokerKind,
  type RunningBroker,
  DEFAULT_SAMPLE_INTERVAL_MS,
  startSampler,
  summariseUsage,
  type Sampler,
} from "@wsarena/host";
import type { LaunchedServer } from "@wsarena/stacks";
import type { StackManifest } from "@wsarena/protocol/manifest";
import { detailsOf, type ClusterBroker, type ClusterDetails, type ReceiverGroup } from "@wsarena/results";
import { checkIntegrity, checkReceived } from "./checks.ts";
import { PUBSUB_TOPIC, baseLoad, rateLabel } from "./common.ts";
import type { Profile, Scenario, ScenarioPlan, ScenarioPoint, ScenarioRunContext, ScenarioWindow, WindowOutcome } from "./types.ts";

/** Payload bytes of a published message. */
export const CLUSTER_SIZE_BYTES = 64;
/** Publishing connections (all on the first process). */
export const CLUSTER_PUBLISHERS = 1;
/** Server processes of a cluster point. */
export const CLUSTER_PROCESSES = 2;

/** Subscribers (spread evenly over the processes) and publish rate per profile; deliveries/s = rate × (subscribers + publishers). */
export const CLUSTER_POINTS: Readonly<Record<Profile, ReadonlyArray<{ subscribers: number; publishPerSec: number }>>> = {
  quick: [{ subscribers: 50, publishPerSec: 200 }],
  standard: [{ subscribers: 100, publishPerSec: 500 }],
  full: [
    { subscribers: 100, publishPerSec: 500 },
    { subscribers: 1_000, publishPerSec: 100 },
  ],
};

/** The cross-process receivers' group (the headline), or undefined. */
export function otherProcesses(details: ClusterDetails | null): ReceiverGroup | undefined {
  return details?.receivers.find((g) => g.group === "other-processes");
}

function brokerOf(point: ScenarioPoint): ClusterBroker {
  return point.params.broker as ClusterBroker;
}

/** Every receiver (subscribers and the publisher) gets every message published in the window exactly once. */
function checkExactlyOnce(o: WindowOutcome): string[] {
  const { sent, lost, duplicated } = o.result.integrity;
  if (lost === 0 && duplicated === 0) return [];
  const receivers = o.point.load.pubsub.subscribers + o.point.load.pubsub.publishers;
  return [`exactly-once across processes: ${sent} messages × ${receivers} receivers expected once each; ${lost} deliveries missing, ${duplicated} duplicated`];
}

/** True when `processes` servers plus a broker (if any) cannot each have a core of their own. */
export function sharesCore(processes: number, withBroker: boolean, serverCpus: readonly number[]): boolean {
  const cores = serverCpus.length > 0 ? serverCpus.length : os.availableParallelism();
  return processes + (withBroker ? 1 : 0) > cores;
}

function receiverGroups(result: LoadResult): ReceiverGroup[] {
  const workers = result.perWorker ?? [];
  const pub = workers.filter((w) => w.publishers > 0);
  const other = workers.filter((w) => w.publishers === 0);
  const group = (name: ReceiverGroup["group"], ws: typeof workers): ReceiverGroup => ({
    group: name,
    received: ws.reduce((a, w) => a + w.received, 0),
    latency: summarize(mergeHistograms(ws.map((w) => w.histogram))),
  });
  return [group("publisher-process", pub), group("other-processes", other)];
}

async function runCluster(point: ScenarioPoint, ctx: ScenarioRunContext): Promise<ScenarioWindow> {
  const kind = brokerOf(point);
  const processes = Number(point.params.processes);
  if (kind === "single") {
    // The same client layout (one worker per process slot), every worker on the repetition's one server.
    const result = await ctx.runLoad({ ...point.load, workerUrls: Array.from({ length: CLUSTER_PROCESSES }, () => ctx.server.wsUrl) });
    const details: ClusterDetails = {
      broker: kind,
      processes: 1,
      brokerVersion: null,
      brokerUsage: null,
      processUsage: [],
      processCpus: [ctx.serverCpus.join(",")],
      sharedCore: false,
      receivers: receiverGroups(result),
    };
    return { ...result, details };
  }
  const allCpus = ctx.serverCpus.length ? ctx.serverCpus.join(",") : undefined;
  const processCpus = Array.from({ length: processes }, (_, i) => (ctx.serverCpus.length ? String(ctx.serverCpus[i % ctx.serverCpus.length]) : ""));
  let broker: RunningBroker | null = null;
  const servers: LaunchedServer[] = [];
  const samplers: Sampler[] = [];
  try {
    broker = await startBroker(kind, allCpus !== undefined ? { cpus: allCpus } : {});
    for (const cpus of processCpus) servers.push(await launchOrThrow(ctx, { env: { [BROKER_ENV]: broker.url }, ...(cpus ? { cpus } : {}) }));
    samplers.push(startSampler(broker.pid, [], DEFAULT_SAMPLE_INTERVAL_MS), ...servers.map((s) => startSampler(s.pid, [], DEFAULT_SAMPLE_INTERVAL_MS)));
    const result = await ctx.runLoad({ ...point.load, workerUrls: servers.map((s) => s.wsUrl) });
    samplers.forEach((s) => s.stop());
    const usage = samplers.map((s) => summariseUsage(s.readings(), result.windowStartMs, result.windowEndMs, DEFAULT_SAMPLE_INTERVAL_MS, 0));
    const sharedCore = sharesCore(processes, true, ctx.serverCpus);
    const details: ClusterDetails = {
      broker: kind,
      processes,
      brokerVersion: broker.version,
      brokerUsage: usage[0] ?? null,
      processUsage: usage.slice(1),
      processCpus,
      sharedCore,
      receivers: receiverGroups(result),
    };
    return { ...result, details, ...(sharedCore ? { flags: ["shared-core" as const] } : {}) };
  } finally {
    samplers.forEach((s) => s.stop());
    await Promise.all(servers.map((s) => s.stop()));
    await broker?.stop();
  }
}

export const pubsubCluster: Scenario = {
  id: "pubsub-cluster",
  description: `Pub/sub over ${CLUSTER_PROCESSES} server processes joined by a broker the harness starts (Redis, NATS), beside the same load on one process: cross-process latency per receiver, exactly-once, broker CPU and RSS.`,
  metric: () => ({ name: "p99Us", unit: "µs", better: "lower" }),
  // Headline: the receivers on the processes without the publisher (cross-process; in "single", the same receivers on one process).
  value: (_p, r) => otherProcesses(detailsOf("pubsub-cluster", r))?.latency?.p99Us ?? Number.NaN,
  plan(profile: Profile): ScenarioPlan {
    const brokers: ClusterBroker[] = ["single", ...BROKER_KINDS];
    return {
      params: { publishers: CLUSTER_PUBLISHERS, size: CLUSTER_SIZE_BYTES, topic: PUBSUB_TOPIC, processes: CLUSTER_PROCESSES },
      points: CLUSTER_POINTS[profile].flatMap(({ subscribers, publishPerSec }) =>
        brokers.map((broker): ScenarioPoint => {
          const processes = broker === "single" ? 1 : CLUSTER_PROCESSES;
          return {
            key: `${broker === "single" ? "1proc" : `${broker}-${processes}proc`}-${subscribers}sub-${rateLabel(publishPerSec)}/s`,
            params: { broker, processes, subscribers, publishPerSec, deliveriesPerSec: (subscribers + CLUSTER_PUBLISHERS) * publishPerSec },
            kind: "latency",
            load: baseLoad(profile, {
              mode: "pubsub",
              connections: subscribers,
              rate: publishPerSec,
              size: CLUSTER_SIZE_BYTES,
              binary: false,
              pubsub: { subscribers, publishers: CLUSTER_PUBLISHERS, topic: PUBSUB_TOPIC },
            }),
          };
        }),
      ),
    };
  },
  run: runCluster,
  unsupported: (m: StackManifest) => (m.brokers?.length ? null : "its stack.json lists no brokers (field brokers): it runs as one process only"),
  pointsFor: (plan: ScenarioPlan, m: StackManifest) =>
    plan.points.filter((p) => brokerOf(p) === "single" || (m.brokers ?? []).includes(brokerOf(p) as BrokerKind)),
  postcondition: (o) => [...checkReceived(o), ...checkIntegrity(o), ...checkExactlyOnce(o)],
};

/** ctx.launchServer, or an error saying the runner context cannot launch more processes. */
function launchOrThrow(ctx: ScenarioRunContext, opts: Parameters<NonNullable<ScenarioRunContext["launchServer"]>>[0]): Promise<LaunchedServer> {
  if (!ctx.launchServer)
    return Promise.reject(
      new Error("pubsub-cluster launches more server processes, but this runner context cannot (launchServer not given); run it through runMatrix"),
    );
  return ctx.launchServer(opts);
}
