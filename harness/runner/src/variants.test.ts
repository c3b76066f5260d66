// Variants: selection as <stack>+<variant>, env overrides reaching a real server, skips from stack.json deviations, and
// the variant recorded in the result set.
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadOptions } from "@wsarena/loadgen";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, selectStacks, launchServer, applyVariant, parseStackSelector, VARIANTS } from "@wsarena/stacks";
import { runMatrix } from "./matrix.ts";
import { fixedRepetitions } from "./repetitions.ts";
import { loadResultSet } from "@wsarena/results";
import { selectScenarios } from "./scenarios/index.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const all = discoverStacks();

/** The Sec-WebSocket-Extensions a server answers to an upgrade offering `offer` ("" when none). */
function rawUpgradeExtensions(host: string, port: number, path: string, offer: string): Promise<string> {
  return new Promise((res, rej) => {
    const req = `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: ${offer}\r\n\r\n`;
    const s = connect({ host, port }, () => s.write(req));
    let head = "";
    s.on("data", (d) => {
      head += d.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      s.destroy();
      const line = head
        .slice(0, end)
        .split("\r\n")
        .find((l) => l.toLowerCase().startsWith("sec-websocket-extensions:"));
      res(line ? line.slice(line.indexOf(":") + 1).trim() : "");
    });
    s.on("error", rej);
  });
}

describe("selecting variants", () => {
  it("splits a selector into stack and variant", () => {
    expect(parseStackSelector("fastify-websocket+deflate")).toEqual({ stack: "fastify-websocket", variant: "deflate" });
    expect(parseStackSelector("uws")).toEqual({ stack: "uws", variant: null });
  });

  it("selects a stack and its variant side by side, the variant carrying its base, env and load options", () => {
    const [base, v] = selectStacks(all, ["uws", "uws+deflate"]);
    expect(base!.id).toBe("uws");
    expect(base!.variant).toBeUndefined();
    expect(v!.id).toBe("uws+deflate");
    expect(v!.dir).toBe(base!.dir);
    expect(v!.variant).toMatchObject({ id: "deflate", base: "uws", env: { WSARENA_COMPRESSION: "1" }, load: { deflate: true } });
  });

  it("rejects an unknown variant naming the valid ones, and an unknown base stack", () => {
    expect(() => selectStacks(all, ["uws+turbo"])).toThrow(/unknown variant "turbo".*valid variants: deflate/);
    expect(() => selectStacks(all, ["nope+deflate"])).toThrow(/unknown stack "nope\+deflate"/);
  });

  it("makes a variant unrunnable, with the stack.json deviation as the reason, when the stack documents it cannot meet the variant's check", () => {
    const deno = all.find((s) => s.id === "deno")!;
    const v = applyVariant(deno, "deflate");
    expect(v.runnable).toBe(false);
    expect(v.reason).toMatch(
      /deno cannot run variant deflate \(stack.json deviation compression.negotiation\): Deno.upgradeWebSocket has no permessage-deflate/,
    );
    expect(applyVariant(all.find((s) => s.id === "ws")!, "deflate").runnable).toBe(true);
  });

  it("defines every variant with its own id as key", () => {
    for (const [k, v] of Object.entries(VARIANTS)) expect(v.id).toBe(k);
  });
});

describe("running a variant", () => {
  it("starts the base stack's server with the variant's env (ws+deflate accepts permessage-deflate, ws does not)", async () => {
    const ws = all.find((s) => s.id === "ws")!;
    for (const [stack, expected] of [
      [applyVariant(ws, "deflate"), true],
      [ws, false],
    ] as const) {
      const server = await launchServer(stack);
      try {
        const ext = await rawUpgradeExtensions(server.host, server.port, "/echo", "permessage-deflate; client_max_window_bits");
        expect(ext.startsWith("permessage-deflate"), `${stack.id}: "${ext}"`).toBe(expected);
      } finally {
        await server.stop();
      }
    }
  });

  it("records the variant as its own row in run.json and its measurement file, and hands its load options to the load", async () => {
    const out = mkdtempSync(join(tmpdir(), "wsarena-variant-"));
    dirs.push(out);
    const stacks = selectStacks(all, ["ws", "ws+deflate"]);
    const loads: LoadOptions[] = [];
    await runMatrix({
      runId: "variant-run",
      outDir: out,
      stacks,
      scenarios: selectScenarios(["echo-throughput"]),
      profile: "quick",
      repetitions: fixedRepetitions(1),
      pinning: null,
      runLoad: async (o) => {
        loads.push(o);
        const now = Date.now();
        return {
          driver: o.driver,
          mode: o.mode,
          options: o,
          windowStartMs: now - 10,
          windowEndMs: now,
          durationMs: 10,
          msgsPerSec: 100,
          bytesPerSec: 6400,
          sentPerSec: 100,
          latency: null,
          histogram: null,
          integrity: { sent: 1, received: 1, lost: 0, duplicated: 0, reordered: 0, corrupted: 0 },
          connect: { attempted: 1, succeeded: 1, failed: 0, perSec: 1, p50Us: 1, p90Us: 1, p99Us: 1, maxUs: 1, errors: [] },
          clientCpu: { cpus: null, workers: 1, cpuSeconds: 0, utilisation: 0, perWorkerCpuSeconds: [0] },
          msgsPerClientCpuSec: 0,
          errors: [],
          closeCodes: {},
          wire: { receivedBytesPerSec: 1000, sentBytesPerSec: 900 },
        };
      },
    });
    const set = loadResultSet(out);
    expect(set.run.stacks.map((s) => s.id)).toEqual(["ws", "ws+deflate"]);
    expect(set.run.stacks[1]!.variant).toMatchObject({ id: "deflate", base: "ws", env: { WSARENA_COMPRESSION: "1" } });
    const m = set.measurements.find((x) => x.stack === "ws+deflate")!;
    expect(m.status).toBe("ok");
    expect(m.variant?.base).toBe("ws");
    expect(m.points[0]!.reps[0]!.wire).toEqual({ receivedBytesPerSec: 1000, sentBytesPerSec: 900 });
    expect(set.measurements.find((x) => x.stack === "ws")!.variant).toBeUndefined();
    const deflated = loads.filter((o) => o.deflate === true).length;
    expect(deflated).toBeGreaterThan(0);
    expect(deflated).toBe(loads.length / 2);
  });
});
