// Code shape guard: no non-test function longer than 80 lines and no non-test file longer than 400
// lines anywhere in harness/, clients/ and servers/ (one job per function, one job per module).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

export const MAX_FUNCTION_LINES = 80;
export const MAX_FILE_LINES = 400;

const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const SCANNED_DIRS = ["harness", "clients", "servers"];
const SKIPPED_DIRS = new Set(["node_modules", "fixtures"]);

interface Offender {
  key: string;
  lines: number;
  limit: number;
}

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith(".")) found.push(...sourceFiles(join(dir, entry.name)));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
      found.push(join(dir, entry.name));
    }
  }
  return found;
}

function nameOf(node: ts.Node): string {
  const named = node as { name?: ts.Node };
  if (named.name && (ts.isIdentifier(named.name) || ts.isStringLiteral(named.name) || ts.isPrivateIdentifier(named.name))) return named.name.text;
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    if (ts.isIdentifier(parent.name) || ts.isStringLiteral(parent.name)) return parent.name.text;
  }
  return "(anonymous)";
}

/** Every function-like node's qualified name (enclosing functions joined by ">") and its line span. */
function longFunctions(file: string, text: string): Offender[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Offender[] = [];
  const visit = (node: ts.Node, scope: string[]): void => {
    let inner = scope;
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      inner = [...scope, nameOf(node)];
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > MAX_FUNCTION_LINES) found.push({ key: `${file}:${inner.join(">")}`, lines, limit: MAX_FUNCTION_LINES });
    }
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(source, []);
  return found;
}

function offenders(): Offender[] {
  const found: Offender[] = [];
  for (const dir of SCANNED_DIRS) {
    for (const path of sourceFiles(join(REPO_ROOT, dir))) {
      const file = relative(REPO_ROOT, path);
      const text = readFileSync(path, "utf8");
      const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
      if (lines > MAX_FILE_LINES) found.push({ key: file, lines, limit: MAX_FILE_LINES });
      found.push(...longFunctions(file, text));
    }
  }
  return found;
}

describe("code shape", () => {
  const all = offenders();

  it(`has no function over ${MAX_FUNCTION_LINES} lines and no file over ${MAX_FILE_LINES} lines`, () => {
    expect(all.map((o) => `${o.key} (${o.lines} lines, limit ${o.limit})`)).toEqual([]);
  });

  it("finds a function one line over the limit and passes one at the limit", () => {
    const body = (n: number) => `function f() {\n${"  x();\n".repeat(n - 2)}}\n`;
    expect(longFunctions("a.ts", body(MAX_FUNCTION_LINES + 1)).map((o) => o.key)).toEqual(["a.ts:f"]);
    expect(longFunctions("a.ts", body(MAX_FUNCTION_LINES))).toEqual([]);
  });
});
