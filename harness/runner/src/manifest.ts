// Stack manifest validation: the zod mirror of harness/protocol/stack.schema.json, with errors a user can act on.
import { z } from "zod";
import type { StackManifest } from "@wsarena/protocol";

/** zod schema of servers/<id>/stack.json; must accept exactly what stack.schema.json accepts (see manifest.test.ts). */
export const manifestSchema = z
  .object({
    $schema: z.string().optional(),
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be kebab-case"),
    displayName: z.string().min(1),
    runtime: z.enum(["node", "bun", "deno"]),
    start: z.array(z.string().min(1)).min(1),
    versionOf: z.string().min(1),
    protocol: z.enum(["ws", "socket.io"]),
    approach: z.enum(["idiomatic", "tuned"]),
    notes: z.string(),
    scenarios: z.array(z.string()).optional(),
    tags: z.array(z.string()).optional(),
    tagReason: z.string().optional(),
    deviations: z.array(z.object({ check: z.string().min(1), reason: z.string().min(1) }).strict()).optional(),
  })
  .strict();

/** Validates a parsed stack.json; throws one readable error naming the file and every problem. */
export function parseManifest(raw: unknown, file: string): StackManifest {
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`${file} is not a valid stack manifest: ${problems}. See harness/protocol/stack.schema.json.`);
  }
  return r.data as StackManifest;
}
