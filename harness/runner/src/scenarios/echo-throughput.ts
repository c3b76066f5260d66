// echo-throughput: closed-loop pipelined echo; every connection keeps `window` messages in flight. Headline: echoes/s.
import { checkIntegrity, checkReceived, checkStatsIn, checkStatsOut } from "./checks.ts";
import { baseLoad, sizeLabel } from "./common.ts";
import type { Profile, Scenario, ScenarioPlan } from "./types.ts";

/** Connections of the closed loop. */
export const ECHO_CONNECTIONS = 64;
/**
 * Messages in flight per connection, by payload size. Deep windows let one client core out-run the fastest server
 * (deep enough at 64 B that the fastest stack stays server-bound); large payloads need fewer to fill the pipe.
 */
export function echoWindow(size: number): number {
  return size <= 256 ? 128 : size <= 4096 ? 32 : 8;
}
/** Refill once half the window came back, so each write carries many frames. */
export const ECHO_REFILL_FRACTION = 0.5;

/** Sizes (bytes) and frame types per profile. */
export const ECHO_THROUGHPUT_POINTS: Readonly<Record<Profile, ReadonlyArray<{ size: number; binary: boolean }>>> = {
  quick: [{ size: 64, binary: false }],
  standard: [64, 1024, 16384].flatMap((size) => [
    { size, binary: false },
    { size, binary: true },
  ]),
  full: [64, 1024, 16384].flatMap((size) => [
    { size, binary: false },
    { size, binary: true },
  ]),
};

export const echoThroughput: Scenario = {
  id: "echo-throughput",
  description: "Closed-loop pipelined echo (text and binary, 64 B to 16 KiB): echoed messages per second.",
  metric: () => ({ name: "msgsPerSec", unit: "msg/s", better: "higher" }),
  value: (_p, r) => r.msgsPerSec,
  plan(profile: Profile): ScenarioPlan {
    return {
      params: { connections: ECHO_CONNECTIONS },
      points: ECHO_THROUGHPUT_POINTS[profile].map(({ size, binary }) => ({
        key: `${sizeLabel(size)}-${binary ? "binary" : "text"}`,
        params: { size, binary, window: echoWindow(size) },
        kind: "throughput",
        load: baseLoad(profile, {
          mode: "echo",
          connections: ECHO_CONNECTIONS,
          window: echoWindow(size),
          refillFraction: ECHO_REFILL_FRACTION,
          size,
          binary,
        }),
      })),
    };
  },
  postcondition: (o) => [...checkReceived(o), ...checkIntegrity(o), ...checkStatsIn(o), ...checkStatsOut(o)],
};
