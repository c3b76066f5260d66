// cpu: server CPU µs per delivered message at fixed rates below every stack's capacity (echo, stream and pub/sub fan-out).
import { checkIntegrity, checkReceived, checkStatsIn, checkStatsOut } from "./checks.ts";
import { PUBSUB_TOPIC, baseLoad, rateLabel } from "./common.ts";
import type { Profile, Scenario, ScenarioPlan, ScenarioPoint, WindowOutcome } from "./types.ts";

/**
 * Arrival shape of the client's writes: "pipelined" = each 1 ms tick writes the messages due on a connection back to
 * back (what the open-loop sender does); "server-paced" = the server's own tick timer sends, the client only receives.
 */
export type CpuLoadShape = "pipelined" | "server-paced";

const PIPELINED: CpuLoadShape = "pipelined";
const SERVER_PACED: CpuLoadShape = "server-paced";

/** Payload bytes of echo and published messages (text). */
export const CPU_SIZE_BYTES = 64;

/**
 * The fixed loads. Each delivers ~20k msg/s to the clients: about a third of the slowest stack's capacity (socket.io
 * peaks near 57k echo/s and 63k stream ticks/s), so every stack holds the rate and the figure is CPU per message, not
 * a queue. Five echo connections keep the client's sender lightly loaded (4 messages per connection per tick).
 */
export const CPU_ECHO = { connections: 5, rate: 20_000 } as const;
export const CPU_STREAM = { receivers: 10, ratePerConn: 2_000 } as const;
export const CPU_PUBSUB = { subscribers: 100, publishers: 1, publishPerSec: 200 } as const;

/**
 * Patterns measured per profile: quick measures only echo (the headline's point) to stay within its time budget, where
 * each repetition costs a fresh server, connect and warm-up besides its window; standard and full measure all three.
 */
export const CPU_PATTERNS: Readonly<Record<Profile, readonly CpuPattern[]>> = {
  quick: ["echo"],
  standard: ["echo", "stream", "pubsub"],
  full: ["echo", "stream", "pubsub"],
};
/** A fixed-rate load pattern. */
export type CpuPattern = "echo" | "stream" | "pubsub";

/** The profile's fixed-rate points (CPU_PATTERNS); the profile also sets the window length and repetitions. */
export function cpuPoints(profile: Profile): ScenarioPoint[] {
  return allCpuPoints(profile).filter((p) => CPU_PATTERNS[profile].includes(p.params.pattern as CpuPattern));
}

/**
 * Every fixed-rate point. params.fixedRatePerSec = messages delivered to the clients per second; it is deliberately not
 * named like a ladder's offered rate (rate, deliveriesPerSec): the three points are one rate, not a rate sweep.
 */
function allCpuPoints(profile: Profile): ScenarioPoint[] {
  return [
    {
      key: `echo-${rateLabel(CPU_ECHO.rate)}/s`,
      params: {
        pattern: "echo",
        fixedRatePerSec: CPU_ECHO.rate,
        connections: CPU_ECHO.connections,
        ratePerConnection: CPU_ECHO.rate / CPU_ECHO.connections,
        size: CPU_SIZE_BYTES,
        shape: PIPELINED,
      },
      kind: "latency",
      load: baseLoad(profile, { mode: "echo-open", connections: CPU_ECHO.connections, rate: CPU_ECHO.rate, size: CPU_SIZE_BYTES, binary: false }),
    },
    {
      key: `stream-${CPU_STREAM.receivers}rx-${rateLabel(CPU_STREAM.ratePerConn)}/s`,
      params: {
        pattern: "stream",
        fixedRatePerSec: CPU_STREAM.receivers * CPU_STREAM.ratePerConn,
        receivers: CPU_STREAM.receivers,
        ratePerConn: CPU_STREAM.ratePerConn,
        format: "json",
        shape: SERVER_PACED,
      },
      kind: "latency",
      load: baseLoad(profile, {
        mode: "stream",
        connections: CPU_STREAM.receivers,
        size: 0,
        binary: false,
        stream: { format: "json", rate: CPU_STREAM.ratePerConn },
      }),
    },
    {
      key: `pubsub-${CPU_PUBSUB.subscribers}sub-${rateLabel(CPU_PUBSUB.publishPerSec)}/s`,
      // Publishers are subscribed too: every publish reaches subscribers + publishers receivers.
      params: {
        pattern: "pubsub",
        fixedRatePerSec: (CPU_PUBSUB.subscribers + CPU_PUBSUB.publishers) * CPU_PUBSUB.publishPerSec,
        subscribers: CPU_PUBSUB.subscribers,
        publishPerSec: CPU_PUBSUB.publishPerSec,
        size: CPU_SIZE_BYTES,
        shape: PIPELINED,
      },
      kind: "latency",
      load: baseLoad(profile, {
        mode: "pubsub",
        connections: CPU_PUBSUB.subscribers,
        rate: CPU_PUBSUB.publishPerSec,
        size: CPU_SIZE_BYTES,
        binary: false,
        pubsub: { subscribers: CPU_PUBSUB.subscribers, publishers: CPU_PUBSUB.publishers, topic: PUBSUB_TOPIC },
      }),
    },
  ];
}

/** A point whose delivered rate is below this share of its fixed rate did not hold it: its CPU per message is not comparable. */
export const CPU_HELD_SHARE = 0.95;

/** The point's delivered rate is within CPU_HELD_SHARE of the rate it was given. */
function checkHeld(o: WindowOutcome): string[] {
  const want = Number(o.point.params.fixedRatePerSec);
  const got = o.result.msgsPerSec;
  return got >= CPU_HELD_SHARE * want
    ? []
    : [
        `fixed rate not held: ${Math.round(got)} msg/s delivered of ${want} msg/s (at least ${CPU_HELD_SHARE * 100} % expected); the stack is at capacity, lower the rate`,
      ];
}

export const cpu: Scenario = {
  id: "cpu",
  description: "Server CPU µs per delivered message at fixed rates every stack holds (echo 20k/s, stream 10×2k/s, pub/sub 100×200/s): the cost of a message.",
  metric: () => ({ name: "serverCpuUsPerMsg", unit: "µs/msg", better: "lower" }),
  value: (_p, r) => r.cpu?.serverCpuUsPerMsg ?? Number.NaN,
  plan(profile: Profile): ScenarioPlan {
    return { params: { heldShare: CPU_HELD_SHARE }, points: cpuPoints(profile) };
  },
  postcondition: (o) => [
    ...checkReceived(o),
    ...checkIntegrity(o),
    ...(o.point.load.mode === "stream" ? [] : checkStatsIn(o)),
    ...checkStatsOut(o),
    ...checkHeld(o),
  ],
};
