// Stable colours per stack, so a stack has the same colour in every chart and every report.

/** Colours of the known stacks. */
export const STACK_COLORS: Readonly<Record<string, string>> = Object.freeze({
  uws: "#1f77b4",
  ws: "#ff7f0e",
  "fastify-websocket": "#2ca02c",
  "socket-io": "#d62728",
  bun: "#9467bd",
  deno: "#17becf",
});

/** Colours of stacks without their own, assigned in sorted order. */
export const FALLBACK_COLORS: readonly string[] = ["#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173"];

/** Colour of a stack: its own for known stacks, otherwise by position among the unknown ones (sorted). */
export function stackColor(stack: string, allStacks: readonly string[]): string {
  const own = STACK_COLORS[stack];
  if (own) return own;
  const unknown = [...new Set(allStacks)].filter((s) => !STACK_COLORS[s]).sort();
  return FALLBACK_COLORS[Math.max(0, unknown.indexOf(stack)) % FALLBACK_COLORS.length]!;
}
