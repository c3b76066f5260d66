// Progress of `run` and `capacity`: a live status line on a TTY, plain log lines otherwise, each carrying how far the
// work has got ([done/total], elapsed, time left); written to stderr.
import type { ProgressMark, RunEvent } from "@wsarena/runner";
import { fmtDuration, fmtNum } from "@wsarena/format";
import { clientCoreBusyOf, serverCpuOf } from "@wsarena/results";

export { fmtDuration };

/** "elapsed 3m10s, ETA 10m00s (at most 30m00s)": time since the start and the time left, re-estimated as the work goes. */
export function progressTimes(p: ProgressMark): string {
  const elapsed = `elapsed ${fmtDuration(p.elapsedMs)}`;
  if (p.etaMs === null) return elapsed;
  const upTo = p.etaMaxMs !== null && p.etaMaxMs > p.etaMs + 1000 ? ` (at most ${fmtDuration(p.etaMaxMs)})` : "";
  return `${elapsed}, ETA ${fmtDuration(p.etaMs)}${upTo}`;
}

/** A progress line: "[done/total] <text> · elapsed 3m10s, ETA 10m00s". */
export const progressLine = (text: string, p: ProgressMark): string => `[${p.done}/${p.total}] ${text} · ${progressTimes(p)}`;

/** The mark of work starting: it is numbered as the one after those done ([41/120] while the 41st runs). */
export const startingMark = (p: ProgressMark): ProgressMark => ({ ...p, done: Math.min(p.done + 1, p.total) });

function pointDoneText(e: Extract<RunEvent, { type: "point-done" }>): string {
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

function verifyDoneText(e: Extract<RunEvent, { type: "verify-done" }>): string {
  const { outcome } = e;
  if (outcome.ok) return `verify ${e.stack}: ok (${outcome.level})`;
  const more = outcome.failures.length > 3 ? ` (+${outcome.failures.length - 3} more)` : "";
  return `verify ${e.stack}: FAILED (${outcome.level}) — not timed: ${outcome.failures.slice(0, 3).join("; ")}${more}`;
}

/** One log line for an event, or null for events that only update the status line. */
export function eventLine(e: RunEvent): string | null {
  switch (e.type) {
    case "verify-start":
    case "point-start":
      return null;
    case "verify-done":
      return progressLine(verifyDoneText(e), e);
    case "point-done":
      return progressLine(pointDoneText(e), e);
    case "measurement-error":
      return progressLine(`${e.scenario} ${e.stack} rep ${e.rep + 1}: ERROR ${e.message.split("\n")[0]}`, e);
    case "interrupted":
      return "interrupted: servers and load workers stopped; keeping the finished results";
  }
}

/** Status line of a point-start event; adaptive runs show the repetition range and the ETA's upper bound. */
export function pointStatus(e: Extract<RunEvent, { type: "point-start" }>): string {
  const reps = e.maxReps > e.reps ? `rep ${e.rep + 1} of ${e.reps}–${e.maxReps}` : `rep ${e.rep + 1}/${e.reps}`;
  return progressLine(`${e.scenario} · ${e.stack} · ${reps} · ${e.point}`, startingMark(e));
}

/** Where progress goes: log lines always; the status line is drawn (and redrawn under each log line) on a TTY only. */
export interface StatusWriter {
  line(text: string): void;
  status(text: string): void;
  /** Clears the status line. */
  end(): void;
}

/** A StatusWriter on `stream`: on a TTY one live status line under the log lines; otherwise log lines only. */
export function statusWriter(stream: NodeJS.WriteStream = process.stderr): StatusWriter {
  const tty = stream.isTTY === true;
  let status = "";
  const clear = () => {
    if (tty && status) stream.write("\r\x1b[2K");
  };
  const draw = () => {
    if (tty && status) stream.write(`\r\x1b[2K${status.slice(0, (stream.columns || 120) - 1)}`);
  };
  return {
    line(text) {
      clear();
      stream.write(`${text}\n`);
      draw();
    },
    status(text) {
      status = text;
      draw();
    },
    end() {
      clear();
      status = "";
    },
  };
}

/** The progress handlers of `capacity` (runCapacity's onProgress and onStatus): lines with their progress, the step being measured as the status. */
export function capacityReporter(out: StatusWriter): {
  onProgress: (line: string, p: ProgressMark) => void;
  onStatus: (status: string, p: ProgressMark) => void;
} {
  return {
    onProgress: (line, p) => out.line(progressLine(line, p)),
    onStatus: (status, p) => out.status(progressLine(status, startingMark(p))),
  };
}

/** The progress reporter of `run`: returns the event handler and a function that clears the status line. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): { onEvent: (e: RunEvent) => void; end: () => void } {
  const out = statusWriter(stream);
  const tty = stream.isTTY === true;
  return {
    onEvent(e) {
      const line = eventLine(e);
      if (line) out.line(line);
      if (e.type === "verify-start") {
        // A log has no status line: the start of a verification, which can take a while, is a line of its own.
        const text = progressLine(`verify ${e.stack} …`, startingMark(e));
        if (tty) out.status(text);
        else out.line(text);
      } else if (e.type === "point-start") out.status(pointStatus(e));
    },
    end: out.end,
  };
}
