// The hostile scenario's tables: survival per stack (inputs, verdicts, deaths, bystander failures, RSS) and, per stack,
// the outcome of every input class (counts per class × outcome), read from the repetitions' `details`.
import { detailsOf, type HostileDetails } from "@wsarena/results";
import type { ReportInput } from "./model.ts";
import type { Cell, Table } from "./tables.ts";

/** Scenario id whose repetitions carry hostile details. */
export const HOSTILE_SCENARIO = "hostile" as const;

const cell = (text: string, num = false, warn: string[] = []): Cell => ({ text, warn, num });
const mib = (b: number | null): string => (b === null ? "–" : (b / 1048576).toFixed(1));

/** Hostile details per stack (the last repetition of each stack's point), in the report's stack order. */
export function hostileDetailsByStack(input: ReportInput): Array<{ stack: string; d: HostileDetails }> {
  const out: Array<{ stack: string; d: HostileDetails }> = [];
  for (const p of input.points) {
    if (p.scenario !== HOSTILE_SCENARIO) continue;
    const d = detailsOf(
      HOSTILE_SCENARIO,
      [...p.reps].reverse().find((r) => r.details),
    );
    if (d) out.push({ stack: p.stack, d });
  }
  return out;
}

/** Tables of the hostile scenario (empty for any other scenario or when no repetition has details). */
export function hostileTables(input: ReportInput, scenario: string): Array<{ title: string; table: Table }> {
  if (scenario !== HOSTILE_SCENARIO) return [];
  const all = hostileDetailsByStack(input);
  if (!all.length) return [];
  const summary: Table = {
    headers: [
      "stack",
      "inputs",
      "contract",
      "deviation",
      "unexpected",
      "deaths",
      "bystander failures",
      "RSS before MiB",
      "RSS after MiB",
      "RSS slope KiB/min",
      "seed",
    ],
    rows: all.map(({ stack, d }) => {
      const bad = (n: number, what: string) => (n > 0 ? [what] : []);
      return [
        cell(stack),
        cell(`${d.inputsSent}/${d.inputsPlanned}`, true, d.inputsSent < d.inputsPlanned ? ["not every input was sent"] : []),
        cell(String(d.verdicts.contract ?? 0), true),
        cell(String(d.verdicts.deviation ?? 0), true),
        cell(String(d.verdicts.unexpected ?? 0), true, bad(d.verdicts.unexpected ?? 0, "outcomes neither the contract's nor documented")),
        cell(String(d.deaths), true, bad(d.deaths, "the server died")),
        cell(String(d.bystanderFailures.length), true, bad(d.bystanderFailures.length, "the bystander stopped being served")),
        cell(mib(d.rssBeforeBytes), true),
        cell(mib(d.rssAfterBytes), true),
        cell(String(d.rssSlopeKiBPerMin), true),
        cell(String(d.seed), true),
      ];
    }),
    notes: [
      "contract = the outcome the protocol allows; deviation = an outcome the stack's stack.json documents under the rule's check id; unexpected = neither (the pass fails).",
    ],
  };
  const tables = [{ title: "hostile: survival per stack", table: summary }];
  for (const { stack, d } of all) {
    const outcomes = [...new Set(Object.values(d.outcomesByClass).flatMap((o) => Object.keys(o)))].sort();
    tables.push({
      title: `hostile: outcomes on ${stack} (inputs per class × outcome)`,
      table: {
        headers: ["input class", ...outcomes, "deviation", "unexpected"],
        rows: Object.keys(d.outcomesByClass).map((cls) => {
          const v = d.verdictsByClass[cls];
          return [
            cell(cls),
            ...outcomes.map((o) => cell(String(d.outcomesByClass[cls]![o] ?? ""), true)),
            cell(String(v?.deviation || ""), true),
            cell(String(v?.unexpected || ""), true, v?.unexpected ? ["outcomes neither the contract's nor documented"] : []),
          ];
        }),
      },
    });
  }
  return tables;
}
