// Chart layout as resvg draws it (DejaVu Sans): legend entries do not run into each other and no text leaves the canvas.
import { describe, expect, it } from "vitest";
import { fmtCount } from "../format.ts";
import { barChartOption, UNRANKED_LEGEND, type BarStat } from "./bars.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, measureText, renderSvg } from "./render.ts";

/** The reference run's stacks and throughput points: the longest legend names and category labels the report draws. */
const STACKS = ["bun", "deno", "fastify-websocket", "socket-io", "uws", "ws"];
const CATEGORIES = ["64B-text", "64B-binary", "1KiB-text", "1KiB-binary", "16KiB-text", "16KiB-binary"]
  .map((p) => `echo-throughput ${p}`)
  .concat("stream-json 10rx-max", "stream-binary 10rx-max");
/** ECharts places a legend entry's text this far right of its icon's left edge (x="30" on the text). */
const LEGEND_TEXT_OFFSET_PX = 30;

interface PlacedText {
  text: string;
  /** Axis-aligned bounds on the canvas. */
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** Legend entries only: where the icon starts and the text ends. */
  legend?: { start: number; end: number; row: number };
}

/** Every <text> of an ECharts SSR SVG with its bounds, measured with the same DejaVu Sans widths. */
function placedTexts(svg: string): PlacedText[] {
  return [...svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)].map(([, attrs = "", text = ""]) => {
    const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1];
    const sizePx = Number(/font-size:(\d+(?:\.\d+)?)px/.exec(attrs)?.[1] ?? 12);
    const width = measureText(text, `${sizePx}px`).width;
    const x = Number(attr("x") ?? 0);
    const y = Number(attr("y") ?? 0);
    const anchor = attr("text-anchor") ?? "start";
    const x0 = x - (anchor === "end" ? width : anchor === "middle" ? width / 2 : 0);
    const y0 = y - sizePx / 2;
    const t = attr("transform") ?? "";
    const nums = (/\(([^)]*)\)/.exec(t)?.[1] ?? "").split(/[ ,]+/).filter(Boolean).map(Number);
    const [a, b, c, d, e, f] = t.startsWith("matrix") ? nums : t.startsWith("translate") ? [1, 0, 0, 1, nums[0] ?? 0, nums[1] ?? 0] : [1, 0, 0, 1, 0, 0];
    const corners = [
      [x0, y0],
      [x0 + width, y0],
      [x0, y0 + sizePx],
      [x0 + width, y0 + sizePx],
    ].map(([px, py]) => [a! * px! + c! * py! + e!, b! * px! + d! * py! + f!]);
    const xs = corners.map((p) => p[0]!);
    const ys = corners.map((p) => p[1]!);
    const placed: PlacedText = { text, left: Math.min(...xs), right: Math.max(...xs), top: Math.min(...ys), bottom: Math.max(...ys) };
    if (attr("x") === String(LEGEND_TEXT_OFFSET_PX)) placed.legend = { start: e!, end: e! + LEGEND_TEXT_OFFSET_PX + width, row: f! };
    return placed;
  });
}

describe("bar chart layout", () => {
  const series = STACKS.map((stack, i) => ({ stack, values: CATEGORIES.map(() => ({ mean: 1e5 * (i + 1), min: 9e4 * (i + 1), max: 1.1e5 * (i + 1) })) }));
  const svg = renderSvg({
    name: "t",
    title: "t",
    caption: "",
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: barChartOption({ categories: CATEGORIES, series, yName: "msg/s", logY: true, format: String }),
  });
  const texts = placedTexts(svg);

  it("keeps each legend entry clear of the next one's icon", () => {
    const legend = texts.filter((t) => t.legend).map((t) => ({ text: t.text, ...t.legend! }));
    expect(legend.map((l) => l.text)).toEqual(STACKS);
    for (let i = 1; i < legend.length; i++) {
      if (legend[i]!.row !== legend[i - 1]!.row) continue;
      expect(legend[i - 1]!.end, `"${legend[i - 1]!.text}" runs into "${legend[i]!.text}"`).toBeLessThanOrEqual(legend[i]!.start);
    }
  });

  it("draws every label, rotated category labels included, inside the canvas", () => {
    expect(texts.filter((t) => CATEGORIES.includes(t.text))).toHaveLength(CATEGORIES.length);
    for (const t of texts) {
      expect(t.left, `${t.text} left`).toBeGreaterThanOrEqual(0);
      expect(t.top, `${t.text} top`).toBeGreaterThanOrEqual(0);
      expect(t.right, `${t.text} right`).toBeLessThanOrEqual(DEFAULT_CHART_WIDTH);
      expect(t.bottom, `${t.text} bottom`).toBeLessThanOrEqual(DEFAULT_CHART_HEIGHT);
    }
  });
});

