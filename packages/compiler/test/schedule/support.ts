import { expect } from "@effect/vitest"
import { formatDiagnostic } from "@lrs/dsl"
import { compile, type CompileResult, type ScheduleIR } from "../../src/index.ts"

/**
 * Schedule tests compile `schedule s = <expr>` inside a minimal experiment of `steps` updates.
 * `lr` is what the optimizer uses: `s` puts the schedule under the lr range check, a number keeps
 * it out (for schedules that go negative on purpose, as PyTorch's OneCycleLR can at its end).
 */
export const scheduleSpec = (expr: string, steps: number, lr = "s"): string =>
  `lrs 1\nexperiment e {\n  steps = ${steps}\n  data = spirals()\n  model = mlp()\n  optimizer = sgd(lr = ${lr})\n  schedule s = ${expr}\n}\n`

export const compileExpr = (expr: string, steps: number, lr = "s"): CompileResult => compile(scheduleSpec(expr, steps, lr), { file: "e.lrs" })

/** The compiled schedule; fails the test on any error (warnings, such as an unused name, are allowed). */
export const scheduleOf = (expr: string, steps: number, lr = "s"): ScheduleIR => {
  const result = compileExpr(expr, steps, lr)
  expect(result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic)).toEqual([])
  return result.ir!.schedules["s"]!
}
