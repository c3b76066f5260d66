// The report is a pure function of the result set: same bytes every time, nothing but its own files written.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadReportInput } from "./load.ts";
import { writeReport } from "./report.ts";
import { README_END, README_START } from "./readme-block.ts";
import { parseSlo } from "./slo.ts";
import { copyFixture, REAL_FIXTURE_DIR } from "./test-support/fixture.ts";
import { methodLink } from "./decision-render.ts";

const work = mkdtempSync(join(tmpdir(), "wsarena-report-unit-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else
        out[`${rel}${e.name}`] = createHash("sha256")
          .update(readFileSync(join(d, e.name)))
          .digest("hex");
    }
  };
  walk(dir, "");
  return out;
}

describe("writeReport on the real fixture", () => {
  const dir = copyFixture(join(work, "real"));
  const before = snapshot(dir);
  const first = writeReport(dir, { slo: parseSlo("p99<10ms") });
  const afterFirst = snapshot(dir);

  it("writes report.html, report.md and every chart as SVG and PNG, and touches no input file", () => {
    for (const f of [
      "report.html",
      "report.md",
      "charts/throughput.svg",
      "charts/throughput.png",
      "charts/latency.png",
      "charts/latency-vs-rate.png",
      "charts/system.png",
      "charts/memory-per-connection.png",
      "charts/efficiency.png",
    ]) {
      expect(afterFirst[f], f).toBeDefined();
    }
    for (const [f, hash] of Object.entries(before)) expect(afterFirst[f], f).toBe(hash);
    expect(
      Object.keys(afterFirst)
        .filter((f) => !(f in before))
        .sort(),
    ).toEqual([...first.files].sort());
  });

  it("regenerating changes nothing", () => {
    writeReport(dir, { slo: parseSlo("p99<10ms") });
    expect(snapshot(dir)).toEqual(afterFirst);
  });

  it("the HTML is self-contained: no scripts, no remote resources", () => {
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    expect(html).not.toMatch(/<link[^>]+stylesheet/i);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(6);
  });

  it("inlined charts do not share element ids or CSS classes (a shared clip path would clip the wrong chart)", () => {
    const html = readFileSync(join(dir, "report.html"), "utf8");
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).not.toMatch(/\bzr\d+-/);
  });

  it("shows run metadata, every scenario and the validity flags in place", () => {
    const input = loadReportInput(dir);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    const md = readFileSync(join(dir, "report.md"), "utf8");
    expect(html).toContain(input.run.machine.cpuModel);
    expect(html).toContain(`server on cpu ${input.run.pinning.serverCpus}`);
    expect(html).toContain("m7i.large");
    for (const s of input.scenarios) {
      expect(html).toContain(`id="scenario-${s}"`);
      expect(md).toContain(`## Scenario ${s}`);
    }
    const flagged = input.points.filter((p) => p.flags.length);
    expect(flagged.length).toBeGreaterThan(0);
    for (const p of flagged) {
      // ⚠ where a flag says the figure is not a server property; † where every flag is a caveat (high-variance).
      const caveat = (f: string): boolean => f === "high-variance" || f === "not-saturated";
      const mark = `${p.flags.some((f) => !caveat(f)) ? "⚠ " : ""}${p.flags.join(", ")}${p.flags.some(caveat) ? " †" : ""}`;
      expect(md).toMatch(new RegExp(`\\| ${p.pointKey.replace(/[/.]/g, "\\$&")} \\| ${p.stack} \\|.*${mark.replace(/[/.]/g, "\\$&")} \\|`));
    }
    expect(html).toMatch(/<td class="warn" title="[a-z-, ]+">[^<]*⚠<\/td>/);
  });
});

describe("report.md says each thing once", () => {
  const dir = copyFixture(join(work, "once"));
  const out = writeReport(dir);
  const md = readFileSync(join(dir, "report.md"), "utf8");
  const main = md.slice(0, md.indexOf("\n# Appendix\n"));

  it("opens with the decision table and the cannot-tell box, and keeps the part before the appendix under 150 lines", () => {
    expect(md.indexOf("\n# Appendix\n")).toBeGreaterThan(0);
    expect(main.split("\n").length).toBeLessThan(150);
    expect(main.indexOf("## Decision\n\n| Stack |")).toBeGreaterThan(0);
    expect(main).toContain("### What this run cannot tell you");
    expect(main).toContain("How each figure is measured and when it is flagged: docs/method.md in the wsarena repository.");
    expect(main).not.toContain("## Scenario ");
  });

  it("prints every verdict once, and every flagged figure's note once, in the appendix", () => {
    const count = (text: string): number => md.split(text).length - 1;
    const verdicts = out.findings.filter((f) => f.kind === "verdict");
    expect(verdicts.length).toBeGreaterThan(0);
    for (const v of verdicts) expect(count(v.text), v.text).toBe(1);
    const flagged = loadReportInput(dir).points.filter((p) => p.flags.length);
    for (const p of flagged) expect(count(`${p.scenario} ${p.pointKey}: `), p.key).toBe(1);
    expect(md).not.toContain("### Flagged or failed measurements");
    expect(md).not.toContain("### Verdict per point");
  });

  it("links docs/method.md relative to a result set inside the repository", () => {
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).toContain("docs/method.md in the wsarena repository");
    expect(methodLink(join(REAL_FIXTURE_DIR))).toBe("[docs/method.md](../../../../docs/method.md)");
  });
});

describe("writeReport --readme", () => {
  it("rewrites only the results block of the README, with links into the result set", () => {
    const dir = copyFixture(join(work, "readme", "results", "run"));
    const readme = join(work, "readme", "README.md");
    writeFileSync(readme, `# project\n\nbefore\n${README_START}\nstale\n${README_END}\nafter\n`);
    const out = writeReport(dir, { readmePath: readme });
    const text = readFileSync(readme, "utf8");
    expect(out.readmeChanged).toBe(true);
    expect(text.startsWith(`# project\n\nbefore\n${README_START}\n`)).toBe(true);
    expect(text.endsWith(`\n${README_END}\nafter\n`)).toBe(true);
    expect(text).not.toContain("stale");
    expect(text).toContain("](results/run/charts/throughput.png)");
    expect(text).toContain("](results/run/report.html)");
    expect(writeReport(dir, { readmePath: readme }).readmeChanged).toBe(false);
  });
});
