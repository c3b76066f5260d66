// wsarena-load: parses flags into LoadOptions and prints one LoadResult (JSON with --json, a summary otherwise).
import { parseArgs } from "node:util";
import { OptionsError } from "./options.ts";
import { parseDurationMs } from "./cli-args.ts";
import { runLoad } from "./run-load.ts";
import { formatResult } from "./format.ts";
import type { LoadOptions } from "./types.ts";

const USAGE = `usage: pnpm wsarena-load --url ws://127.0.0.1:PORT [--driver frame|ws|socket.io] [--mode echo|echo-open|stream|pubsub|connections]
  [--protocol ws|socket.io] [--connections N] [--window W] [--refill FRACTION] [--rate MSGS_PER_S] [--shape one-per-write|pipelined] [--size BYTES] [--binary|--text]
  [--duration 5s] [--warmup 1s] [--format json|binary] [--stream-rate R] [--subscribers S] [--publishers P] [--topic T]
  [--hold 2s] [--cpus 1] [--workers N] [--source-addresses N] [--deflate] [--timeout 60s] [--allow-remote] [--json]
  The target must be loopback (127.0.0.0/8, localhost, ::1) unless --allow-remote is given.`;

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x)) throw new OptionsError(`--${name} ${v}: expected a number`);
  return x;
}

/** The flags `wsarena-load` takes (values are validated by parseCli and resolveOptions). */
const CLI_FLAGS = {
  driver: { type: "string" },
  url: { type: "string" },
  mode: { type: "string" },
  protocol: { type: "string" },
  connections: { type: "string" },
  window: { type: "string" },
  refill: { type: "string" },
  rate: { type: "string" },
  shape: { type: "string" },
  size: { type: "string" },
  binary: { type: "boolean" },
  text: { type: "boolean" },
  duration: { type: "string" },
  warmup: { type: "string" },
  format: { type: "string" },
  "stream-rate": { type: "string" },
  subscribers: { type: "string" },
  publishers: { type: "string" },
  topic: { type: "string" },
  hold: { type: "string" },
  cpus: { type: "string" },
  workers: { type: "string" },
  "source-addresses": { type: "string" },
  deflate: { type: "boolean" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean" },
  "allow-remote": { type: "boolean" },
} as const;

/** argv → flag values; an unknown flag or a missing value is an OptionsError naming --help. */
function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, strict: true, options: CLI_FLAGS }).values;
  } catch (e) {
    throw new OptionsError(`${(e as Error).message.split("\n")[0]} (pnpm wsarena-load --help lists the flags)`);
  }
}

/** Flags → partial options (throws OptionsError on unknown flags or malformed values). */
export function parseCli(argv: string[]): { options: Partial<LoadOptions> & { url: string }; json: boolean; help?: boolean } {
  const v = parseFlags(argv);
  if (v.help) return { options: { url: "" }, json: false, help: true };
  if (!v.url) throw new OptionsError("--url is required, e.g. --url ws://127.0.0.1:8080 (pnpm wsarena-load --help lists the flags)");
  if (v.binary && v.text) throw new OptionsError("--binary and --text exclude each other");
  const o: Partial<LoadOptions> & { url: string } = { url: v.url };
  if (v.driver) o.driver = v.driver as LoadOptions["driver"];
  if (v.mode) o.mode = v.mode as LoadOptions["mode"];
  if (v.protocol) o.protocol = v.protocol as LoadOptions["protocol"];
  if (v.shape) o.shape = v.shape as LoadOptions["shape"];
  const set = <K extends keyof LoadOptions>(k: K, x: LoadOptions[K] | undefined): void => {
    if (x !== undefined) o[k] = x;
  };
  set("connections", num("connections", v.connections));
  set("window", num("window", v.window));
  set("refillFraction", num("refill", v.refill));
  set("rate", num("rate", v.rate));
  set("size", num("size", v.size));
  if (v.binary) o.binary = true;
  if (v.text) o.binary = false;
  if (v.duration) o.durationMs = parseDurationMs("duration", v.duration);
  if (v.warmup) o.warmupMs = parseDurationMs("warmup", v.warmup);
  if (v.hold) o.holdMs = parseDurationMs("hold", v.hold);
  if (v.timeout) o.timeoutMs = parseDurationMs("timeout", v.timeout);
  if (v.format || v["stream-rate"]) {
    const format = (v.format ?? "binary") as "json" | "binary";
    o.stream = { format, rate: num("stream-rate", v["stream-rate"]) ?? 1000 };
  }
  if (v.subscribers || v.publishers || v.topic) {
    o.pubsub = { subscribers: num("subscribers", v.subscribers) ?? 50, publishers: num("publishers", v.publishers) ?? 1, topic: v.topic ?? "ticks" };
  }
  if (v.cpus) o.clientCpus = v.cpus;
  if (v.deflate) o.deflate = true;
  set("workers", num("workers", v.workers));
  set("sourceAddresses", num("source-addresses", v["source-addresses"]));
  if (v["allow-remote"]) o.allowRemote = true;
  return { options: o, json: v.json === true };
}

async function main(): Promise<void> {
  let cli: ReturnType<typeof parseCli>;
  try {
    cli = parseCli(process.argv.slice(2));
    if (cli.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    const result = await runLoad(cli.options);
    process.stdout.write(cli.json ? `${JSON.stringify(result)}\n` : `${formatResult(result)}\n`);
  } catch (e) {
    if (e instanceof OptionsError) {
      process.stderr.write(`wsarena-load: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`wsarena-load: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

await main();
