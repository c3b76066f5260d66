// Conformance tests start real servers: one file at a time, generous hooks, checks time themselves out.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    fileParallelism: false,
    maxWorkers: 1,
    // A test awaits its check, which runs alongside the others of its stack; the idle-timeout check may take ~18 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 10_000,
  },
});
