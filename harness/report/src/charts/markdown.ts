// A chart in report.md: its PNG, then its caption as an italic line under it.

/** What report.md shows of a chart. */
export interface MarkdownChart {
  /** File base name under charts/. */
  name: string;
  /** Alt text of the image. */
  title: string;
  /** One or two sentences saying how to read the chart. */
  caption: string;
}

/** Escapes the characters Markdown would read as markup inside an italic line (emphasis, links, HTML, code). */
function escapeInline(text: string): string {
  return text.replace(/[\\*_<>[\]`]/g, (ch) => `\\${ch}`).replace(/\n/g, " ");
}

/** The image of a chart and its caption in italics under it, as one Markdown block. */
export function markdownChart(ch: MarkdownChart): string {
  return `![${escapeInline(ch.title)}](charts/${ch.name}.png)\n\n*${escapeInline(ch.caption)}*`;
}
