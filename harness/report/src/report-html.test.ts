// Opens report.html in headless Chromium as a reader would: every chart drawn with data marks, no console errors,
// no network requests; the decision table and the cannot-tell box on the first screen at 1280×900; saves full-page
// screenshots (desktop and phone width) for a person to look at, and the first screen to $WSARENA_SCREENSHOT when set.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FALLBACK_COLORS, STACK_COLORS } from "./charts/palette.ts";
import { capacitySchema } from "@wsarena/results";
import { loadReportInput } from "./load.ts";
import { writeReport, writeReportFor } from "./report.ts";
import { parseSlo } from "./slo.ts";
import { findChromium } from "./test-support/browser.ts";
import { copyFixture, REAL_FIXTURE_DIR } from "./test-support/fixture.ts";
import { writeSyntheticResultSet } from "./test-support/synthetic.ts";

/** The first screen a reader sees: the decision table and the cannot-tell box must fit in it without scrolling. */
export const FIRST_SCREEN = { width: 1280, height: 900 } as const;
/** The committed reference result set (a run set at its top, when it has one). */
const REFERENCE_DIR = join(REAL_FIXTURE_DIR, "..", "reference-20261202");

/** Where screenshots go (outside the repository unless overridden). */
export const SCREENSHOT_DIR = process.env.WSARENA_SCREENSHOT_DIR ?? join(tmpdir(), "wsarena-report-screenshots");

interface PageCheck {
  charts: { name: string; width: number; height: number; marks: number }[];
  consoleErrors: string[];
  requests: string[];
  title: string;
}

let work: string;
let profile: string;
let context: BrowserContext;

