import { describe, expect, it } from "vitest";
import { createStats, statsBody } from "./index.ts";

describe("stats", () => {
  it("starts every counter at zero and reports rss and uptime with them", () => {
    const s = createStats();
    expect(Object.values(s).every((v) => v === 0)).toBe(true);
    s.messagesOut++;
    const body = statsBody(s, 1234, performance.now() - 50);
    expect(body).toMatchObject({ messagesOut: 1, rssBytes: 1234 });
    expect(body.uptimeMs).toBeGreaterThanOrEqual(50);
  });
});
