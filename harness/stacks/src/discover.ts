// Finds stacks by globbing servers/*/stack.json (the only registry), validates them and resolves versions and binaries.
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type StackManifest, parseManifest } from "@wsarena/protocol/manifest";
import { applyVariant, parseStackSelector, type StackVariant } from "./variants.ts";

/** Repository root (the folder holding servers/, clients/, harness/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** A stack found on disk. */
export interface DiscoveredStack {
  /** Stack id (== folder name), or `<stack>+<variant>` for a variant (variants.ts). */
  id: string;
  /** Absolute path of servers/<id>/. */
  dir: string;
  /** The validated manifest. */
  manifest: StackManifest;
  /** Installed version of manifest.versionOf, or null when it is not installed. */
  version: string | null;
  /** Resolved argv to start the server (argv[0] an absolute path). */
  argv: string[];
  /** Whether the stack can run here; false with a reason when its binary or package is missing or it is tagged broken. */
  runnable: boolean;
  /** Why it cannot run, when runnable is false. */
  reason?: string;
  /** Set when this is a variant of the stack in `dir`: its env overrides and load options. */
  variant?: StackVariant;
}

/** Installed version of package `name` as seen from `dir`, or null. */
export function installedVersion(dir: string, name: string): string | null {
  try {
    const req = createRequire(join(dir, "package.json"));
    const pkgPath = req.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string }).version;
  } catch {
    const direct = join(dir, "node_modules", name, "package.json");
    if (existsSync(direct)) return (JSON.parse(readFileSync(direct, "utf8")) as { version: string }).version;
    return null;
  }
}

/** Resolves argv[0]: "node" = this Node; a path with "/" is relative to the stack folder; else node_modules/.bin, then PATH. */
export function resolveCommand(dir: string, cmd: string): string | null {
  if (cmd === "node") return process.execPath;
  if (cmd.includes("/")) {
    const p = resolve(dir, cmd);
    return existsSync(p) ? realpathSync(p) : null;
  }
  const local = join(dir, "node_modules", ".bin", cmd);
  if (existsSync(local)) return local;
  for (const d of (process.env.PATH ?? "").split(delimiter)) {
    if (d && existsSync(join(d, cmd))) return join(d, cmd);
  }
  return null;
}

/** Discovers every stack under `root`/servers; throws on an invalid manifest (naming the file). */
export function discoverStacks(root: string = REPO_ROOT): DiscoveredStack[] {
  const serversDir = join(root, "servers");
  if (!existsSync(serversDir)) return [];
  const out: DiscoveredStack[] = [];
  for (const name of readdirSync(serversDir).sort()) {
    const dir = join(serversDir, name);
    const file = join(dir, "stack.json");
    if (!existsSync(file)) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
    }
    const manifest = parseManifest(raw, file);
    if (manifest.id !== name) throw new Error(`${file}: id "${manifest.id}" must equal the folder name "${name}"`);
    const version = installedVersion(dir, manifest.versionOf);
    const bin = resolveCommand(dir, manifest.start[0]!);
    let reason: string | undefined;
    if (manifest.tags?.includes("broken")) reason = `tagged broken: ${manifest.tagReason ?? "no reason given"}`;
    else if (!bin) reason = `command "${manifest.start[0]}" not found (run pnpm install)`;
    else if (!version) reason = `package "${manifest.versionOf}" is not installed (run pnpm install)`;
    out.push({
      id: manifest.id,
      dir,
      manifest,
      version,
      argv: [bin ?? manifest.start[0]!, ...manifest.start.slice(1)],
      runnable: reason === undefined,
      ...(reason ? { reason } : {}),
    });
  }
  return out;
}

/** Selects stacks by id or `<stack>+<variant>` selector; unknown ids or variants throw an error listing the valid ones. */
export function selectStacks(all: DiscoveredStack[], ids: string[] | undefined): DiscoveredStack[] {
  if (!ids || ids.length === 0) return all;
  const valid = all.map((s) => s.id);
  const unknown = ids.filter((id) => !valid.includes(parseStackSelector(id).stack));
  if (unknown.length)
    throw new Error(
      `unknown stack ${unknown.map((u) => `"${u}"`).join(", ")}; valid stacks: ${valid.join(", ")} (a variant is selected as <stack>+<variant>, e.g. uws+deflate)`,
    );
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length) throw new Error(`stack ${dup.map((d) => `"${d}"`).join(", ")} is listed twice; list each stack or variant once`);
  return ids.map((id) => {
    const { stack, variant } = parseStackSelector(id);
    const base = all.find((s) => s.id === stack)!;
    return variant === null ? base : applyVariant(base, variant);
  });
}
