// User profiles of `wsarena capacity`: what one concurrent user does, stated per user and mapped onto protocol v1 endpoints.
import { baseLoad } from "../scenarios/common.ts";
import type { PointLoad } from "../scenarios/types.ts";

/** Profile ids. */
export const CAPACITY_PROFILES = ["trader", "chat", "feed"] as const;
export type CapacityProfile = (typeof CAPACITY_PROFILES)[number];

/** trader: market ticks received per user per second. */
export const TRADER_TICKS_PER_SEC = 10;
/** trader: one order per user every this many ms, echoed back by the server. */
export const TRADER_ORDER_INTERVAL_MS = 2_000;
/** trader: order message size, bytes (a JSON order with id, symbol, side, price, quantity is ~100-150 bytes). */
export const TRADER_ORDER_BYTES = 128;
/** chat: users per room. */
export const CHAT_ROOM_SIZE = 50;
/** chat: one message per user every this many ms, delivered to everyone in the room (the sender included). */
export const CHAT_MESSAGE_INTERVAL_MS = 10_000;
/** chat: message size, bytes (a short line of chat with its metadata). */
export const CHAT_MESSAGE_BYTES = 128;
/** feed: JSON ticks received per user per second. */
export const FEED_TICKS_PER_SEC = 1;

/** Warm-up and measured window of one capacity step. */
export interface StepTiming {
  warmupMs: number;
  durationMs: number;
}

/** Default measured window of a step: long enough for every trader to send 2-3 orders. */
export const DEFAULT_STEP_MS = 5_000;
/** Default warm-up of a step (discarded), after all users are connected. */
export const DEFAULT_STEP_WARMUP_MS = 1_000;

/** What one user of a profile does, and the loads that make up `users` of them. */
export interface UserProfile {
  id: CapacityProfile;
  /** One line: the per-user load and how it maps onto the protocol's endpoints. */
  description: string;
  /** WebSocket connections per user. */
  connectionsPerUser: number;
  /** User counts are rounded to multiples of this when bisecting (chat: whole rooms above one room). */
  granularity: number;
  /** The loads (run together on one schedule by runLoadGroup) for `users` concurrent users. */
  loads(users: number, t: StepTiming): PointLoad[];
}

/** The profiles, keyed by id. */
export const USER_PROFILES: Readonly<Record<CapacityProfile, UserProfile>> = {
  trader: {
    id: "trader",
    description:
      `${TRADER_TICKS_PER_SEC} JSON ticks/s pushed on /stream?format=json&rate=${TRADER_TICKS_PER_SEC} (the server generates each user's ticks: a subscription to one symbol), ` +
      `plus one ${TRADER_ORDER_BYTES}-byte text order every ${TRADER_ORDER_INTERVAL_MS / 1000} s on /echo, echoed back (open loop, timed from its intended send time); 2 connections per user`,
    connectionsPerUser: 2,
    granularity: 1,
    loads: (users, t) => [
      baseLoad("standard", { ...t, mode: "stream", connections: users, size: 0, binary: false, stream: { format: "json", rate: TRADER_TICKS_PER_SEC } }),
      baseLoad("standard", {
        ...t,
        mode: "echo-open",
        connections: users,
        window: 1,
        rate: (users * 1000) / TRADER_ORDER_INTERVAL_MS,
        size: TRADER_ORDER_BYTES,
        binary: false,
      }),
    ],
  },
  chat: {
    id: "chat",
    description:
      `rooms of ${CHAT_ROOM_SIZE} users (fewer when there are fewer users) on /pubsub?topic=<room>; every user sends one ${CHAT_MESSAGE_BYTES}-byte text message every ` +
      `${CHAT_MESSAGE_INTERVAL_MS / 1000} s that the server delivers to the whole room, the sender included; 1 connection per user`,
    connectionsPerUser: 1,
    granularity: CHAT_ROOM_SIZE,
    loads: (users, t) => [
      baseLoad("standard", {
        ...t,
        mode: "pubsub",
        connections: users,
        rate: (users * 1000) / CHAT_MESSAGE_INTERVAL_MS,
        size: CHAT_MESSAGE_BYTES,
        binary: false,
        pubsub: { subscribers: 0, publishers: users, topic: "room", roomSize: CHAT_ROOM_SIZE },
      }),
    ],
  },
  feed: {
    id: "feed",
    description: `${FEED_TICKS_PER_SEC} JSON tick/s pushed on /stream?format=json&rate=${FEED_TICKS_PER_SEC}; 1 connection per user`,
    connectionsPerUser: 1,
    granularity: 1,
    loads: (users, t) => [
      baseLoad("standard", { ...t, mode: "stream", connections: users, size: 0, binary: false, stream: { format: "json", rate: FEED_TICKS_PER_SEC } }),
    ],
  },
};
