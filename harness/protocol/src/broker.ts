// Pub/sub across server processes (WSARENA_BROKER): each publish is delivered locally and sent once to a Redis or NATS
// broker; a process delivers what the broker brings from other processes and skips its own. Clients load on demand.
import { randomBytes } from "node:crypto";

/** Environment variable naming the broker: redis://HOST:PORT or nats://HOST:PORT; unset or empty = one process, no broker. */
export const BROKER_ENV = "WSARENA_BROKER";
/** The one broker channel (Redis) / subject (NATS) every process publishes to and subscribes to. */
export const BROKER_CHANNEL = "wsarena.pubsub";
/** Broker schemes, by client library. */
export const BROKER_SCHEMES = ["redis", "nats"] as const;
export type BrokerScheme = (typeof BROKER_SCHEMES)[number];

/** Bytes of the process id that prefixes every broker message. */
const ORIGIN_BYTES = 8;

/** A process's connection to the broker. */
export interface BrokerBridge {
  /** The WSARENA_BROKER value. */
  url: string;
  scheme: BrokerScheme;
  /** Sends a message published here to the other processes (fire and forget; failures are logged). */
  publish(topic: string, data: Uint8Array | ArrayBuffer | string, binary: boolean): void;
  /** Unsubscribes and closes the broker connections. */
  close(): Promise<void>;
}

/** Called for each message another process published: deliver it to this process's subscribers of `topic`. */
export type RemoteDelivery = (topic: string, data: Buffer, binary: boolean) => void;

/** The scheme of a WSARENA_BROKER value, or null when unset; throws on anything else. */
export function brokerSchemeOf(env: Record<string, string | undefined>): BrokerScheme | null {
  const url = env[BROKER_ENV];
  if (!url) return null;
  const scheme = /^([a-z]+):\/\/[^/]+/.exec(url)?.[1];
  if (scheme !== "redis" && scheme !== "nats") throw new Error(`${BROKER_ENV}=${url}: expected redis://HOST:PORT or nats://HOST:PORT`);
  return scheme;
}

/** Frame of a broker message: origin id, flags (bit 0: binary), topic length (u16), topic, payload. */
export function encodeBrokerMessage(origin: Buffer, topic: string, data: Uint8Array | ArrayBuffer | string, binary: boolean): Buffer {
  const t = Buffer.from(topic, "utf8");
  const d = typeof data === "string" ? Buffer.from(data, "utf8") : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  const out = Buffer.allocUnsafe(ORIGIN_BYTES + 3 + t.length + d.byteLength);
  origin.copy(out, 0, 0, ORIGIN_BYTES);
  out[ORIGIN_BYTES] = binary ? 1 : 0;
  out.writeUInt16BE(t.length, ORIGIN_BYTES + 1);
  t.copy(out, ORIGIN_BYTES + 3);
  out.set(d, ORIGIN_BYTES + 3 + t.length);
  return out;
}

/** Inverse of encodeBrokerMessage (the payload is a view into `msg`). */
export function decodeBrokerMessage(msg: Buffer): { origin: Buffer; topic: string; data: Buffer; binary: boolean } {
  const tlen = msg.readUInt16BE(ORIGIN_BYTES + 1);
  return {
    origin: msg.subarray(0, ORIGIN_BYTES),
    binary: (msg[ORIGIN_BYTES]! & 1) === 1,
    topic: msg.toString("utf8", ORIGIN_BYTES + 3, ORIGIN_BYTES + 3 + tlen),
    data: msg.subarray(ORIGIN_BYTES + 3 + tlen),
  };
}

/**
 * Joins the broker named by WSARENA_BROKER (null when unset) and resolves once this process is subscribed, so a server
 * that prints its ready line after it gets every message published afterwards. `deliver` gets the other processes' messages.
 */
export async function bridgeFromEnv(env: Record<string, string | undefined>, deliver: RemoteDelivery): Promise<BrokerBridge | null> {
  const scheme = brokerSchemeOf(env);
  if (!scheme) return null;
  const url = env[BROKER_ENV]!;
  const origin = randomBytes(ORIGIN_BYTES);
  const onMessage = (msg: Buffer): void => {
    const m = decodeBrokerMessage(msg);
    if (!m.origin.equals(origin)) deliver(m.topic, m.data, m.binary); // its own publishes were delivered locally already
  };
  const logError = (e: unknown): void => console.error(`broker ${url}: ${(e as Error).message}`);
  if (scheme === "redis") {
    const { createClient } = await import("redis");
    const pub = createClient({ url });
    pub.on("error", logError);
    const sub = pub.duplicate();
    sub.on("error", logError);
    await Promise.all([pub.connect(), sub.connect()]);
    await sub.subscribe(BROKER_CHANNEL, (msg: Buffer) => onMessage(msg), true);
    return {
      url,
      scheme,
      publish: (topic, data, binary) => void pub.publish(BROKER_CHANNEL, encodeBrokerMessage(origin, topic, data, binary)).catch(logError),
      close: async () => {
        await Promise.allSettled([sub.quit(), pub.quit()]);
      },
    };
  }
  const { connect } = await import("nats");
  const nc = await connect({ servers: url.replace(/^nats:\/\//, "") });
  nc.subscribe(BROKER_CHANNEL, {
    callback: (err, msg) => {
      if (err) logError(err);
      else onMessage(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
    },
  });
  await nc.flush(); // the broker has the subscription before the server says it is ready
  return {
    url,
    scheme,
    publish: (topic, data, binary) => {
      try {
        nc.publish(BROKER_CHANNEL, encodeBrokerMessage(origin, topic, data, binary));
      } catch (e) {
        logError(e);
      }
    },
    close: async () => {
      await nc.drain().catch(logError);
    },
  };
}
