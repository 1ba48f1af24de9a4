import { describe, expect, it } from "@effect/vitest"
import { evaluateSchedule } from "../../src/index.ts"
import { cycleSizes } from "../../src/schedule/pacing.ts"
import { scheduleOf } from "./support.ts"

const values = (expr: string, steps: number, at: ReadonlyArray<number>) => {
  const s = scheduleOf(expr, steps, "0.1")
  return at.map((t) => evaluateSchedule(s, t))
}

describe("curriculum pacing functions", () => {
  it("fixed exponential: min(start * increase^floor(t / every), 1) (Hacohen & Weinshall)", () => {
    expect(values("fixed_exponential(start = 0.04, increase = 1.9, every = 100 steps)", 1000, [0, 99, 100, 250, 499, 500, 600])).toEqual([
      0.04, 0.04, 0.04 * 1.9, 0.04 * 1.9 ** 2, 0.04 * 1.9 ** 4, 0.04 * 1.9 ** 5, 1
    ])
  })

  it("varied exponential: the same with a length per stage", () => {
    expect(values("varied_exponential(start = 0.25, increase = 2, lengths = [10 steps, 30 steps, 5 steps])", 100, [0, 9, 10, 39, 40, 99])).toEqual([0.25, 0.25, 0.5, 0.5, 1, 1])
  })

  it("single step, baby steps, root-p and geometric competence", () => {
    expect(values("single_step(start = 0.3, at = 50 steps)", 100, [0, 49, 50])).toEqual([0.3, 0.3, 1])
    expect(values("baby_step(start = 0.2, grow = 0.3, every = 10 steps)", 100, [0, 9, 10, 20, 30, 99])).toEqual([0.2, 0.2, 0.5, 0.8, 1, 1])
    // (c0^p + (1 - c0^p) * t / T)^(1/p) with c0 = 0.19, p = 2, T = 100
    const [r0, r50, r100] = values("root(start = 0.19, power = 2, over = 100 steps)", 200, [0, 50, 150])
    expect(r0).toBeCloseTo(0.19, 15)
    expect(r50).toBeCloseTo(Math.sqrt(0.19 ** 2 + (1 - 0.19 ** 2) * 0.5), 15)
    expect(r100).toBe(1)
    // 2^(log2 c0 * (1 - t / T)) = c0^(1 - t / T)
    const [g0, g25] = values("geom(start = 0.1, over = 100 steps)", 100, [0, 25])
    expect(g0).toBeCloseTo(0.1, 15)
    expect(g25).toBeCloseTo(0.1 ** 0.75, 14)
  })

  it("cyclical: the sizes of Cyclical Curriculum Learning's get_cycle_sizes, one per epoch", () => {
    expect(cycleSizes(0.25, 1, 0.5, 9)).toEqual([0.25, 0.5, 1, 0.5, 0.25, 0.5, 1, 0.5, 0.25])
    expect(cycleSizes(0.3, 0.9, 0.5, 6)).toEqual([0.3, 0.6, 0.9, 0.45, 0.3, 0.6])
    expect(values("cyclical(start = 0.25, end = 1, multiplier = 0.5, every = 10 steps)", 50, [0, 9, 10, 20, 30, 40])).toEqual([0.25, 0.25, 0.5, 1, 0.5, 0.25])
  })
})
