// Run progress: a live status line on a TTY (stack, scenario, rep, ETA), plain log lines otherwise; written to stderr.
import type { RunEvent } from "@wsarena/runner";
import { fmtDuration, fmtNum } from "@wsarena/format";
import { clientCoreBusyOf, serverCpuOf } from "@wsarena/results";

export { fmtDuration };

/** One log line for an event, or null for events that only update the status line. */
export function eventLine(e: RunEvent): string | null {
  switch (e.type) {
    case "verify-start":
      return null;
    case "verify-done":
      return e.outcome.ok
        ? `verify ${e.stack}: ok (${e.outcome.level})`
        : `verify ${e.stack}: FAILED (${e.outcome.level}) — not timed: ${e.outcome.failures.slice(0, 3).join("; ")}${e.outcome.failures.length > 3 ? ` (+${e.outcome.failures.length - 3} more)` : ""}`;
    case "point-start":
      return null;
    case "point-done": {
      const flags = e.record.flags.length ? ` [${e.record.flags.join(", ")}]` : "";
      const r = e.record;
      const cpu = serverCpuOf(r);
      const server =
        cpu.processPct !== null
          ? `server core ${cpu.coreBusyPct === null ? "not pinned" : `${fmtNum(cpu.coreBusyPct)}%`} (process ${fmtNum(cpu.processPct)}%), `
          : "";
      const usPerMsg = r.clientCpu.usPerMsg != null ? `, ${fmtNum(r.clientCpu.usPerMsg, 2)} µs/msg` : "";
      const client = `client core ${fmtNum(Math.max(r.clientCpu.utilisation * 100, clientCoreBusyOf(r) ?? 0))}%${usPerMsg}`;
      return `${e.scenario} ${e.point} ${e.stack} rep ${e.rep + 1}: ${fmtNum(e.headline, e.unit === "µs/msg" ? 2 : 0)} ${e.unit} (${server}${client})${flags}`;
    }
    case "measurement-error":
      return `${e.scenario} ${e.stack} rep ${e.rep + 1}: ERROR ${e.message.split("\n")[0]}`;
    case "interrupted":
      return "interrupted: servers and load workers stopped; keeping the finished results";
  }
}

/** Status line of a point-start event; adaptive runs show the repetition range and the ETA's upper bound. */
export function pointStatus(e: Extract<RunEvent, { type: "point-start" }>): string {
  const reps = e.maxReps > e.reps ? `rep ${e.rep + 1} of ${e.reps}–${e.maxReps}` : `rep ${e.rep + 1}/${e.reps}`;
  const eta =
    e.etaMaxMs !== null && e.etaMaxMs > e.etaMs + 1000 ? `ETA ${fmtDuration(e.etaMs)} (at most ${fmtDuration(e.etaMaxMs)})` : `ETA ${fmtDuration(e.etaMs)}`;
  return `[${e.done + 1}/${e.total}] ${e.scenario} · ${e.stack} · ${reps} · ${e.point} · ${eta}`;
}

/** A progress reporter: returns the event handler and a function that clears the status line. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): { onEvent: (e: RunEvent) => void; end: () => void } {
  const tty = stream.isTTY === true;
  let status = "";
  const clear = () => {
    if (tty && status) stream.write("\r\x1b[2K");
  };
  const draw = () => {
    if (tty && status) stream.write(`\r\x1b[2K${status.slice(0, (stream.columns || 120) - 1)}`);
  };
  return {
    onEvent(e) {
      const line = eventLine(e);
      if (line) {
        clear();
        stream.write(`${line}\n`);
      }
      if (e.type === "verify-start") {
        status = `verifying ${e.stack} …`;
        if (tty) draw();
        else stream.write(`verify ${e.stack} …\n`);
        return;
      }
      if (e.type === "point-start") {
        status = pointStatus(e);
        if (!tty) return;
      }
      draw();
    },
    end() {
      clear();
      status = "";
    },
  };
}
