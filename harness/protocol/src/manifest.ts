// The stack manifest (servers/<id>/stack.json): this zod schema is its one source. The TS type is inferred from it and
// harness/protocol/stack.schema.json is generated from it (`pnpm --filter @wsarena/protocol gen-schema`).
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The committed JSON Schema that every stack.json names in `$schema`; generated, never edited by hand. */
export const STACK_SCHEMA_PATH = fileURLToPath(new URL("../stack.schema.json", import.meta.url));

/** `$id` of the generated JSON Schema. */
export const STACK_SCHEMA_ID = "https://wsarena.dev/schema/stack-v1.json";

const unique = (xs: string[]) => new Set(xs).size === xs.length;
const uniqueStrings = () => z.array(z.string()).refine(unique, "must not list an entry twice").meta({ uniqueItems: true });

/** A documented departure from protocol v1 that a stack's library forces. */
export const deviationSchema = z
  .object({
    check: z.string().min(1).describe('Conformance check id the deviation applies to (e.g. "limits.max-payload-close-code").'),
    reason: z.string().min(1).describe("Why the stack cannot meet it, and what it does instead."),
  })
  .strict();

/** zod schema of servers/<id>/stack.json. Each field's doc is its `.describe()` text, which the JSON Schema carries too. */
export const manifestSchema = z
  .object({
    $schema: z.string().optional().describe("JSON Schema reference, relative to the stack folder."),
    id: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be kebab-case")
      .describe("Stack id: kebab-case, equal to the folder name."),
    displayName: z.string().min(1).describe("Human-readable name used in reports."),
    runtime: z.enum(["node", "bun", "deno"]).describe("Runtime that runs the server."),
    start: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        'argv run with the stack folder as working directory; argv[0] is looked up in the stack\'s node_modules/.bin, then PATH ("node" means the running Node).',
      ),
    versionOf: z.string().min(1).describe("npm package whose installed version is reported (the runtime's package for bun and deno)."),
    protocol: z.enum(["ws", "socket.io"]).describe('Wire protocol: plain WebSocket ("ws") or socket.io over WebSocket.'),
    approach: z.enum(["idiomatic", "tuned"]).describe('"idiomatic": what a competent user of the stack writes; "tuned": departs from it for speed.'),
    notes: z.string().describe("Free text shown in reports."),
    scenarios: uniqueStrings().optional().describe("Scenario ids this stack supports; absent = all."),
    tags: uniqueStrings().optional().describe('Tags; "broken" skips the stack with tagReason.'),
    tagReason: z.string().optional().describe('Why a tag such as "broken" is set.'),
    deviations: z.array(deviationSchema).optional().describe("Documented departures from the contract forced by the stack's library."),
    brokers: z
      .array(z.enum(["redis", "nats"]))
      .refine(unique, "must not list an entry twice")
      .meta({ uniqueItems: true })
      .optional()
      .describe("Brokers the server joins when WSARENA_BROKER names one (pubsub-cluster); absent = none, the stack runs as one process only."),
  })
  .strict()
  .meta({ $id: STACK_SCHEMA_ID, title: "wsarena stack manifest (protocol v1)" });

/** servers/<id>/stack.json after validation; field docs are in manifestSchema. */
export type StackManifest = z.infer<typeof manifestSchema>;
/** One entry of StackManifest.deviations. */
export type Deviation = z.infer<typeof deviationSchema>;

/** Validates a parsed stack.json; throws one readable error naming the file and every problem. */
export function parseManifest(raw: unknown, file: string): StackManifest {
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`${file} is not a valid stack manifest: ${problems}. See harness/protocol/stack.schema.json.`);
  }
  return r.data;
}

/** The JSON Schema of stack.json, generated from manifestSchema. */
export function stackJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(manifestSchema, { io: "input" }) as Record<string, unknown>;
}

/** The exact text of the committed stack.schema.json (2-space JSON and a final newline). */
export function stackJsonSchemaText(): string {
  return `${JSON.stringify(stackJsonSchema(), null, 2)}\n`;
}
