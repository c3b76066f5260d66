// Renders an ECharts option to SVG on the server (ECharts SSR, no DOM, no animation) and SVG to PNG (resvg).
import * as echarts from "echarts";
import { Resvg } from "@resvg/resvg-js";
import { DEJAVU_SANS_WIDTHS_EM } from "./font-widths.ts";

/** Default chart size in CSS pixels; PNGs are rendered at PNG_SCALE times this. */
export const DEFAULT_CHART_WIDTH = 800;
export const DEFAULT_CHART_HEIGHT = 440;
/** Pixel density of PNG output. */
export const PNG_SCALE = 2;
/** Font used in charts; DejaVu Sans ships with Debian and most Linux images, the browser falls back to sans-serif. */
export const CHART_FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

/** A chart ready to render. */
export interface ChartSpec {
  /** File base name under charts/ (e.g. "throughput"). */
  name: string;
  /** Title shown above the chart in reports. */
  title: string;
  /** One or two sentences saying how to read the chart. */
  caption: string;
  width: number;
  height: number;
  /** ECharts option (animation is turned off by render). */
  option: echarts.EChartsCoreOption;
}

/** Width of a character missing from the width table: a full em, so unknown text is laid out too wide, never too narrow. */
const UNKNOWN_CHAR_WIDTH_EM = 1;
/** ECharts' font size when a font string names none. */
const DEFAULT_FONT_SIZE_PX = 12;

/**
 * Text width as DejaVu Sans draws it. Without a canvas, ECharts estimates widths with Helvetica-like metrics; DejaVu
 * Sans (what resvg draws the PNGs with) is about 13 % wider, so legend entries overlapped and rotated axis labels ran
 * out of the chart.
 */
export function measureText(text: string, font?: string): { width: number } {
  const sizePx = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? "")?.[1] ?? DEFAULT_FONT_SIZE_PX);
  let em = 0;
  for (const ch of text) em += DEJAVU_SANS_WIDTHS_EM[ch] ?? UNKNOWN_CHAR_WIDTH_EM;
  return { width: em * sizePx };
}

/** Renders a chart to an SVG string with ECharts' server-side renderer. */
export function renderSvg(spec: ChartSpec): string {
  echarts.setPlatformAPI({ measureText });
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: spec.width, height: spec.height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: CHART_FONT, fontSize: 13 }, backgroundColor: "#ffffff", ...spec.option });
    return stableIds(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/**
 * zrender names CSS classes, clip paths, gradients, patterns and shadows after a per-process instance id and counters
 * (zr7-cls-42, zr7-c0), so the same chart rendered twice differs; renumber them per kind in order of first appearance
 * so the output depends only on the chart.
 */
export function stableIds(svg: string): string {
  const ids = new Map<string, string>();
  const perKind = new Map<string, number>();
  return svg.replace(/\bzr\d+-(cls-|ani-|[sgpc])(\d+)\b/g, (m, kind: string) => {
    let id = ids.get(m);
    if (id === undefined) {
      const n = perKind.get(kind) ?? 0;
      perKind.set(kind, n + 1);
      id = `zr0-${kind}${n}`;
      ids.set(m, id);
    }
    return id;
  });
}

/** Rasterises an SVG string to PNG bytes at PNG_SCALE with system fonts. */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: PNG_SCALE },
    background: "#ffffff",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return Buffer.from(resvg.render().asPng());
}

/**
 * Makes an SSR SVG scale with its container (for inlining into HTML): width 100%, height from the viewBox. Its CSS
 * classes and ids get a per-chart prefix, since styles and ids inside inline SVGs are shared by the whole page.
 */
export function responsiveSvg(svg: string, label: string, chartName: string): string {
  const prefix = `wsa-${chartName.replace(/[^a-zA-Z0-9_-]/g, "_")}-`;
  return svg
    .replace(/\bzr0-/g, prefix)
    .replace(
      /^<svg width="(\d+)" height="(\d+)"/,
      (_m, w: string, h: string) =>
        `<svg role="img" aria-label="${escapeAttr(label)}" style="width:100%;height:auto;max-width:${w}px" data-width="${w}" data-height="${h}"`,
    );
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}
