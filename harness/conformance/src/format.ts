// Terminal rendering of a conformance report: a summary line, then every check that did not plainly pass.
import type { CheckResult, ConformanceReport } from "./types.ts";

/** Options of formatReport. */
export interface FormatOptions {
  /** List passing checks too (default: only fail, warn and skip, plus passes with a note about a stale deviation). */
  verbose?: boolean;
}

const TAG: Record<CheckResult["status"], string> = { pass: "PASS", fail: "FAIL", warn: "WARN", skip: "SKIP" };

function line(r: CheckResult): string {
  const msg = r.message ? `\n         ${r.message.replace(/\n/g, "\n         ")}` : "";
  return `  ${TAG[r.status]} ${r.id} — ${r.title} (${r.durationMs} ms)${msg}`;
}

/** Multi-line text for a terminal. */
export function formatReport(report: ConformanceReport, opts: FormatOptions = {}): string {
  const c = report.counts;
  const head = `${report.ok ? "ok  " : "FAIL"} ${report.stack}${report.version ? ` ${report.version}` : ""} (${report.protocol}, ${report.level}): ${c.pass} pass, ${c.fail} fail, ${c.warn} warn, ${c.skip} skip in ${(report.durationMs / 1000).toFixed(1)} s`;
  const shown = report.results.filter((r) => opts.verbose || r.status !== "pass" || r.deviation !== undefined);
  return [head, ...report.problems.map((p) => `  PROBLEM ${p}`), ...shown.map(line)].join("\n");
}
