// stream-json: server-pushed JSON ticks (text frames) to K receivers; see stream.ts.
import { makeStream } from "./stream.ts";
import type { Scenario } from "./types.ts";

export const streamJson: Scenario = makeStream("json");
