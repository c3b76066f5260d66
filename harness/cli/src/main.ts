// Entry of `pnpm wsarena <command>`: parses the command name and dispatches to a command module; no work at import time.
//
// Adding a command = one module harness/cli/src/commands/<name>.ts plus one line in COMMANDS below. A command module
// exports `command: Command` (see ./command.ts):
//   export const command: Command = {
//     name: "report",
//     summary: "one line shown by `wsarena help`",
//     usage: "wsarena report <dir> [--out DIR]",   // shown on --help and after a usage error
//     run: async (argv) => 0,                        // argv = arguments after the command name; resolves to the exit code
//   };
// Throw UsageError (./command.ts) for a user mistake: main prints "wsarena <name>: <message>" and the usage, exit 2,
// never a stack trace. Other errors print their message (stack only with WSARENA_DEBUG=1) and exit 1.
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { UsageError, type Command } from "./command.ts";

/** Command table: name → lazy loader of the command module (loaded only when that command runs). */
export const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  list: () => import("./commands/list.ts"),
  verify: () => import("./commands/verify.ts"),
  run: () => import("./commands/run.ts"),
  report: () => import("./commands/report.ts"),
  compare: () => import("./commands/compare.ts"),
  rerun: () => import("./commands/rerun.ts"),
  capacity: () => import("./commands/capacity.ts"),
};

async function help(): Promise<string> {
  const lines = ["usage: pnpm wsarena <command> [flags]   (pnpm wsarena <command> --help for its flags)", "", "commands:"];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const { command } = await load();
    lines.push(`  ${name.padEnd(10)} ${command.summary}`);
  }
  return lines.join("\n");
}

/** Runs the CLI with `argv` (arguments after the script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(await help());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`wsarena: unknown command "${name}"; valid commands: ${Object.keys(COMMANDS).join(", ")}`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(`usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`wsarena ${name}: ${e.message}`);
      console.error(`usage: ${command.usage}`);
      return 2;
    }
    const err = e as Error;
    console.error(`wsarena ${name}: ${process.env.WSARENA_DEBUG === "1" ? (err.stack ?? err.message) : err.message}`);
    return 1;
  }
}

function isEntry(): boolean {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(`wsarena: ${(e as Error).message}`);
      process.exitCode = 1;
    },
  );
}
