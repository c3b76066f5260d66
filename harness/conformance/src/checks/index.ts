// The check table: every conformance check, in report order. Docs (README) and tests are generated from it.
import type { Check } from "../types.ts";
import { HTTP_CHECKS } from "./http.ts";
import { ECHO_CHECKS } from "./echo.ts";
import { STREAM_CHECKS } from "./stream.ts";
import { PUBSUB_CHECKS } from "./pubsub.ts";
import { PUBSUB_PUBLISH_CHECKS } from "./pubsub-publish.ts";
import { LIMIT_CHECKS } from "./limits.ts";
import { BAD_INPUT_CHECKS } from "./bad-input.ts";
import { HEARTBEAT_CHECKS } from "./heartbeat.ts";
import { HOSTILE_CHECKS } from "./hostile.ts";
import { COMPRESSION_CHECKS } from "./compression.ts";

/** Every check of protocol v1, in report order. */
export const CHECKS: readonly Check[] = [
  ...HTTP_CHECKS,
  ...ECHO_CHECKS,
  ...STREAM_CHECKS,
  ...PUBSUB_CHECKS,
  ...PUBSUB_PUBLISH_CHECKS,
  ...LIMIT_CHECKS,
  ...HEARTBEAT_CHECKS,
  ...BAD_INPUT_CHECKS,
  ...HOSTILE_CHECKS,
  ...COMPRESSION_CHECKS,
];

/** Ids of every check. */
export const CHECK_IDS: readonly string[] = CHECKS.map((c) => c.id);

/** Ids of the smoke subset. */
export const SMOKE_CHECK_IDS: readonly string[] = CHECKS.filter((c) => c.smoke).map((c) => c.id);
