// A short real hostile pass against the ws stack on 127.0.0.1.
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, launchServer, type LaunchedServer } from "@wsarena/stacks";
import { hostileInputs, runHostilePass } from "@wsarena/hostile";
import { detailsOf } from "@wsarena/results";
import { hostileDetails, hostileFailures } from "./hostile.ts";

describe("hostile pass on a real server (ws)", () => {
  let server: LaunchedServer | null = null;
  afterAll(async () => {
    await server?.stop();
  });

  it("records an outcome for every input, keeps the bystander served and finds no off-contract outcome", async () => {
    const stack = discoverStacks().find((s) => s.id === "ws")!;
    server = await launchServer(stack, {});
    const s = server;
    let alive = true;
    void s.exited.then(() => (alive = false));
    const hostHeader = `${s.host}:${s.port}`;
    const inputs = hostileInputs(42, { inputs: 60, slowloris: 1, halfOpen: 2 }, { hostHeader, path: "/echo", maxPayloadBytes: 16 * 1024 * 1024 });
    const deviations = new Map((stack.manifest.deviations ?? []).map((d) => [d.check, d.reason]));
    const pass = await runHostilePass({
      endpoint: { host: s.host, port: s.port, path: "/echo", protocol: "ws", hostHeader },
      inputs,
      pid: s.pid,
      alive: () => alive,
      deviations,
    });
    const d = hostileDetails(42, inputs.length, pass);
    expect(pass.inputsSent).toBe(60);
    expect(d.deaths).toBe(0);
    expect(d.bystanderFailures).toEqual([]);
    expect(d.rssBeforeBytes).toBeGreaterThan(0);
    // The server really reacted: malformed frames got 1002 and invalid UTF-8 got 1007.
    expect(d.outcomesByClass["reserved-opcode"]?.["close:1002"]).toBeGreaterThan(0);
    expect(d.outcomesByClass["invalid-utf8"]?.["close:1007"]).toBeGreaterThan(0);
    expect(hostileFailures(d)).toEqual([]);
    expect(detailsOf("hostile", JSON.parse(JSON.stringify({ details: d })))).toEqual(d);
  }, 90_000);
});
