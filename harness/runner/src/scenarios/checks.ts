// Postcondition checks shared by scenarios: message integrity and /stats deltas consistent with what the client counted.
import { integrityViolations } from "@wsarena/results";
import type { WindowOutcome } from "./types.ts";

/** Integrity violations (lost, duplicated, reordered, corrupted) must be zero. */
export function checkIntegrity(o: WindowOutcome): string[] {
  const i = o.result.integrity;
  if (integrityViolations(i) === 0) return [];
  return [`integrity: ${i.lost} lost, ${i.duplicated} duplicated, ${i.reordered} reordered, ${i.corrupted} corrupted of ${i.sent} sent; expected none`];
}

/** The client received something during the window. */
export function checkReceived(o: WindowOutcome): string[] {
  return o.result.integrity.received > 0 ? [] : ["the client received no message in the measured window"];
}

/** /stats: the server sent at least what the client received in the window (the delta also covers the warm-up) and dropped nothing. */
export function checkStatsOut(o: WindowOutcome): string[] {
  if (!o.statsBefore || !o.statsAfter) return ["/stats was not available before and after the load"];
  const out: string[] = [];
  const sentByServer = o.statsAfter.messagesOut - o.statsBefore.messagesOut;
  if (sentByServer < o.result.integrity.received) {
    out.push(`/stats messagesOut grew by ${sentByServer}, fewer than the ${o.result.integrity.received} messages the client received`);
  }
  const dropped = o.statsAfter.dropped - o.statsBefore.dropped;
  if (dropped > 0) out.push(`/stats dropped grew by ${dropped}; expected 0`);
  return out;
}

/** /stats: the server received at least what the client sent in the window. */
export function checkStatsIn(o: WindowOutcome): string[] {
  if (!o.statsBefore || !o.statsAfter) return [];
  const got = o.statsAfter.messagesIn - o.statsBefore.messagesIn;
  return got < o.result.integrity.sent ? [`/stats messagesIn grew by ${got}, fewer than the ${o.result.integrity.sent} messages the client sent`] : [];
}
