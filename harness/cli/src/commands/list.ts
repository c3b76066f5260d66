// `wsarena list [--json]`: discovered stacks, their versions, runtime, and whether they can run here.
import { discoverStacks, VARIANTS } from "@wsarena/stacks";
import { parseFlags } from "../args.ts";
import type { Command } from "../command.ts";
import { renderTable } from "../table.ts";

export const command: Command = {
  name: "list",
  summary: "List the stacks found in servers/*/stack.json with version, runtime and whether they can run here.",
  usage: "wsarena list [--json]",
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: "boolean" } });
    const stacks = discoverStacks();
    if (values.json) {
      const out = stacks.map((s) => ({
        id: s.id,
        displayName: s.manifest.displayName,
        runtime: s.manifest.runtime,
        protocol: s.manifest.protocol,
        approach: s.manifest.approach,
        versionOf: s.manifest.versionOf,
        version: s.version,
        scenarios: s.manifest.scenarios ?? null,
        tags: s.manifest.tags ?? [],
        runnable: s.runnable,
        reason: s.reason ?? null,
      }));
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    if (stacks.length === 0) {
      console.log("No stacks found: no servers/*/stack.json in this checkout.");
      return 0;
    }
    const rows = stacks.map((s) => [
      s.id,
      s.manifest.displayName,
      s.manifest.runtime,
      s.manifest.protocol,
      `${s.manifest.versionOf}@${s.version ?? "?"}`,
      s.manifest.approach,
      s.runnable ? "yes" : `no: ${s.reason}`,
    ]);
    console.log(renderTable(["stack", "name", "runtime", "protocol", "version", "approach", "runs here"], rows));
    console.log(
      `\nVariants (select as <stack>+<variant>, e.g. uws+deflate):\n${Object.values(VARIANTS)
        .map((v) => `  ${v.id}: ${v.description}`)
        .join("\n")}`,
    );
    return 0;
  },
};
