import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DETAILS_SCHEMAS, detailsOf, loadResultSet, RUN_FILE } from "@wsarena/results";

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures");
const REFERENCE = join(FIXTURES, "reference-20261202");
const SETS = [REFERENCE, ...["failure", "real", "slow-consumer", "soak"].map((n) => join(FIXTURES, n))].filter((d) => existsSync(join(d, RUN_FILE)));

const isDetailsScenario = (s: string): s is keyof typeof DETAILS_SCHEMAS => s in DETAILS_SCHEMAS;

describe("details of the stored result sets", () => {
  it("parse with their scenario's schema in the reference set and every fixture", () => {
    expect(SETS.length).toBe(5);
    const parsed = new Map<string, number>();
    for (const dir of SETS) {
      for (const m of loadResultSet(dir).measurements) {
        if (!isDetailsScenario(m.scenario)) continue;
        for (const rep of m.points.flatMap((p) => p.reps).filter((r) => r.details)) {
          expect(detailsOf(m.scenario, rep), `${dir} ${m.stack} ${m.scenario}`).not.toBeNull();
          parsed.set(m.scenario, (parsed.get(m.scenario) ?? 0) + 1);
        }
      }
    }
    expect([...parsed.keys()].sort()).toEqual(["burst", "reconnect", "slow-consumer", "soak"]);
  });
});
