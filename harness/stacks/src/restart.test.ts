// restartServer against a real stack (ws): same port, new pid, old one gone by the signal, sampler follows the new pid.
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks } from "./discover.ts";
import WebSocket from "ws";
import { freePort, launchServer, liveServerCount, restartServer, type LaunchedServer } from "./launch.ts";
import { startSampler } from "@wsarena/host";

const ws = discoverStacks().find((s) => s.id === "ws")!;
const started: LaunchedServer[] = [];

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop(200)));
});

async function health(url: string): Promise<number> {
  return (await fetch(`${url}/health`)).status;
}

describe("restartServer", () => {
  it("SIGKILLs the server and starts the same stack on the same port with a new pid; the sampler follows it", async () => {
    const first = await launchServer(ws);
    started.push(first);
    const sampler = startSampler(first.pid, [], 50);
    const r = await restartServer(ws, first, {}, { signal: "SIGKILL", downMs: 100 });
    started.push(r.server);
    sampler.follow(r.server.pid);
    await new Promise((res) => setTimeout(res, 200));
    const readings = sampler.stop();

    expect(r.exit.signal).toBe("SIGKILL");
    expect(r.server.pid).not.toBe(first.pid);
    expect(r.server.port).toBe(first.port);
    expect(r.server.wsUrl).toBe(first.wsUrl);
    expect(r.exitedAtMs - r.killedAtMs).toBeGreaterThanOrEqual(0);
    expect(r.spawnedAtMs - r.exitedAtMs).toBeGreaterThanOrEqual(100);
    expect(r.readyAtMs).toBeGreaterThanOrEqual(r.spawnedAtMs);
    expect(await health(r.server.httpUrl)).toBe(200);
    // Readings continue after the switch (the old pid is gone) and CPU ticks stay cumulative.
    expect(readings.some((x) => x.atMs >= r.readyAtMs)).toBe(true);
    for (let i = 1; i < readings.length; i++) expect(readings[i]!.cpuTicks).toBeGreaterThanOrEqual(readings[i - 1]!.cpuTicks);
  });

  it("SIGTERM restarts gracefully (exit 0 after 1001) and the new server is the one that stops", async () => {
    const first = await launchServer(ws);
    started.push(first);
    const r = await restartServer(ws, first, {}, { signal: "SIGTERM", downMs: 0 });
    started.push(r.server);
    expect(r.exit).toMatchObject({ code: 0, graceful: true });
    expect(r.server.port).toBe(first.port);
    const live = liveServerCount();
    const stopped = await r.server.stop();
    expect(stopped.graceful).toBe(true);
    expect(liveServerCount()).toBe(live - 1);
  });

  it("restarts uws on an explicit port while its killed connections linger in TIME_WAIT", async () => {
    const uws = discoverStacks().find((s) => s.id === "uws")!;
    const first = await launchServer(uws, { port: await freePort() });
    started.push(first);
    const conns = await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<WebSocket>((res, rej) => {
            const w = new WebSocket(`${first.wsUrl}/pubsub?topic=t`);
            w.once("open", () => res(w));
            w.once("error", rej);
          }),
      ),
    );
    const closed = conns.map((w) => new Promise<number>((res) => w.once("close", (code) => res(code))));
    const r = await restartServer(uws, first, {}, { signal: "SIGKILL", downMs: 200 });
    started.push(r.server);
    expect(await Promise.all(closed)).toEqual(conns.map(() => 1006));
    expect(r.server.port).toBe(first.port);
    expect(r.bindAttempts).toBe(1);
    expect(await health(r.server.httpUrl)).toBe(200);
  });

  it("fails with a message naming the stack and port when the new server cannot start", async () => {
    const first = await launchServer(ws);
    started.push(first);
    const broken = { ...ws, argv: [process.execPath, "-e", "process.exit(3)"] };
    await expect(restartServer(broken, first, {}, { signal: "SIGKILL", downMs: 0 })).rejects.toThrow(
      new RegExp(`restarting ws on 127\\.0\\.0\\.1:${first.port} failed.*exited before it was ready \\(code 3`, "s"),
    );
  });
});
