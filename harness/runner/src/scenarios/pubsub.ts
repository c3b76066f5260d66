// pubsub: one topic, S subscribers, publishers at a total rate R; per-receiver latency, delivered msgs/s, exactly-once.
import { checkIntegrity, checkReceived, checkStatsIn, checkStatsOut } from "./checks.ts";
import { PUBSUB_TOPIC, baseLoad, rateLabel } from "./common.ts";
import type { Profile, Scenario, ScenarioPlan, WindowOutcome } from "./types.ts";

/** Payload bytes of a published message. */
export const PUBSUB_SIZE_BYTES = 64;
/** Publishing connections. */
export const PUBSUB_PUBLISHERS = 1;

/**
 * Subscribers and publish rate (messages/s in total; deliveries = rate × subscribers) per profile. Sized for one client
 * core: every delivery is one socket read on the client, and the client reads a publish's N deliveries one after
 * another, so the last subscriber's latency includes N − 1 reads of client time. Few subscribers at a high rate keep
 * that drain short next to the server's own fan-out (a point then measures the server, and the scheduler's ticks do
 * not land inside a drain) and the total well below the client-loaded rule. Questions: 10 × 3k/s = a hot topic with a
 * handful of subscribers; 30 × 1k/s = a small room of a busy feed; 100 × 300/s (full) = a wider room, where the
 * client's drain is part of the tail.
 */
export const PUBSUB_POINTS: Readonly<Record<Profile, ReadonlyArray<{ subscribers: number; publishPerSec: number }>>> = {
  quick: [{ subscribers: 30, publishPerSec: 1_000 }],
  standard: [
    { subscribers: 10, publishPerSec: 3_000 },
    { subscribers: 30, publishPerSec: 1_000 },
  ],
  full: [
    { subscribers: 10, publishPerSec: 3_000 },
    { subscribers: 30, publishPerSec: 1_000 },
    { subscribers: 100, publishPerSec: 300 },
  ],
};

/** Every receiver (subscribers and publishers, which are subscribed too) gets every message published in the window exactly once. */
function checkExactlyOnce(o: WindowOutcome): string[] {
  const { sent, lost, duplicated } = o.result.integrity;
  if (lost === 0 && duplicated === 0) return [];
  const receivers = o.point.load.pubsub.subscribers + o.point.load.pubsub.publishers;
  return [`exactly-once: ${sent} messages × ${receivers} receivers expected once each; ${lost} deliveries missing, ${duplicated} duplicated`];
}

export const pubsub: Scenario = {
  id: "pubsub",
  description: "Fan-out on one topic to S subscribers at publish rate R: delivered msgs/s and per-receiver latency, exactly-once checked.",
  metric: () => ({ name: "p99Us", unit: "µs", better: "lower" }),
  value: (_p, r) => r.latency?.p99Us ?? Number.NaN,
  plan(profile: Profile): ScenarioPlan {
    return {
      params: { publishers: PUBSUB_PUBLISHERS, size: PUBSUB_SIZE_BYTES, topic: PUBSUB_TOPIC },
      points: PUBSUB_POINTS[profile].map(({ subscribers, publishPerSec }) => ({
        key: `${subscribers}sub-${rateLabel(publishPerSec)}/s`,
        params: { subscribers, publishPerSec, deliveriesPerSec: subscribers * publishPerSec },
        kind: "latency",
        load: baseLoad(profile, {
          mode: "pubsub",
          connections: subscribers,
          rate: publishPerSec,
          size: PUBSUB_SIZE_BYTES,
          binary: false,
          pubsub: { subscribers, publishers: PUBSUB_PUBLISHERS, topic: PUBSUB_TOPIC },
        }),
      })),
    };
  },
  postcondition: (o) => [...checkReceived(o), ...checkIntegrity(o), ...checkExactlyOnce(o), ...checkStatsIn(o), ...checkStatsOut(o)],
};
