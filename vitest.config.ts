import { defineConfig } from "vitest/config"

// LRS_TEST_REPORT=path adds a JSON report (CI reads it for its `N passed, N failed` line).
const report = process.env["LRS_TEST_REPORT"]

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    testTimeout: 120_000,
    reporters: report === undefined ? ["default"] : ["default", ["json", { outputFile: report }]]
  }
})
