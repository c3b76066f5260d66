// CLI tests spawn the real command (a tsx start of about a second): a generous per-test timeout, so a loaded machine is not a failure.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
