// Finds a headless Chromium for the report's browser test with no manual step: WSARENA_CHROMIUM if set, else a system
// Chromium, else the one shipped inside the @sparticuz/chromium dev dependency (unpacked into the temp dir on first use).
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Where the browser test looks for a system Chromium, in order, after WSARENA_CHROMIUM. */
export const SYSTEM_CHROMIUM_NAMES = ["chromium", "chromium-browser"] as const;

/** Flags for a system Chromium: headless, no sandbox (CI runs as root), nothing that reaches the network. */
export const SYSTEM_CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface FoundBrowser {
  /** Absolute path of the Chromium executable. */
  executablePath: string;
  /** Command-line flags to launch it with. */
  args: string[];
  /** Where it came from, for the test's log line. */
  source: "WSARENA_CHROMIUM" | "system" | "@sparticuz/chromium";
}

/** The first executable called `name` on PATH, or undefined. */
function onPath(name: string, path = process.env.PATH ?? ""): string | undefined {
  return path
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((p) => existsSync(p));
}

/** Finds a Chromium to launch; throws (saying how to fix it) when none can be found or unpacked. */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<FoundBrowser> {
  const override = env.WSARENA_CHROMIUM;
  if (override) {
    if (!existsSync(override))
      throw new Error(`WSARENA_CHROMIUM=${override} does not exist: point it at a Chromium executable or unset it to use the system or bundled one.`);
    return { executablePath: override, args: SYSTEM_CHROMIUM_ARGS, source: "WSARENA_CHROMIUM" };
  }
  for (const name of SYSTEM_CHROMIUM_NAMES) {
    const found = onPath(name, env.PATH);
    if (found) return { executablePath: found, args: SYSTEM_CHROMIUM_ARGS, source: "system" };
  }
  try {
    const { default: bundled } = await import("@sparticuz/chromium");
    return { executablePath: await bundled.executablePath(), args: bundled.args, source: "@sparticuz/chromium" };
  } catch (e) {
    throw new Error(
      `no Chromium found: none of ${SYSTEM_CHROMIUM_NAMES.join(", ")} is on PATH and @sparticuz/chromium could not be unpacked (${String(e)}). ` +
        "Run `pnpm install` to fetch the dev dependency, install a system Chromium, or set WSARENA_CHROMIUM.",
    );
  }
}