beforeAll(async () => {
  // No browser is a failure, not a skip: findChromium and the launch throw.
  const browser = await findChromium();
  console.log(`report-html.test: Chromium from ${browser.source}: ${browser.executablePath}`);
  work = mkdtempSync(join(tmpdir(), "wsarena-report-test-"));
  profile = mkdtempSync(join(tmpdir(), "wsarena-chromium-profile-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: browser.executablePath,
    headless: true,
    args: browser.args,
    viewport: { width: 1200, height: 900 },
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const seriesColors = [...Object.values(STACK_COLORS), ...FALLBACK_COLORS];

async function openReport(htmlPath: string, shotName: string): Promise<PageCheck> {
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(htmlPath).href, { waitUntil: "load" });
  const charts = await page.evaluate((colors: string[]) => {
    const lower = colors.map((c) => c.toLowerCase());
    return [...document.querySelectorAll("figure[data-chart]")].map((fig) => {
      const svg = fig.querySelector("svg");
      const box = svg?.getBoundingClientRect();
      let marks = 0;
      if (svg) {
        // Bars and symbols carry ECharts' chart metadata; line series are polylines in a series colour.
        marks += svg.querySelectorAll('[ecmeta_ssr_type="chart"]').length;
        for (const p of svg.querySelectorAll("path")) {
          const stroke = (p.getAttribute("stroke") ?? "").toLowerCase();
          const segments = (p.getAttribute("d") ?? "").split("L").length - 1;
          if (p.getAttribute("fill") === "none" && lower.includes(stroke) && segments >= 2) marks++;
        }
      }
      return { name: fig.getAttribute("data-chart") ?? "", width: box?.width ?? 0, height: box?.height ?? 0, marks };
    });
  }, seriesColors);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${shotName}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${shotName}-phone.png`), fullPage: false });
  const phoneOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (phoneOverflow > 1) consoleErrors.push(`page is ${phoneOverflow}px wider than a 390px phone screen`);
  const title = await page.title();
  await page.close();
  return { charts, consoleErrors, requests, title };
}

/** Opens report.html at 1280×900 and returns the bottom edge (px from the top of the page) of the decision table and the box. */
async function firstScreen(htmlPath: string, shot: string | undefined): Promise<{ table: number; box: number; boxLines: number; columns: number }> {
  const page = await context.newPage();
  await page.setViewportSize(FIRST_SCREEN);
  await page.goto(pathToFileURL(htmlPath).href, { waitUntil: "load" });
  const r = await page.evaluate(() => {
    const bottom = (sel: string): number => {
      const el = document.querySelector(sel);
      return el ? el.getBoundingClientRect().bottom + window.scrollY : Number.POSITIVE_INFINITY;
    };
    return {
      table: bottom("table.decision"),
      box: bottom("#cannot-tell"),
      boxLines: document.querySelectorAll("#cannot-tell li").length,
      columns: document.querySelectorAll("table.decision th").length - 1,
    };
  });
  if (shot) {
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: false });
  }
  await page.close();
  return r;
}

describe("report.html first screen at 1280×900", () => {
  it("shows the decision table and the cannot-tell box without scrolling when every question has a column", async () => {
    // SYNTHETIC core set, with the points and knees of the real quick-cpu, quick-knee, failure, slow-consumer and soak
    // fixtures and the trader capacity ladder merged in: a layout check with every column filled, not one run's figures.
    const dir = writeSyntheticResultSet(join(work, "first-screen"));
    const base = loadReportInput(dir);
    const more = ["quick-cpu", "quick-knee", "failure", "slow-consumer", "soak"].map((f) => loadReportInput(join(REAL_FIXTURE_DIR, "..", f)));
    const capacity = capacitySchema.parse(JSON.parse(readFileSync(join(REAL_FIXTURE_DIR, "../capacity/capacity.json"), "utf8")));
    const merged = {
      ...base,
      scenarios: [...base.scenarios, ...more.flatMap((m) => m.scenarios.filter((s) => !base.scenarios.includes(s)))],
      stacks: [...new Set([...base.stacks, ...more.flatMap((m) => m.stacks)])].sort(),
      points: [...base.points.filter((p) => p.scenario !== "echo-latency"), ...more.flatMap((m) => m.points)],
      knees: more.flatMap((m) => m.knees ?? []),
      capacity: [capacity],
    };
    writeReportFor(merged);
    const r = await firstScreen(join(dir, "report.html"), join(SCREENSHOT_DIR, "first-screen-every-column.png"));
    expect(r.columns).toBeGreaterThanOrEqual(7);
    expect(r.boxLines).toBeGreaterThan(0);
    expect(r.table).toBeLessThanOrEqual(FIRST_SCREEN.height);
    expect(r.box).toBeLessThanOrEqual(FIRST_SCREEN.height);
  }, 120_000);

  it.skipIf(!existsSync(join(REFERENCE_DIR, "run.json")))(
    "shows them for the committed reference too, and saves that screen to $WSARENA_SCREENSHOT when set",
    async () => {
      const dir = join(work, "reference");
      cpSync(REFERENCE_DIR, dir, { recursive: true, filter: (src) => !/report\.(html|md)$|[/\\]charts([/\\]|$)/.test(src) });
      writeReport(dir);
      const r = await firstScreen(join(dir, "report.html"), process.env.WSARENA_SCREENSHOT);
      expect(r.table).toBeLessThanOrEqual(FIRST_SCREEN.height);
      expect(r.box).toBeLessThanOrEqual(FIRST_SCREEN.height);
    },
    120_000,
  );
});

describe("report.html in Chromium", () => {
  it("renders every chart of a synthetic result set with data marks, without console errors or network requests", async () => {
    const dir = writeSyntheticResultSet(join(work, "synthetic"));
    writeReport(dir, { slo: parseSlo("p99<10ms") });
    const r = await openReport(join(dir, "report.html"), "synthetic");
    expect(r.consoleErrors).toEqual([]);
    expect(r.requests).toEqual([]);
    expect(r.title).toContain("synthetic-a");
    const names = r.charts.map((c) => c.name);
    for (const required of ["throughput", "latency", "latency-vs-rate", "system", "memory-per-connection", "efficiency"]) expect(names).toContain(required);
    for (const c of r.charts) {
      expect(c.width, `${c.name} width`).toBeGreaterThan(300);
      expect(c.height, `${c.name} height`).toBeGreaterThan(150);
      expect(c.marks, `${c.name} data marks`).toBeGreaterThanOrEqual(3);
    }
  }, 120_000);

  it.skipIf(!existsSync(REAL_FIXTURE_DIR))(
    "renders every chart of the real fixture result set without console errors or network requests",
    async () => {
      const dir = copyFixture(join(work, "real"));
      writeReport(dir);
      const r = await openReport(join(dir, "report.html"), "real");
      expect(r.consoleErrors).toEqual([]);
      expect(r.requests).toEqual([]);
      expect(r.charts.length).toBeGreaterThan(0);
      for (const c of r.charts) {
        expect(c.width, `${c.name} width`).toBeGreaterThan(300);
        expect(c.marks, `${c.name} data marks`).toBeGreaterThanOrEqual(1);
      }
    },
    120_000,
  );
});
