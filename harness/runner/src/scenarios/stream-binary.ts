// stream-binary: server-pushed 40-byte binary ticks to K receivers; see stream.ts.
import { makeStream } from "./stream.ts";
import type { Scenario } from "./types.ts";

export const streamBinary: Scenario = makeStream("binary");
