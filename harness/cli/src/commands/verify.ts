// `wsarena verify [--stacks a,b] [--level smoke|full] [--json]`: starts each stack and runs the protocol conformance checks.
import { discoverStacks, selectStacks, type DiscoveredStack } from "@wsarena/stacks";
import { asUsage, parseChoice, parseFlags, parseList } from "../args.ts";
import type { Command } from "../command.ts";
import { renderTable } from "../table.ts";

/** Default level of `wsarena verify`. */
export const DEFAULT_VERIFY_LEVEL = "full";

/** Minimal view of a conformance report used here (see @wsarena/conformance ConformanceReport). */
interface ReportView {
  stack: string;
  ok: boolean;
  level: string;
  durationMs: number;
  counts: Record<string, number>;
  problems: string[];
  results: Array<{ id: string; status: string; message: string }>;
}

/** Runs the conformance suite of `level` on `stack` (pinned to `cpus` when given); failures as one line each. */
export async function verifyStack(
  stack: DiscoveredStack,
  level: "smoke" | "full",
  cpus?: string,
): Promise<{ ok: boolean; level: string; failures: string[]; report: ReportView }> {
  const { runConformance } = await import("@wsarena/conformance");
  const report = (await runConformance(stack, { level, ...(cpus !== undefined ? { cpus } : {}) })) as ReportView;
  const failures = [...report.problems, ...report.results.filter((r) => r.status === "fail").map((r) => `${r.id}: ${r.message.split("\n")[0]}`)];
  return { ok: report.ok, level, failures, report };
}

export const command: Command = {
  name: "verify",
  summary: "Start each stack and run the protocol conformance checks; exit 1 if any stack fails.",
  usage: "wsarena verify [--stacks a,b] [--level smoke|full] [--json]",
  async run(argv) {
    const { values } = parseFlags(argv, { stacks: { type: "string" }, level: { type: "string" }, json: { type: "boolean" } });
    const level = parseChoice("level", values.level, ["smoke", "full"] as const) ?? DEFAULT_VERIFY_LEVEL;
    const ids = parseList("stacks", values.stacks);
    const all = discoverStacks();
    const stacks = asUsage(() => selectStacks(all, ids));
    if (stacks.length === 0) throw new Error("no stacks found: no servers/*/stack.json in this checkout");
    const rows: Array<{ stack: string; ok: boolean; status: string; failures: string[]; report: ReportView | null }> = [];
    for (const s of stacks) {
      if (!s.runnable) {
        rows.push({ stack: s.id, ok: !ids, status: `skipped: ${s.reason}`, failures: ids ? [`cannot run here: ${s.reason}`] : [], report: null });
        if (!values.json) console.error(`${s.id}: skipped (${s.reason})`);
        continue;
      }
      if (!values.json) console.error(`${s.id}: verifying (${level}) …`);
      try {
        const v = await verifyStack(s, level);
        const c = v.report.counts;
        rows.push({
          stack: s.id,
          ok: v.ok,
          status: `${v.ok ? "ok" : "FAILED"} (${c.pass ?? 0} pass, ${c.fail ?? 0} fail, ${c.warn ?? 0} warn, ${c.skip ?? 0} skip)`,
          failures: v.failures,
          report: v.report,
        });
      } catch (e) {
        rows.push({ stack: s.id, ok: false, status: "FAILED", failures: [(e as Error).message.split("\n")[0]!], report: null });
      }
      const last = rows[rows.length - 1]!;
      if (!values.json) for (const f of last.failures) console.error(`  ✗ ${f}`);
    }
    if (values.json) {
      console.log(JSON.stringify({ level, ok: rows.every((r) => r.ok), stacks: rows }, null, 2));
    } else {
      console.log(
        renderTable(
          ["stack", "result"],
          rows.map((r) => [r.stack, r.status]),
        ),
      );
    }
    return rows.every((r) => r.ok) ? 0 : 1;
  },
};
