// The package dependency rules of CONTRIBUTING.md, checked against every package.json and every import in the tree.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Which workspace packages each package may import (by short name, "@wsarena/" left out), production and test code alike.
 * A package missing here fails the test: a new package states its place in the layers when it is added.
 */
export const ALLOWED_DEPENDENCIES: Readonly<Record<string, readonly string[]>> = {
  tsconfig: [],
  protocol: [],
  stats: [],
  format: [],
  results: ["protocol", "stats"],
  host: ["results", "stats"],
  stacks: ["protocol", "host"],
  "driver-kit": ["protocol", "host", "stats"],
  "driver-frame": ["protocol", "driver-kit"],
  "driver-ws": ["protocol", "driver-kit"],
  "driver-socket-io": ["protocol", "driver-kit", "driver-frame"],
  loadgen: ["protocol", "host", "stats", "format", "driver-kit", "driver-frame", "driver-ws", "driver-socket-io"],
  fault: ["protocol", "host", "stats", "driver-kit", "driver-frame", "loadgen"],
  "http-load": ["protocol", "host", "stats", "driver-kit", "driver-frame", "loadgen"],
  hostile: ["protocol", "host", "stats", "driver-kit"],
  // server-ws: the faulty test servers (src/fixtures) are the ws server's connection handling with a fault added.
  runner: ["protocol", "stats", "results", "host", "stacks", "driver-kit", "driver-frame", "loadgen", "fault", "http-load", "hostile", "server-ws"],
  conformance: ["protocol", "host", "stacks", "driver-kit", "driver-frame", "hostile"],
  report: ["protocol", "results", "stats", "format"],
  cli: ["protocol", "stats", "format", "results", "host", "stacks", "loadgen", "runner", "conformance", "report"],
  bench: ["protocol", "stats", "format", "results", "host", "stacks", "driver-frame", "loadgen", "runner"],
  // Servers import the contract only; fastify-websocket reuses the ws server's connection handling.
  "server-uws": ["protocol"],
  "server-ws": ["protocol"],
  "server-fastify-websocket": ["protocol", "server-ws"],
  "server-socket-io": ["protocol"],
  "server-bun": ["protocol"],
  "server-deno": ["protocol"],
};

interface Pkg {
  dir: string;
  short: string;
  declared: Set<string>;
  /** Workspace package (short name) → the files that import it. */
  imported: Map<string, string[]>;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    if (e === "node_modules" || e === "dist") continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|mts|mjs|js)$/.test(e)) out.push(p);
  }
  return out;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']@wsarena\/([a-z0-9-]+)/g;
const RELATIVE_OUT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']((?:\.\.\/){2,}[^"']+)["']/g;

function readPackages(): Pkg[] {
  const pkgs: Pkg[] = [];
  for (const top of ["harness", "clients", "servers"]) {
    for (const d of readdirSync(join(ROOT, top))) {
      const dir = join(ROOT, top, d);
      let pj: { name: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
      try {
        pj = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      } catch {
        continue;
      }
      const short = pj.name.replace(/^@wsarena\//, "");
      const declared = new Set(
        Object.keys({ ...pj.dependencies, ...pj.devDependencies })
          .filter((n) => n.startsWith("@wsarena/"))
          .map((n) => n.slice(9)),
      );
      const imported = new Map<string, string[]>();
      for (const f of sourceFiles(dir)) {
        for (const m of readFileSync(f, "utf8").matchAll(IMPORT)) {
          const dep = m[1]!;
          if (dep === short) continue;
          imported.set(dep, [...(imported.get(dep) ?? []), relative(ROOT, f)]);
        }
      }
      pkgs.push({ dir, short, declared, imported });
    }
  }
  return pkgs;
}

/** Cycles of a directed graph, each as the path that closes it (empty when acyclic). */
export function findCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, "open");
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === "open") cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of edges.keys()) if (!state.has(n)) visit(n);
  return cycles;
}

const pkgs = readPackages();

describe("package dependency rules", () => {
  it("finds the workspace's packages, each with a rule", () => {
    expect(pkgs.length).toBeGreaterThan(20);
    expect(pkgs.map((p) => p.short).filter((s) => !(s in ALLOWED_DEPENDENCIES))).toEqual([]);
  });

  it("no package imports a workspace package its rule forbids", () => {
    const broken: string[] = [];
    for (const p of pkgs) {
      const allowed = ALLOWED_DEPENDENCIES[p.short] ?? [];
      for (const [dep, files] of p.imported) if (!allowed.includes(dep)) broken.push(`${p.short} -> ${dep} (${files.join(", ")})`);
    }
    expect(broken).toEqual([]);
  });

  it("report and conformance do not depend on the runner, in package.json or in imports", () => {
    for (const name of ["report", "conformance"]) {
      const p = pkgs.find((x) => x.short === name)!;
      expect(p.declared.has("runner")).toBe(false);
      expect(p.imported.has("runner")).toBe(false);
    }
  });

  it("every workspace import is declared in the importer's package.json, and every declared one is allowed", () => {
    const undeclared: string[] = [];
    const forbidden: string[] = [];
    for (const p of pkgs) {
      for (const dep of p.imported.keys()) if (!p.declared.has(dep)) undeclared.push(`${p.short} imports ${dep} without declaring it`);
      for (const dep of p.declared)
        if (dep !== "tsconfig" && !(ALLOWED_DEPENDENCIES[p.short] ?? []).includes(dep)) forbidden.push(`${p.short} declares ${dep}`);
    }
    expect(undeclared).toEqual([]);
    expect(forbidden).toEqual([]);
  });

  it("no package reaches into another package's files by relative path", () => {
    const reaching: string[] = [];
    for (const p of pkgs) {
      for (const f of sourceFiles(p.dir)) {
        for (const m of readFileSync(f, "utf8").matchAll(RELATIVE_OUT)) {
          const target = join(f, "..", m[1]!);
          if (!target.startsWith(`${p.dir}/`)) reaching.push(`${relative(ROOT, f)} -> ${m[1]}`);
        }
      }
    }
    expect(reaching).toEqual([]);
  });

  it("the package graph has no cycle", () => {
    const edges = new Map(pkgs.map((p) => [p.short, [...p.imported.keys()]]));
    expect(findCycles(edges)).toEqual([]);
  });

  it("findCycles reports a cycle and passes a layered graph", () => {
    expect(
      findCycles(
        new Map([
          ["a", ["b"]],
          ["b", ["c"]],
          ["c", ["a"]],
        ]),
      ),
    ).toEqual([["a", "b", "c", "a"]]);
    expect(
      findCycles(
        new Map([
          ["a", ["b", "c"]],
          ["b", ["c"]],
          ["c", []],
        ]),
      ),
    ).toEqual([]);
  });
});
