import { describe, expect, it } from "@effect/vitest"
import { evaluateSchedule, type SignalIR, type StagesIR } from "@lrs/compiler"
import { StagesController } from "../../src/curriculum/stages.ts"

const span = { file: "t.lrs", start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } }
const loss: SignalIR = { kind: "signal", name: "loss", span }
const node = (over: Partial<StagesIR> = {}): StagesIR => ({ kind: "stages", count: 3, signal: loss, patience: 2, threshold: 0.1, span, ...over })

/** Feeds `values` as the loss after updates 0, 1, ...; returns the pacing value before each next update. */
const run = (c: StagesController, n: StagesIR, values: ReadonlyArray<number>) =>
  values.map((v, t) => {
    c.observed("loss", () => v, t + 1)
    return evaluateSchedule(n, t + 1, c.adaptive)
  })

describe("staged pacing", () => {
  it("opens the next cluster after more than `patience` observations without a relative improvement", () => {
    const n = node()
    const c = new StagesController(n)
    expect(evaluateSchedule(n, 0)).toBeCloseTo(1 / 3, 15)
    // 1.0 (best), 0.95 (not 10% better), 0.92, 0.91 -> 3 bad > 2: advance; then 0.5 (best), ...
    const paced = run(c, n, [1.0, 0.95, 0.92, 0.91, 0.5, 0.4, 0.39, 0.38, 0.37, 0.2])
    expect(paced.map((v) => Math.round(v * 3))).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 3, 3])
    expect(c.snapshot().advances).toBe(2)
  })

  it("advances after `max` updates in a stage however the loss goes, and resumes where it was", () => {
    const n = node({ patience: 1000, max: 4 })
    const c = new StagesController(n)
    const paced = run(c, n, [5, 4, 3, 2, 1, 0.5, 0.25, 0.1])
    expect(paced.map((v) => Math.round(v * 3))).toEqual([1, 1, 1, 2, 2, 2, 2, 3])
    const d = new StagesController(n)
    d.restore(JSON.parse(JSON.stringify(c.snapshot())))
    expect(evaluateSchedule(n, 10, d.adaptive)).toBe(1)
  })

  it("ignores other signals", () => {
    const n = node({ patience: 0 })
    const c = new StagesController(n)
    c.observed("grad_norm", () => 1, 1)
    expect(c.snapshot().advances).toBe(0)
  })
})
