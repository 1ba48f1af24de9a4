import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { formatDiagnostic } from "@lrs/dsl"
import { canonicalJson, compile, printSchedule, type RunIR, type ScheduleIR } from "../../src/index.ts"

// `lrs resolve` prints every schedule in the native library; compiling that text must give the same
// IR, whatever the schedule was written with (here: every PyTorch fixture case).
const cases = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/torch-schedules.json"), "utf8")) as Array<{ name: string; lrs: string; values: Array<number> }>

const compileOne = (expr: string, steps: number): ScheduleIR | undefined => {
  const r = compile(`lrs 1\nexperiment e {\n  steps = ${steps}\n  data = spirals()\n  model = mlp()\n  optimizer = sgd(lr = 0.1)\n  schedule s = ${expr}\n}\n`, { file: "e.lrs" })
  expect(r.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic)).toEqual([])
  return r.ir?.schedules["s"]
}
const shape = (s: ScheduleIR) => canonicalJson({ schedules: { s } } as unknown as RunIR)

describe("resolved schedules compile back to the same IR", () => {
  for (const c of cases) {
    it(c.name, () => {
      const steps = c.values.length
      const s = compileOne(c.lrs, steps)!
      const text = printSchedule(s, steps)
      expect(shape(compileOne(text, steps)!), text).toBe(shape(s))
    })
  }
})
