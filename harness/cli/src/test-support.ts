// For the CLI's end-to-end tests: the wsarena CLI as a child process, the way a user starts it.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { REPO_ROOT } from "@wsarena/stacks";

/** The CLI entry. */
export const MAIN = join(REPO_ROOT, "harness", "cli", "src", "main.ts");

/** Starts `wsarena <args>` from the repository root with piped stdout and stderr. */
export function cliProcess(args: string[]): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0" },
  });
}

/** Runs `wsarena <args>` to its exit and resolves to the exit code and everything it printed. */
export async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const c = cliProcess(args);
  let stdout = "";
  let stderr = "";
  c.stdout.on("data", (d) => (stdout += d));
  c.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((res) => c.on("exit", (code) => res(code)));
  return { code, stdout, stderr };
}
