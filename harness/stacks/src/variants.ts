// Variants of a stack: a named set of environment overrides (and load options) that runs any stack unchanged, selected
// as `<stack>+<variant>` (e.g. `uws+deflate`) and recorded as its own row. The one registry of variants is VARIANTS.
import type { DiscoveredStack } from "./discover.ts";

/** Separator between a stack id and a variant id in a selector (`uws+deflate`); stack ids are kebab-case, so no clash. */
export const VARIANT_SEPARATOR = "+";

/** A named variant: what it changes, stated as data. */
export interface VariantDef {
  /** Variant id (kebab-case), the part after `+`. */
  id: string;
  /** One line shown in reports and `wsarena list`. */
  description: string;
  /** Environment the server starts with on top of the harness's (contract variables such as WSARENA_COMPRESSION). */
  env: Readonly<Record<string, string>>;
  /** Load options the client uses with this variant (e.g. offer permessage-deflate). */
  load: Readonly<{ deflate?: boolean }>;
  /** Conformance check the variant depends on: a stack whose stack.json lists it as a deviation cannot run the variant (skipped with that reason). */
  needsCheck?: string;
}

/** Every variant. Adding one is adding an entry here; a stack's folder is never edited for a variant. */
export const VARIANTS: Readonly<Record<string, VariantDef>> = {
  deflate: {
    id: "deflate",
    description: "permessage-deflate on (WSARENA_COMPRESSION=1); the client offers it and deflates what it sends",
    env: { WSARENA_COMPRESSION: "1" },
    load: { deflate: true },
    needsCheck: "compression.negotiation",
  },
};

/** A variant applied to a stack, as carried by a DiscoveredStack. */
export interface StackVariant {
  /** Variant id, e.g. "deflate". */
  id: string;
  /** Id of the stack it runs (the folder name; the server's ready line and /health name this id). */
  base: string;
  /** Environment overrides of the variant. */
  env: Readonly<Record<string, string>>;
  /** Load options of the variant. */
  load: Readonly<{ deflate?: boolean }>;
  /** The variant's description. */
  description: string;
}

/** Id a server of `stack` reports in its ready line and /health: the base stack's for a variant. */
export function serverIdOf(stack: Pick<DiscoveredStack, "id" | "variant">): string {
  return stack.variant?.base ?? stack.id;
}

/** Splits a selector `stack+variant` into its parts; a plain stack id has variant null. */
export function parseStackSelector(selector: string): { stack: string; variant: string | null } {
  const i = selector.indexOf(VARIANT_SEPARATOR);
  return i < 0 ? { stack: selector, variant: null } : { stack: selector.slice(0, i), variant: selector.slice(i + 1) };
}

/** `base` run as variant `variantId`: a new stack id `base+variant`, the variant's env and load options; throws on an unknown variant. */
export function applyVariant(base: DiscoveredStack, variantId: string, variants: Readonly<Record<string, VariantDef>> = VARIANTS): DiscoveredStack {
  const v = variants[variantId];
  if (!v)
    throw new Error(
      `unknown variant "${variantId}" in "${base.id}${VARIANT_SEPARATOR}${variantId}"; valid variants: ${Object.keys(variants).join(", ")} (select as <stack>${VARIANT_SEPARATOR}<variant>, e.g. ${base.id}${VARIANT_SEPARATOR}${Object.keys(variants)[0] ?? "deflate"})`,
    );
  const deviation = v.needsCheck ? base.manifest.deviations?.find((d) => d.check === v.needsCheck) : undefined;
  return {
    ...base,
    ...(deviation && base.runnable
      ? { runnable: false, reason: `${base.id} cannot run variant ${v.id} (stack.json deviation ${deviation.check}): ${deviation.reason}` }
      : {}),
    id: `${base.id}${VARIANT_SEPARATOR}${v.id}`,
    variant: { id: v.id, base: base.id, env: v.env, load: v.load, description: v.description },
  };
}
