// `details` of a hostile repetition: the seeded fuzz pass folded into counts per input class, outcome and verdict.
import { z } from "zod";

/** How an input's outcome was classified: the contract's, a deviation the stack documents, or neither (clients/hostile Verdict). */
export const hostileVerdictSchema = z.enum(["contract", "deviation", "unexpected"]);
export type HostileVerdict = z.infer<typeof hostileVerdictSchema>;

/** Count per verdict. */
const verdictCountsSchema = z.record(hostileVerdictSchema, z.number());

/** `details` of a hostile repetition. */
export const hostileDetailsSchema = z.object({
  /** PRNG seed the inputs were generated from. */
  seed: z.number(),
  /** Inputs planned for the profile. */
  inputsPlanned: z.number(),
  /** Inputs sent (fewer when the server died or the run was aborted). */
  inputsSent: z.number(),
  /** Per input class: outcome → count (outcomes as in clients/hostile frames.ts Outcome). */
  outcomesByClass: z.record(z.string(), z.record(z.string(), z.number())),
  /** Per input class: verdict → count. */
  verdictsByClass: z.record(z.string(), verdictCountsSchema),
  /** Headline: % of the inputs sent whose outcome was the contract's or a documented deviation; absent in sets written before it was the headline. */
  accountedPct: z.number().optional(),
  /** Totals over the pass: verdict → count. */
  verdicts: verdictCountsSchema,
  /** The first HOSTILE_UNEXPECTED_KEPT inputs whose outcome was neither the contract's nor a documented deviation. */
  unexpected: z.array(
    z.object({
      /** Input id. */
      id: z.string(),
      /** Outcome seen. */
      outcome: z.string(),
      /** Outcomes the contract allows. */
      allowed: z.array(z.string()).readonly(),
      /** The rule's check id, when the input has one. */
      check: z.string().optional(),
    }),
  ),
  /** 1 when the server died during the pass. */
  deaths: z.number(),
  /** Bystander echo failures: after which input, and the error. */
  bystanderFailures: z.array(z.object({ afterInput: z.string(), error: z.string() })),
  /** Server RSS before the pass, bytes (null when /proc could not be read). */
  rssBeforeBytes: z.number().nullable(),
  /** Server RSS after the pass, bytes (null when /proc could not be read). */
  rssAfterBytes: z.number().nullable(),
  /** Least-squares RSS slope over the pass, KiB per minute. */
  rssSlopeKiBPerMin: z.number(),
});
export type HostileDetails = z.infer<typeof hostileDetailsSchema>;
