import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"

// LRS_TEST_REPORT=path adds a JSON report (CI reads it for its `N passed, N failed` line).
const report = process.env["LRS_TEST_REPORT"]

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    testTimeout: 120_000,
    // Two files at once even on 2 cores (vitest's default there is one): many tests wait on child
    // processes, leases and timeouts, so the suite takes about 6 minutes instead of 9.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: report === undefined ? ["default"] : ["default", ["json", { outputFile: report }]]
  }
})
