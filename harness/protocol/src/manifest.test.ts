import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { parseManifest, STACK_SCHEMA_PATH, stackJsonSchemaText } from "./manifest.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const valid = {
  id: "my-stack",
  displayName: "Mine",
  runtime: "node",
  start: ["node", "src/server.ts"],
  versionOf: "ws",
  protocol: "ws",
  approach: "idiomatic",
  notes: "",
};

describe("stack manifest", () => {
  it("committed stack.schema.json equals the one generated from the zod schema (run `pnpm --filter @wsarena/protocol gen-schema`)", () => {
    expect(readFileSync(STACK_SCHEMA_PATH, "utf8")).toBe(stackJsonSchemaText());
  });

  it("accepts every servers/*/stack.json in the repository", () => {
    const dirs = readdirSync(join(REPO_ROOT, "servers"));
    expect(dirs.length).toBeGreaterThan(0);
    for (const d of dirs) {
      const file = join(REPO_ROOT, "servers", d, "stack.json");
      expect(parseManifest(JSON.parse(readFileSync(file, "utf8")), file).id).toBe(d);
    }
  });

  it("rejects a manifest with a bad id, an unknown field and a repeated tag, naming the file and each problem", () => {
    const bad = { ...valid, id: "My_Stack", colour: "red", tags: ["x", "x"] };
    expect(() => parseManifest(bad, "servers/x/stack.json")).toThrow(
      /servers\/x\/stack\.json is not a valid stack manifest: .*id: must be kebab-case.*tags: must not list an entry twice/,
    );
    expect(() => parseManifest(bad, "f")).toThrow(/colour/);
  });

  it("rejects a deviation without a reason", () => {
    expect(() => parseManifest({ ...valid, deviations: [{ check: "limits.x" }] }, "f")).toThrow(/deviations\.0\.reason/);
  });
});
