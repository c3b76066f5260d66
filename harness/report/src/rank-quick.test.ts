// Ranking on real quick runs of stream-json (fixtures/quick-stream-json*): few, noisy repetitions on a busy 2-core VM,
// where pairwise Welch chained "tie" across several-fold gaps. The pooled, Holm-controlled ranking must order them.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { groupVerdict, pointGroups } from "./findings.ts";
import { loadReportInput } from "./load.ts";
import { advantage, formatVerdict, rankEntry, type Verdict } from "./rank.ts";

const fixture = (name: string): string => resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures", name);

function streamJsonVerdict(name: string): { v: Verdict; values: Map<string, readonly number[]> } {
  const [group] = pointGroups(loadReportInput(fixture(name))).filter((g) => g[0]!.scenario === "stream-json");
  const values = new Map(group!.map((p) => [p.stack, rankEntry(p.stack, p.reps, "msgsPerSec", []).values]));
  return { v: groupVerdict(group!), values };
}

/** Every pair inside one tie group is undecided, and every `>` has a decided pair across it. */
function expectNoChaining(v: Verdict): void {
  expect(v.undecidedAcross).toEqual([]);
  for (const cut of v.cuts) expect(cut.estimate.interval.low).toBeGreaterThan(1);
}

describe("ranking a real quick stream-json run", () => {
  it("three repetitions: orders the several-fold gap and keeps no decided pair inside a group", () => {
    const { v, values } = streamJsonVerdict("quick-stream-json");
    expect([...values.values()].every((xs) => xs.length === 3)).toBe(true);
    expect(v.groups).toEqual([
      ["bun", "uws"],
      ["deno", "fastify-websocket", "ws", "socket-io"],
    ]);
    expectNoChaining(v);
    // uws over deno is about six-fold.
    expect(v.cuts[0]!.estimate.ratio).toBeGreaterThan(5);
    expect(formatVerdict(v)).toMatch(/^\{bun ≈ uws\} > \{deno ≈ fastify-websocket ≈ ws ≈ socket-io\} \(uws\/deno ×5\.94, 9\d(?:\.\d)? % CI /);
  });

  it("two repetitions: orders the several-fold gaps; a decided pair is split rather than chained, the open pair named", () => {
    const { v, values } = streamJsonVerdict("quick-stream-json-2reps");
    expect([...values.values()].every((xs) => xs.length === 2)).toBe(true);
    // Pairwise Welch on the same data decides ws > socket-io, which the earlier rule left inside one tie group.
    const ws = values.get("ws")!;
    const sio = values.get("socket-io")!;
    expect(advantage({ stack: "ws", values: ws, flags: [] }, { stack: "socket-io", values: sio, flags: [] }, "higher").interval.low).toBeGreaterThan(1);
    expect(v.groups).toEqual([
      ["bun", "uws"],
      ["deno", "ws"],
      ["fastify-websocket", "socket-io"],
    ]);
    for (const cut of v.cuts) expect(cut.estimate.interval.low).toBeGreaterThan(1);
    expect(v.cuts[0]!.estimate.ratio).toBeGreaterThan(5);
    // ws and fastify-websocket are not told apart although a `>` stands between their groups: said, not chained.
    expect(v.undecidedAcross.map((p) => `${p.better}~${p.worse}`)).toEqual(["ws~fastify-websocket"]);
    expect(v.wide).toEqual(["bun"]);
    expect(formatVerdict(v)).toMatch(
      /^\{bun ≈ uws\} > \{deno ≈ ws\} \(uws\/deno ×7\.10, 9\d(?:\.\d)? % CI [^)]+\) > \{fastify-websocket ≈ socket-io\} \(ws\/socket-io ×1\.36, 9\d(?:\.\d)? % CI 1\.[^)]+\); .*not a linear order, undecided across a `>`: ws vs fastify-websocket/,
    );
  });
});
