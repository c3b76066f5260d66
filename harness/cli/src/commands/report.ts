// `wsarena report <dir> [<dir> ...] [--out DIR] [--allow-mixed-commits] [--readme] [--slo p99<10ms] [--vcpu-hour-usd N]`: writes report.html,
// report.md and charts/ of one result set into it, or of several sets (run and capacity, one commit and machine) into one folder.
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import {
  DEFAULT_PRICE_SOURCE,
  DEFAULT_README_PATH,
  DEFAULT_VCPU_HOUR_USD,
  defaultReportDir,
  loadReportSets,
  parseSlo,
  resultSetFolders,
  setKindOf,
  writeCapacityReport,
  writeReportFor,
  type ReportOptions,
  type Slo,
} from "@wsarena/report";
import { asUsage, parseFlags } from "../args.ts";
import { UsageError, type Command } from "../command.ts";

/** Resolves a path the user typed against the directory they typed it in (pnpm runs scripts from the repo root). */
export function userPath(p: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

/** A path as the user would type it from where they are (absolute when outside). */
function shown(p: string): string {
  const rel = relative(process.env.INIT_CWD ?? process.cwd(), p);
  return rel === "" ? "." : rel.startsWith("..") ? p : rel;
}

const FLAGS = {
  out: { type: "string" },
  readme: { type: "boolean" },
  slo: { type: "string" },
  "vcpu-hour-usd": { type: "string" },
  "allow-mixed-commits": { type: "boolean" },
} as const;

/** The run-report options from the flags (--slo, --vcpu-hour-usd, --readme). */
function reportOptions(values: { readme?: boolean; slo?: string; "vcpu-hour-usd"?: string }): ReportOptions {
  const slo: Slo | null = values.slo === undefined ? null : asUsage(() => parseSlo(values.slo!));
  let vcpuHourUsd = DEFAULT_VCPU_HOUR_USD;
  let priceSource = DEFAULT_PRICE_SOURCE;
  if (values["vcpu-hour-usd"] !== undefined) {
    vcpuHourUsd = Number(values["vcpu-hour-usd"]);
    if (!Number.isFinite(vcpuHourUsd) || vcpuHourUsd <= 0)
      throw new UsageError(`--vcpu-hour-usd ${values["vcpu-hour-usd"]}: expected a positive price in US dollars, e.g. 0.05`);
    priceSource = "given with --vcpu-hour-usd";
  }
  return { slo, vcpuHourUsd, priceSource, readmePath: values.readme ? DEFAULT_README_PATH : null };
}

/** The result set folders named by the arguments, and where the report goes. */
function resolveSets(positionals: readonly string[], out: string | undefined): { sets: string[]; outDir: string } {
  if (positionals.length === 0) throw new UsageError("expected one or more result set folders, got none");
  const paths = positionals.map((p) => {
    if (!existsSync(userPath(p)))
      throw new UsageError(`${p} does not exist; pass a folder written by \`wsarena run\` (results/<runId>/) or \`wsarena capacity\``);
    return userPath(p);
  });
  const { sets, skipped } = resultSetFolders(paths);
  if (sets.length === 0)
    throw new UsageError(
      `${positionals.join(" ")}: no result set (no run.json or capacity.json in it or its subfolders); pass folders written by \`wsarena run\` or \`wsarena capacity\``,
    );
  if (skipped.length) console.log(`skipped (no result set): ${skipped.map(shown).join(", ")}`);
  return { sets, outDir: out === undefined ? defaultReportDir(paths) : userPath(out) };
}

export const command: Command = {
  name: "report",
  summary:
    "Write report.html, report.md and charts/*.svg|png of a result set (run or capacity set) into it, or of several sets (same commit and machine) into one folder; --readme also rewrites README.md's results block.",
  usage: `wsarena report <result-dir> [<result-dir> ...] [--out DIR] [--readme] [--slo "p99<10ms"] [--vcpu-hour-usd ${DEFAULT_VCPU_HOUR_USD}]`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS, true);
    const { sets, outDir } = resolveSets(positionals, values.out);
    if (sets.length === 1 && setKindOf(sets[0]!) === "capacity") {
      // A capacity set alone (wsarena capacity): its own charts and verdict table; the run-report flags do not apply.
      if (values.readme || values.slo !== undefined || values["vcpu-hour-usd"] !== undefined)
        throw new UsageError("--readme, --slo and --vcpu-hour-usd apply to `wsarena run` sets; a capacity set carries its own criteria");
      const out = writeCapacityReport(sets[0]!, outDir);
      const rel = shown(outDir);
      console.log(
        `wrote ${rel}/report.html, ${rel}/report.md and ${out.files.filter((f) => f.endsWith(".svg")).length} capacity charts (SVG + PNG) in ${rel}/charts/`,
      );
      for (const [stack, verdict, largest] of out.verdicts) console.log(`- ${stack}: ${verdict}; largest passing level ${largest} users`);
      return 0;
    }
    const o = reportOptions(values);
    const input = loadReportSets(sets, outDir, { allowMixedCommits: values["allow-mixed-commits"] === true });
    const out = writeReportFor(input, o);
    const rel = shown(outDir);
    const charts = out.files.filter((f) => f.endsWith(".svg")).length;
    const from = sets.length > 1 ? ` from ${sets.length} result sets (${sets.map((s) => relative(outDir, s) || ".").join(", ")})` : "";
    console.log(`wrote ${rel}/report.html, ${rel}/report.md and ${charts} charts (SVG + PNG) in ${rel}/charts/${from}`);
    for (const f of out.findings) console.log(`${f.warning ? "! " : "- "}${f.text}`);
    if (values.readme)
      console.log(out.readmeChanged ? `updated the results block of ${DEFAULT_README_PATH}` : `${DEFAULT_README_PATH} results block already up to date`);
    return 0;
  },
};