describe("unranked bars", () => {
  const stat = (i: number, unranked = false): BarStat => ({ mean: 1e5 * (i + 1), min: 9e4 * (i + 1), max: 1.1e5 * (i + 1), unranked });
  // ws's first figure is flagged ⚠ (client-bound, say): it is drawn, hatched, and the legend says what hatching means.
  const series = STACKS.map((stack, i) => ({ stack, values: CATEGORIES.map((_, ci) => stat(i, stack === "ws" && ci === 0)) }));
  const option = barChartOption({ categories: CATEGORIES, series, yName: "throughput", logY: true, format: (v) => `${fmtCount(v)} msg/s` });
  const svg = renderSvg({ name: "t", title: "t", caption: "", width: DEFAULT_CHART_WIDTH, height: DEFAULT_CHART_HEIGHT, option });
  const texts = placedTexts(svg);
  type Bar = { name: string; type: string; data: unknown[] };
  const bars = (option as { series: Bar[] }).series.filter((x) => x.type === "bar");

  it("draws exactly the unranked bar hatched (a pattern fill), the ranked ones solid", () => {
    const styled = bars.flatMap((b) =>
      b.data.flatMap((d, ci) =>
        typeof d === "object" && d !== null ? [[b.name, ci, (d as { itemStyle: { decal?: unknown } }).itemStyle.decal !== undefined]] : [],
      ),
    );
    expect(styled).toEqual([["ws", 0, true]]);
    expect(svg).toMatch(/<pattern\b/);
    expect(svg).toMatch(/fill="url\(#zr0-p\d+\)"/);
  });

  it("adds a legend entry for the hatched bars, clear of the stacks' entries, and none when every bar is ranked", () => {
    const legend = texts.filter((t) => t.legend).map((t) => ({ text: t.text, ...t.legend! }));
    expect(legend.map((l) => l.text)).toEqual([...STACKS, UNRANKED_LEGEND]);
    for (let i = 1; i < legend.length; i++) {
      if (legend[i]!.row !== legend[i - 1]!.row) continue;
      expect(legend[i - 1]!.end, `"${legend[i - 1]!.text}" runs into "${legend[i]!.text}"`).toBeLessThanOrEqual(legend[i]!.start);
    }
    const ranked = STACKS.map((stack, i) => ({ stack, values: CATEGORIES.map(() => stat(i)) }));
    const plain = renderSvg({
      name: "t",
      title: "t",
      caption: "",
      width: DEFAULT_CHART_WIDTH,
      height: DEFAULT_CHART_HEIGHT,
      option: barChartOption({ categories: CATEGORIES, series: ranked, yName: "throughput", logY: true, format: String }),
    });
    expect(plain).not.toContain(UNRANKED_LEGEND);
    expect(plain).not.toMatch(/<pattern\b/);
  });

  it("makes room for tick labels that carry their unit: labels and the axis name inside the canvas, apart", () => {
    for (const t of texts) expect(t.left, `${t.text} left`).toBeGreaterThanOrEqual(0);
    const ticks = texts.filter((t) => t.text.endsWith(" msg/s"));
    expect(ticks.length).toBeGreaterThan(1);
    const name = texts.find((t) => t.text === "throughput")!;
    expect(name.right, "axis name runs into the tick labels").toBeLessThanOrEqual(Math.min(...ticks.map((t) => t.left)));
  });
});
