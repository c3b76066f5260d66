// The checks can fail: run against a deliberately faulty server (src/fixtures/servers/faulty), each fault is caught.
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, killAllServers } from "@wsarena/stacks";
import { runConformance, type ConformanceReport } from "./index.ts";

const FIXTURE_ROOT = fileURLToPath(new URL("./fixtures", import.meta.url));

afterAll(() => {
  killAllServers();
});

describe("conformance checks against a faulty server", () => {
  let report: ConformanceReport;
  const status = (id: string) => report.results.find((r) => r.id === id);

  it("runs", async () => {
    const [stack] = discoverStacks(FIXTURE_ROOT);
    expect(stack?.id).toBe("faulty");
    report = await runConformance(stack!, {
      level: "full",
      only: [
        "http.health",
        "http.stats-counters",
        "http.unknown-path-upgrade-404",
        "echo.text-126",
        "echo.binary-65536",
        "stream.json-ticks",
        "pubsub.fanout-50",
        "compression.negotiation",
      ],
    });
    expect(report.version).toBe("0.0.0");
  });

  it("passes what the server does right, including a check it lists as a deviation", () => {
    expect(status("http.health")?.status).toBe("pass");
    expect(status("echo.binary-65536")?.status).toBe("pass");
    expect(status("echo.binary-65536")?.message).toContain("remove the deviation");
  });

  it("fails text echoed as binary", () => {
    expect(status("echo.text-126")).toMatchObject({ status: "fail", message: expect.stringContaining("opcode must be preserved") });
  });

  it("fails a stream with a seq gap", () => {
    expect(status("stream.json-ticks")).toMatchObject({ status: "fail", message: expect.stringContaining("seq 4 arrived as tick #3") });
  });

  it("fails pub/sub that skips the sender", () => {
    expect(status("pubsub.fanout-50")).toMatchObject({
      status: "fail",
      message: expect.stringMatching(/subscriber (0|7|14): 4 of 4 messages of sender \1 never arrived \(its own/),
    });
  });

  it("fails an upgrade to an unknown path that is accepted", () => {
    expect(status("http.unknown-path-upgrade-404")).toMatchObject({ status: "fail", message: expect.stringContaining("answered 101, expected HTTP 404") });
  });

  it("fails /stats that does not count messages in", () => {
    expect(status("http.stats-counters")).toMatchObject({ status: "fail", message: expect.stringContaining("messagesIn +0 (expected +20)") });
  });

  it("fails negotiation when the server ignores WSARENA_COMPRESSION=1 (the fixture never accepts permessage-deflate)", () => {
    expect(status("compression.negotiation")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("with WSARENA_COMPRESSION=1 the server answered no Sec-WebSocket-Extensions"),
    });
  });

  it("is not ok", () => {
    expect(report.ok).toBe(false);
    expect(report.counts.fail).toBe(6);
  });
});
