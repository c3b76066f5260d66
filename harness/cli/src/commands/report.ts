// `wsarena report <result-dir> [--readme] [--slo p99<10ms] [--vcpu-hour-usd N]`: writes report.html, report.md and charts/ into the set.
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import {
  DEFAULT_PRICE_SOURCE,
  DEFAULT_README_PATH,
  DEFAULT_VCPU_HOUR_USD,
  isCapacitySet,
  parseSlo,
  writeCapacityReport,
  writeReport,
  type Slo,
} from "@wsarena/report";
import { asUsage, parseFlags } from "../args.ts";
import { UsageError, type Command } from "../command.ts";

/** Resolves a path the user typed against the directory they typed it in (pnpm runs scripts from the repo root). */
export function userPath(p: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

export const command: Command = {
  name: "report",
  summary: "Write report.html, report.md and charts/*.svg|png into a result set (run or capacity set); --readme also rewrites README.md's results block.",
  usage: `wsarena report <result-dir> [--readme] [--slo "p99<10ms"] [--vcpu-hour-usd ${DEFAULT_VCPU_HOUR_USD}]`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { readme: { type: "boolean" }, slo: { type: "string" }, "vcpu-hour-usd": { type: "string" } }, true);
    if (positionals.length !== 1) throw new UsageError(`expected one result set folder, got ${positionals.length ? positionals.join(" ") : "none"}`);
    const dir = userPath(positionals[0]!);
    if (!existsSync(dir)) throw new UsageError(`${positionals[0]} does not exist; pass a folder written by \`wsarena run\` (results/<runId>/)`);
    if (isCapacitySet(dir)) {
      // A capacity set (wsarena capacity): its own charts and verdict table; the run-report flags do not apply.
      if (values.readme || values.slo !== undefined || values["vcpu-hour-usd"] !== undefined)
        throw new UsageError("--readme, --slo and --vcpu-hour-usd apply to `wsarena run` sets; a capacity set carries its own criteria");
      const out = writeCapacityReport(dir);
      const rel = relative(process.env.INIT_CWD ?? process.cwd(), dir) || ".";
      console.log(
        `wrote ${rel}/report.html, ${rel}/report.md and ${out.files.filter((f) => f.endsWith(".svg")).length} capacity charts (SVG + PNG) in ${rel}/charts/`,
      );
      for (const [stack, verdict, largest] of out.verdicts) console.log(`- ${stack}: ${verdict}; largest passing level ${largest} users`);
      return 0;
    }
    const slo: Slo | null = values.slo === undefined ? null : asUsage(() => parseSlo(values.slo!));
    let vcpuHourUsd = DEFAULT_VCPU_HOUR_USD;
    let priceSource = DEFAULT_PRICE_SOURCE;
    if (values["vcpu-hour-usd"] !== undefined) {
      vcpuHourUsd = Number(values["vcpu-hour-usd"]);
      if (!Number.isFinite(vcpuHourUsd) || vcpuHourUsd <= 0)
        throw new UsageError(`--vcpu-hour-usd ${values["vcpu-hour-usd"]}: expected a positive price in US dollars, e.g. 0.05`);
      priceSource = "given with --vcpu-hour-usd";
    }
    const out = writeReport(dir, { slo, vcpuHourUsd, priceSource, readmePath: values.readme ? DEFAULT_README_PATH : null });
    const rel = relative(process.env.INIT_CWD ?? process.cwd(), dir);
    const shown = rel === "" ? "." : rel.startsWith("..") ? dir : rel;
    const charts = out.files.filter((f) => f.endsWith(".svg")).length;
    console.log(`wrote ${shown}/report.html, ${shown}/report.md and ${charts} charts (SVG + PNG) in ${shown}/charts/`);
    for (const f of out.findings) console.log(`${f.warning ? "! " : "- "}${f.text}`);
    if (values.readme)
      console.log(out.readmeChanged ? `updated the results block of ${DEFAULT_README_PATH}` : `${DEFAULT_README_PATH} results block already up to date`);
    return 0;
  },
};
