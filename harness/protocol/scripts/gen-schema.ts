// Writes harness/protocol/stack.schema.json from the zod manifest schema (src/manifest.ts); manifest.test.ts fails on drift.
import { writeFileSync } from "node:fs";
import { STACK_SCHEMA_PATH, stackJsonSchemaText } from "../src/manifest.ts";

writeFileSync(STACK_SCHEMA_PATH, stackJsonSchemaText());
console.log(`wrote ${STACK_SCHEMA_PATH}`);
