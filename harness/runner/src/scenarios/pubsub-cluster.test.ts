// pubsub-cluster's plan, per-stack points, shared-core rule and headline (the cluster itself: cluster.test.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadOptions, LoadResult } from "@wsarena/loadgen";
import { describe, expect, it } from "vitest";
import { liveBrokerCount } from "@wsarena/host";
import { discoverStacks, type DiscoveredStack, liveServerCount } from "@wsarena/stacks";
import type { StackManifest } from "@wsarena/protocol/manifest";
import { runMatrix } from "../matrix.ts";
import { detailsOf, loadResultSet, type ClusterDetails, type RepetitionRecord } from "@wsarena/results";
import { fixedRepetitions } from "../repetitions.ts";
import { emptyLoadResult } from "./common.ts";
import { CLUSTER_PROCESSES, pubsubCluster, sharesCore } from "./pubsub-cluster.ts";
import { selectScenarios } from "./index.ts";

const manifest = (brokers?: Array<"redis" | "nats">): StackManifest =>
  ({
    id: "x",
    displayName: "x",
    runtime: "node",
    start: ["node"],
    versionOf: "x",
    protocol: "ws",
    approach: "idiomatic",
    notes: "",
    ...(brokers ? { brokers } : {}),
  }) as StackManifest;

describe("pubsub-cluster", () => {
  it("is in the scale group, so a run without --scenarios (core) never needs a broker", () => {
    expect(selectScenarios(undefined).map((s) => s.id)).not.toContain("pubsub-cluster");
    expect(selectScenarios(["scale"]).map((s) => s.id)).toContain("pubsub-cluster");
  });

  it("plans a single-process point beside each broker's cluster point at the same load", () => {
    const plan = pubsubCluster.plan("standard");
    const byBroker = new Map(plan.points.map((p) => [p.params.broker, p]));
    expect([...byBroker.keys()]).toEqual(["single", "redis", "nats"]);
    expect(byBroker.get("single")!.params.processes).toBe(1);
    expect(byBroker.get("redis")!.params.processes).toBe(CLUSTER_PROCESSES);
    expect(byBroker.get("nats")!.load).toEqual(byBroker.get("single")!.load);
  });

  it("runs only the brokers a stack lists, and skips a stack that lists none", () => {
    const plan = pubsubCluster.plan("standard");
    expect(pubsubCluster.pointsFor!(plan, manifest(["redis"])).map((p) => p.params.broker)).toEqual(["single", "redis"]);
    expect(pubsubCluster.unsupported!(manifest())).toMatch(/lists no brokers/);
    expect(pubsubCluster.unsupported!(manifest(["nats"]))).toBeNull();
  });

  it("flags shared-core when servers and broker outnumber the server cpus", () => {
    expect(sharesCore(2, true, [0])).toBe(true);
    expect(sharesCore(2, true, [0, 2, 3])).toBe(false);
    expect(sharesCore(2, false, [0, 2])).toBe(false);
  });

  it("takes the headline from the receivers on the processes without the publisher", () => {
    const point = pubsubCluster.plan("quick").points[1]!;
    const latency = (p99Us: number) => ({ count: 10, minUs: 1, meanUs: 2, p50Us: 2, p90Us: 3, p99Us, p999Us: p99Us, maxUs: p99Us });
    const details: ClusterDetails = {
      broker: "redis",
      processes: 2,
      brokerVersion: "Redis server v=7",
      brokerUsage: null,
      processUsage: [null, null],
      processCpus: ["", ""],
      sharedCore: false,
      receivers: [
        { group: "publisher-process", received: 10, latency: latency(100) },
        { group: "other-processes", received: 10, latency: latency(900) },
      ],
    };
    expect(pubsubCluster.value(point, { ...({} as RepetitionRecord), details })).toBe(900);
    expect(pubsubCluster.value(point, {} as RepetitionRecord)).toBeNaN();
  });

  it("in a run: skips a stack without brokers, runs only the listed broker's point on real processes, and leaves no broker or server behind", async () => {
    const out = mkdtempSync(join(tmpdir(), "wsarena-cluster-"));
    const ws = discoverStacks().find((x) => x.id === "ws")!;
    const redisOnly: DiscoveredStack = { ...ws, manifest: { ...ws.manifest, brokers: ["redis"] } };
    const single: DiscoveredStack = { ...ws, id: "ws-single", manifest: { ...ws.manifest, id: "ws-single", brokers: undefined } };
    const urls: string[][] = [];
    try {
      await runMatrix({
        runId: "cluster-test",
        outDir: out,
        stacks: [redisOnly, single],
        scenarios: [pubsubCluster],
        profile: "quick",
        repetitions: fixedRepetitions(1),
        pinning: null,
        // Stand-in load: records where each worker would connect; the servers and the broker are real.
        runLoad: async (o: LoadOptions): Promise<LoadResult> => {
          urls.push(o.workerUrls ?? []);
          const now = Date.now();
          return emptyLoadResult(o, now - 10, now);
        },
      });
      expect(liveServerCount()).toBe(0);
      expect(liveBrokerCount()).toBe(0);
      const set = loadResultSet(out);
      const skipped = set.measurements.find((m) => m.stack === "ws-single")!;
      expect(skipped.status).toBe("skipped");
      expect(skipped.reason).toMatch(/lists no brokers/);
      const ran = set.measurements.find((m) => m.stack === "ws")!;
      expect(ran.points.map((p) => p.params.broker)).toEqual(["single", "redis"]);
      // 1proc: both workers on the repetition's server; redis: one worker per cluster process, two distinct servers.
      expect(urls).toHaveLength(2);
      expect(new Set(urls[0]).size).toBe(1);
      expect(new Set(urls[1]).size).toBe(CLUSTER_PROCESSES);
      const redisRep = ran.points[1]!.reps[0]!;
      expect(redisRep.flags).toContain("shared-core");
      expect(detailsOf("pubsub-cluster", redisRep)?.brokerVersion).toMatch(/Redis/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
