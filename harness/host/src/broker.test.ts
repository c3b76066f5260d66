// Broker lifecycle against the real Debian binaries: start, answer, stop by pid, nothing left behind; a missing binary is an error.
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BROKER_KINDS, BrokerMissingError, installCommand, killAllBrokers, liveBrokerCount, startBroker } from "./broker.ts";

afterEach(() => {
  killAllBrokers();
});

/** First bytes the broker answers after `send` (empty = read its greeting). */
function talk(port: number, send: string): Promise<string> {
  return new Promise((res, rej) => {
    const s = connect({ host: "127.0.0.1", port }, () => send && s.write(send));
    s.once("error", rej);
    s.once("data", (d) => {
      s.destroy();
      res(d.toString("utf8"));
    });
  });
}

describe("startBroker", () => {
  for (const kind of BROKER_KINDS) {
    it(`starts ${kind} on a free 127.0.0.1 port, answers, and stop() leaves no process behind`, async () => {
      const b = await startBroker(kind);
      expect(b.url).toBe(`${kind}://127.0.0.1:${b.port}`);
      expect(existsSync(`/proc/${b.pid}`)).toBe(true);
      expect(liveBrokerCount()).toBe(1);
      expect(await talk(b.port, kind === "redis" ? "PING\r\n" : "")).toMatch(kind === "redis" ? /^\+PONG/ : /^INFO /);
      await b.stop();
      expect(existsSync(`/proc/${b.pid}`)).toBe(false);
      expect(liveBrokerCount()).toBe(0);
    });
  }

  it("two brokers of one kind get different ports", async () => {
    const [a, b] = await Promise.all([startBroker("redis"), startBroker("redis")]);
    expect(a.port).not.toBe(b.port);
    await Promise.all([a.stop(), b.stop()]);
    expect(liveBrokerCount()).toBe(0);
  });

  it("a missing binary is a one-line error naming the install command, and starts nothing", async () => {
    process.env.WSARENA_NATS_SERVER = "/nonexistent/nats-server";
    try {
      const err = await startBroker("nats").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BrokerMissingError);
      const msg = (err as Error).message;
      expect(msg).not.toContain("\n");
      expect(msg).toContain(installCommand(["nats"]));
      expect(liveBrokerCount()).toBe(0);
    } finally {
      delete process.env.WSARENA_NATS_SERVER;
    }
  });
});
