// Pub/sub control messages ({"op":"sub"|"unsub",...}) and the replies every ws-protocol server sends (control path only).
/** Pub/sub control messages are text messages starting with this prefix. */
export const CONTROL_PREFIX = '{"op":';

/** A parsed control message: a subscription change, or the error to answer with. */
export type Control = { op: "sub" | "unsub"; topic: string } | { op: "error"; reason: string };

/** Reason of the error reply to a control message that is not JSON. */
export const CONTROL_NOT_JSON_REASON = "control message is not valid JSON";
/** Reason of the error reply to any other control message that is not a sub or unsub with a topic. */
export const CONTROL_UNKNOWN_REASON = 'expected {"op":"sub"|"unsub","topic":"<non-empty string>"}';
/** Reason of the error reply to a data message on a /pubsub connection opened without ?topic=. */
export const NO_TOPIC_REASON = "no topic: connect with /pubsub?topic=<t>";
/** The no-topic error reply, serialized once. */
export const NO_TOPIC_REPLY = JSON.stringify({ op: "error", reason: NO_TOPIC_REASON });

/** Parses a control message's text; never throws (a malformed message becomes an `error` control). */
export function parseControl(text: string): Control {
  let msg: { op?: unknown; topic?: unknown } | null;
  try {
    msg = JSON.parse(text) as typeof msg;
  } catch {
    return { op: "error", reason: CONTROL_NOT_JSON_REASON };
  }
  if (msg !== null && typeof msg === "object" && (msg.op === "sub" || msg.op === "unsub") && typeof msg.topic === "string" && msg.topic !== "") {
    return { op: msg.op, topic: msg.topic };
  }
  return { op: "error", reason: CONTROL_UNKNOWN_REASON };
}

/** The JSON reply to a control message: {"op":"subscribed"|"unsubscribed","topic":...} or {"op":"error","reason":...}. */
export function controlReply(c: Control): string {
  if (c.op === "error") return JSON.stringify({ op: "error", reason: c.reason });
  return JSON.stringify({ op: c.op === "sub" ? "subscribed" : "unsubscribed", topic: c.topic });
}
