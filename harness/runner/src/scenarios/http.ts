// http: the HTTP plane on autocannon. GET /health requests/s and response time; POST /publish/<topic> from autocannon with
// WebSocket subscribers measuring fan-out latency per receiver ("REST publish, WebSocket delivery"), exactly-once checked.
import { MIN_TEXT_PAYLOAD_BYTES } from "@wsarena/driver-kit";
import { runHttpLoad } from "@wsarena/http-load";
import { checkIntegrity, checkReceived, checkStatsOut } from "./checks.ts";
import { PUBSUB_TOPIC, baseLoad, rateLabel } from "./common.ts";
import type { Profile, Scenario, ScenarioPlan, ScenarioPoint, WindowOutcome } from "./types.ts";

/** Body bytes of a published message: the smallest text payload that carries seq, sender, send time and check word. */
export const HTTP_PUBLISH_SIZE_BYTES = MIN_TEXT_PAYLOAD_BYTES;
/** autocannon pipelining of every point (one request in flight per connection, as browsers and most clients do). */
export const HTTP_PIPELINING = 1;
/** autocannon connections of a publish point: one REST publisher, each publish waits for the previous answer. */
export const HTTP_PUBLISH_CONNECTIONS = 1;

/** GET /health points: autocannon connections, as fast as the server answers. */
export const HTTP_HEALTH_POINTS: Readonly<Record<Profile, readonly number[]>> = {
  quick: [10],
  standard: [10, 100],
  full: [1, 10, 100],
};

/**
 * POST /publish points: subscribers and publishes/s (autocannon's overallRate, which it paces per second: up to that
 * many back-to-back publishes at the start of each second, one in flight at a time).
 */
export const HTTP_PUBLISH_POINTS: Readonly<Record<Profile, ReadonlyArray<{ subscribers: number; publishPerSec: number }>>> = {
  quick: [{ subscribers: 50, publishPerSec: 200 }],
  standard: [
    { subscribers: 50, publishPerSec: 200 },
    { subscribers: 500, publishPerSec: 100 },
  ],
  full: [
    { subscribers: 50, publishPerSec: 200 },
    { subscribers: 500, publishPerSec: 100 },
    { subscribers: 1_000, publishPerSec: 100 },
  ],
};

const isPublish = (p: ScenarioPoint): boolean => p.params.target === "publish";

/** Every in-window publish reached every subscriber exactly once. */
function checkExactlyOnce(o: WindowOutcome): string[] {
  const { sent, lost, duplicated } = o.result.integrity;
  if (lost === 0 && duplicated === 0) return [];
  return [
    `exactly-once: ${sent} publishes × ${o.point.load.pubsub.subscribers} subscribers expected once each; ${lost} deliveries missing, ${duplicated} duplicated`,
  ];
}

/** Health: every in-window request was answered (2xx counted by the load; non-2xx land in errors). */
function checkAnswered(o: WindowOutcome): string[] {
  const i = o.result.integrity;
  if (i.sent === 0) return ["no request was sent in the measured window"];
  return i.lost > 0 ? [`${i.lost} of ${i.sent} in-window requests got no answer`] : [];
}

export const http: Scenario = {
  id: "http",
  description:
    "The HTTP plane on autocannon: GET /health requests/s and response time; POST /publish fan-out latency to WebSocket subscribers, exactly-once checked.",
  metric: (p) => (isPublish(p) ? { name: "p99Us", unit: "µs", better: "lower" } : { name: "requestsPerSec", unit: "req/s", better: "higher" }),
  value: (p, r) => (isPublish(p) ? (r.latency?.p99Us ?? Number.NaN) : r.msgsPerSec),
  plan(profile: Profile): ScenarioPlan {
    const health: ScenarioPoint[] = HTTP_HEALTH_POINTS[profile].map((connections) => ({
      key: `health-${connections}c`,
      params: { target: "health", connections, pipelining: HTTP_PIPELINING },
      kind: "throughput",
      load: baseLoad(profile, { mode: "echo", connections }),
    }));
    const publish: ScenarioPoint[] = HTTP_PUBLISH_POINTS[profile].map(({ subscribers, publishPerSec }) => ({
      key: `publish-${subscribers}sub-${rateLabel(publishPerSec)}/s`,
      params: {
        target: "publish",
        subscribers,
        publishPerSec,
        deliveriesPerSec: subscribers * publishPerSec,
        connections: HTTP_PUBLISH_CONNECTIONS,
        pipelining: HTTP_PIPELINING,
      },
      kind: "latency",
      load: baseLoad(profile, {
        mode: "pubsub",
        connections: subscribers,
        rate: publishPerSec,
        size: HTTP_PUBLISH_SIZE_BYTES,
        pubsub: { subscribers, publishers: 0, topic: PUBSUB_TOPIC },
      }),
    }));
    return { params: { pipelining: HTTP_PIPELINING, size: HTTP_PUBLISH_SIZE_BYTES, topic: PUBSUB_TOPIC }, points: [...health, ...publish] };
  },
  run(point, ctx) {
    const publish = isPublish(point);
    return runHttpLoad({
      httpUrl: ctx.server.httpUrl,
      wsUrl: ctx.server.wsUrl,
      protocol: ctx.protocol,
      target: publish ? "publish" : "health",
      connections: publish ? HTTP_PUBLISH_CONNECTIONS : point.load.connections,
      pipelining: HTTP_PIPELINING,
      overallRate: publish ? point.load.rate : 0,
      subscribers: publish ? point.load.pubsub.subscribers : 0,
      topic: point.load.pubsub.topic,
      sizeBytes: HTTP_PUBLISH_SIZE_BYTES,
      warmupMs: point.load.warmupMs,
      durationMs: point.load.durationMs,
      clientCpus: ctx.clientCpus,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  },
  postcondition: (o) => (isPublish(o.point) ? [...checkReceived(o), ...checkIntegrity(o), ...checkExactlyOnce(o), ...checkStatsOut(o)] : checkAnswered(o)),
};
