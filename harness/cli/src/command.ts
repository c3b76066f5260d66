// The interface every CLI command module implements, and the error type for user mistakes.

/** A CLI command (module harness/cli/src/commands/<name>.ts exports `command`). */
export interface Command {
  /** Command name as typed after `wsarena`. */
  name: string;
  /** One line for `wsarena help`. */
  summary: string;
  /** Usage line with every flag. */
  usage: string;
  /** Runs with the arguments after the command name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A user mistake (bad flag, unknown name): printed as one line plus usage, exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}
