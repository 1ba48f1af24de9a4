import { describe, expect, it } from "@effect/vitest"
import { evaluateSchedule, type ScheduleIR } from "../../src/index.ts"
import { scheduleOf as compiledSchedule } from "./support.ts"

const scheduleOf = (expr: string, steps: number): ScheduleIR => compiledSchedule(expr, steps)

const values = (s: ScheduleIR, ts: ReadonlyArray<number>) => ts.map((t) => evaluateSchedule(s, t))

describe("evaluateSchedule", () => {
  it("matches optax warmup_cosine_decay_schedule(0, 1, 10, 100, end_value=.1) (research table, section 8)", () => {
    const s = scheduleOf("linear(0 -> 1) for 10 steps then cosine(1 -> 0.1)", 100)
    const expected = [0, 0.5, 1, 0.55, 0.1, 0.1]
    values(s, [0, 5, 10, 55, 100, 200]).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 9))
  })

  it("matches torch SequentialLR([LinearLR(.1, 1, 5), CosineAnnealingLR(10)], [5]) until the end of the run", () => {
    const s = scheduleOf("linear(0.1 -> 1) for 5 steps then cosine(1 -> 0)", 15)
    const torch = [0.1, 0.28, 0.46, 0.64, 0.82, 1, 0.975528, 0.904508, 0.793893, 0.654508, 0.5, 0.345492, 0.206107, 0.0954915, 0.0244717, 0]
    values(s, torch.map((_, t) => t)).forEach((v, t) => expect(v).toBeCloseTo(torch[t]!, 6))
  })

  it("holds the last value past the end instead of rising again (torch's periodic cosine gives .0244717 at 16)", () => {
    const s = scheduleOf("linear(0.1 -> 1) for 5 steps then cosine(1 -> 0)", 15)
    expect(values(s, [15, 16, 1000])).toEqual([0, 0, 0])
  })

  it("gives the warmup no off-by-one: the first update uses `from`, the seam uses the peak", () => {
    const s = scheduleOf("linear(0 -> 0.01) for 5% then cosine(0.01 -> 0.0001)", 3000)
    expect(evaluateSchedule(s, 0)).toBe(0)
    expect(evaluateSchedule(s, 149)).toBeCloseTo(0.01 * 149 / 150, 12)
    expect(evaluateSchedule(s, 150)).toBe(0.01)
    expect(evaluateSchedule(s, 3000)).toBeCloseTo(0.0001, 12)
  })

  it("folds constant arithmetic and keeps arithmetic on shapes", () => {
    expect(scheduleOf("2 * 3 - 1", 10)).toMatchObject({ kind: "constant", value: 5 })
    const s = scheduleOf("0.5 * cosine(1 -> 0) + 0.1", 10)
    expect(s.kind).toBe("binary")
    const expected = [0.6, 0.35, 0.1]
    values(s, [0, 5, 10]).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12))
  })

  it("fills the rest of the span with the last segment and nests sequences in segments", () => {
    const s = scheduleOf("constant(1) for 10 steps then (linear(1 -> 2) for 5 steps then constant(2)) for 20 steps then constant(3)", 40)
    expect(values(s, [0, 9, 10, 15, 29, 30, 39])).toEqual([1, 1, 1, 2, 2, 3, 3])
  })
})
