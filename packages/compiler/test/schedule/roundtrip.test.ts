import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { canonicalJson, printSchedule, type RunIR, type ScheduleIR } from "../../src/index.ts"
import { scheduleOf as compiledSchedule } from "./support.ts"

// `lrs resolve` prints every schedule in the native library; compiling that text must give the same
// IR, whatever the schedule was written with (here: every PyTorch fixture case).
const cases = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/torch-schedules.json"), "utf8")) as Array<{ name: string; lrs: string; values: Array<number> }>

const compileOne = (expr: string, steps: number): ScheduleIR => compiledSchedule(expr, steps, "0.1")
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
