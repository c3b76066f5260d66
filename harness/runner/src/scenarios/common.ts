// Load option defaults shared by scenario modules, so each module states only what it varies.
import type { PointLoad, Profile } from "./types.ts";
import { PROFILE_TIMING } from "./types.ts";

/** Topic used by pub/sub points. */
export const PUBSUB_TOPIC = "ticks";

/** Offered rate given to modes that ignore it (the load generator requires rate > 0). */
export const NEUTRAL_RATE = 1000;

/** A PointLoad with neutral values for the fields a mode ignores. */
export function baseLoad(profile: Profile, over: Partial<PointLoad> & Pick<PointLoad, "mode">): PointLoad {
  return {
    connections: 1,
    window: 1,
    rate: NEUTRAL_RATE,
    size: 64,
    binary: false,
    ...PROFILE_TIMING[profile],
    stream: { format: "json", rate: 0 },
    pubsub: { subscribers: 1, publishers: 1, topic: PUBSUB_TOPIC },
    holdMs: 0,
    sourceAddresses: 1,
    ...over,
  };
}

/** Human label of a byte size: 64 → "64B", 1024 → "1KiB", 16384 → "16KiB". */
export function sizeLabel(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024}KiB` : `${bytes}B`;
}

/** Human label of a rate: 1000 → "1k", 1500000 → "1.5M". */
export function rateLabel(perSec: number): string {
  if (perSec >= 1e6) return `${+(perSec / 1e6).toFixed(2)}M`;
  if (perSec >= 1e3) return `${+(perSec / 1e3).toFixed(2)}k`;
  return `${perSec}`;
}
