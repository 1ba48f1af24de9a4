import { describe, expect, it } from "@effect/vitest"
import type { Diagnostic } from "@lrs/dsl"
import { evaluateSchedule, type ScheduleIR } from "../../src/index.ts"
import { compileExpr, scheduleOf as compiledSchedule } from "./support.ts"

/** The schedule, compiled in an experiment of `steps` (400 by default) updates whose lr it is. */
const scheduleOf = (expr: string, steps = 400): ScheduleIR => compiledSchedule(expr, steps)
const diagnosticsOf = (expr: string, steps = 400): ReadonlyArray<Diagnostic> => compileExpr(expr, steps).diagnostics

/** Reference values are printed to ~6 significant digits: half a unit in the 6th digit. */
const expectRef = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(5e-6 * Math.abs(expected) + 1e-15)

const checkRef = (expr: string, table: ReadonlyArray<readonly [number, number]>) => {
  const s = scheduleOf(expr)
  for (const [t, v] of table) expectRef(evaluateSchedule(s, t), v)
}

/** Agreement with an independent float64 re-implementation at 1e-12, relative to the value or the schedule's scale. */
const checkAgainst = (expr: string, f: (c: number) => number, scale: number, upTo = 400) => {
  const s = scheduleOf(expr)
  for (let c = 0; c <= upTo; c++) {
    const want = f(c)
    const got = evaluateSchedule(s, c)
    if (!(Math.abs(got - want) <= 1e-12 * Math.max(Math.abs(want), scale))) {
      throw new Error(`${expr} at count ${c}: got ${got}, optax gives ${want}`)
    }
  }
}

// --- An independent float64 transcription of optax/schedules/_schedule.py and _join.py ---------------

type Sched = (c: number) => number
const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi)

const polynomial = (I: number, E: number, P: number, T: number, B = 0): Sched => {
  if (T <= 0) return () => I
  const b = B < 0 ? 0 : B
  return (c) => (I - E) * (1 - clip(c - b, 0, T) / T) ** P + E
}
const linear = (I: number, E: number, T: number, B = 0) => polynomial(I, E, 1, T, B)
const cosineDecay = (I: number, T: number, alpha = 0, exponent = 1): Sched => (c) => {
  const cc = Math.min(c, T)
  const cd = 0.5 * (1 + Math.cos((Math.PI * cc) / T))
  return I * ((1 - alpha) * cd ** exponent + alpha)
}
const exponentialDecay = (I: number, T: number, rate: number, B = 0, staircase = false, end?: number): Sched => {
  if (T <= 0 || rate === 0) return () => I
  const b = B < 0 ? 0 : B
  return (c) => {
    const d = c - b
    let p = d / T
    if (staircase) p = Math.floor(p)
    let v = d <= 0 ? I : I * rate ** p
    if (end !== undefined) v = rate < 1 ? Math.max(v, end) : Math.min(v, end)
    return v
  }
}
const piecewiseConstant = (I: number, dict: ReadonlyArray<readonly [number, number]>): Sched => (c) => {
  let v = I
  for (const [threshold, scale] of [...dict].sort((x, y) => x[0] - y[0])) {
    const indicator = Math.max(0, Math.sign(threshold - c))
    v = v * indicator + (1 - indicator) * scale * v
  }
  return v
}
const piecewiseInterpolate = (type: "linear" | "cosine", I: number, dict: ReadonlyArray<readonly [number, number]>): Sched => {
  const sorted = [...dict].sort((x, y) => x[0] - y[0])
  const bounds = [0, ...sorted.map(([b]) => b)]
  const values = [I]
  for (const [, s] of sorted) values.push(values[values.length - 1]! * s)
  const interp = type === "linear"
    ? (start: number, end: number, pct: number) => (end - start) * pct + start
    : (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
  return (c) => {
    let out = 0
    for (let k = 0; k + 1 < bounds.length; k++) {
      const size = Math.max(bounds[k + 1]! - bounds[k]!, 1)
      const indicator = bounds[k]! <= c && c < bounds[k + 1]! ? 1 : 0
      out += indicator * interp(values[k]!, values[k + 1]!, (c - bounds[k]!) / size)
    }
    return out + (bounds[bounds.length - 1]! <= c ? 1 : 0) * values[values.length - 1]!
  }
}
const join = (schedules: ReadonlyArray<Sched>, boundaries: ReadonlyArray<number>): Sched => (c) => {
  let out = schedules[0]!(c)
  boundaries.forEach((b, i) => {
    out = c < b ? out : schedules[i + 1]!(c - b)
  })
  return out
}
const linearOnecycle = (T: number, peak: number, pctStart = 0.3, pctFinal = 0.85, div = 25, finalDiv = 1e4) => {
  const dict = new Map([[Math.trunc(pctStart * T), div], [Math.trunc(pctFinal * T), 1 / div], [T, 1 / finalDiv]])
  return piecewiseInterpolate("linear", peak / div, [...dict])
}
const cosineOnecycle = (T: number, peak: number, pctStart = 0.3, div = 25, finalDiv = 1e4) =>
  piecewiseInterpolate("cosine", peak / div, [...new Map([[Math.trunc(pctStart * T), div], [T, 1 / (div * finalDiv)]])])
const warmupCosineDecay = (I: number, peak: number, W: number, D: number, end = 0, exponent = 1) =>
  join([linear(I, peak, W), cosineDecay(peak, D - W, peak === 0 ? 0 : end / peak, exponent)], [W])
const warmupExponentialDecay = (I: number, peak: number, W: number, T: number, rate: number, B = 0, staircase = false, end?: number) =>
  join([linear(I, peak, W), exponentialDecay(peak, T, rate, B, staircase, end)], [W])
const sgdr = (cycles: ReadonlyArray<readonly [number, number, number, number, number?, number?]>) => {
  const boundaries: Array<number> = []
  let step = 0
  for (const [, , , D] of cycles) boundaries.push((step += D))
  return join(cycles.map(([I, P, W, D, E, X]) => warmupCosineDecay(I, P, W, D, E, X)), boundaries.slice(0, -1))
}

describe("optax.* schedules: research reference table (section 8)", () => {
  it("polynomial_schedule(1, .01, power=2, transition_steps=100, transition_begin=5)", () => {
    checkRef("optax.polynomial_schedule(init_value = 1, end_value = 0.01, power = 2, transition_steps = 100, transition_begin = 5)", [[0, 1], [5, 1], [6, 0.980299], [104, 0.010099], [105, 0.01], [110, 0.01]])
  })

  it("warmup_cosine_decay_schedule(0, 1, 100, 1000)(550) == 0.5 (optax PR #1781: the cosine runs 900 steps from the warmup's end)", () => {
    expect(evaluateSchedule(scheduleOf("optax.warmup_cosine_decay_schedule(0, 1, 100, 1000)", 1000), 550)).toBeCloseTo(0.5, 12)
  })

  it("warmup_cosine_decay_schedule(0, 1, 10, 100, end_value=.1)", () => {
    checkRef("optax.warmup_cosine_decay_schedule(0, 1, 10, 100, end_value = 0.1)", [[0, 0], [5, 0.5], [10, 1], [55, 0.55], [100, 0.1], [200, 0.1]])
  })

  it("exponential_decay(1, 10, .5), smooth and staircase", () => {
    checkRef("optax.exponential_decay(1, 10, 0.5)", [[0, 1], [5, 0.707107], [10, 0.5], [25, 0.176777]])
    checkRef("optax.exponential_decay(1, 10, 0.5, staircase = true)", [[0, 1], [5, 1], [10, 0.5], [25, 0.25]])
  })

  it("exponential_decay(1, 10, .5, transition_begin=5, end_value=.3)", () => {
    checkRef("optax.exponential_decay(1, 10, 0.5, transition_begin = 5, end_value = 0.3)", [[0, 1], [5, 1], [15, 0.5], [25, 0.3], [100, 0.3]])
  })

  it("piecewise_constant_schedule(1, {100: .1, 200: .01}) (the docstring example)", () => {
    checkRef("optax.piecewise_constant_schedule(1, [[100, 0.1], [200, 0.01]])", [[50, 1], [99, 1], [100, 0.1], [150, 0.1], [250, 0.001]])
  })

  it("piecewise_interpolate_schedule('linear', 1, {4: .1, 8: .01}) (the docstring example)", () => {
    checkRef("optax.piecewise_interpolate_schedule(\"linear\", 1, [[4, 0.1], [8, 0.01]])", [[0, 1], [2, 0.55], [4, 0.1], [6, 0.0505], [8, 0.001], [10, 0.001]])
  })

  it("linear_onecycle_schedule(100, 1.0) ends at 4e-6, not the documented 1e-4", () => {
    checkRef("optax.linear_onecycle_schedule(100, 1.0)", [[0, 0.04], [15, 0.52], [30, 1], [57, 0.528727], [85, 0.04], [92, 0.0213352], [100, 4e-6]])
  })

  it("cosine_onecycle_schedule(100, 1.0)", () => {
    checkRef("optax.cosine_onecycle_schedule(100, 1.0)", [[0, 0.04], [15, 0.52], [30, 1], [65, 0.500002], [100, 4e-6]])
  })

  it("sgdr_schedule of two warmup-cosine cycles", () => {
    checkRef(
      "optax.sgdr_schedule([{ init_value = 0, peak_value = 1, warmup_steps = 10, decay_steps = 100 }, { init_value = 0, peak_value = 0.5, warmup_steps = 10, decay_steps = 50 }])",
      [[0, 0], [10, 1], [55, 0.5], [99, 0.000304586], [100, 0], [105, 0.25], [110, 0.5], [150, 0]]
    )
  })

  it("polynomial_schedule docstring: linear_schedule(1, .01, 100) and polynomial power 2 hit 0.01 at 100", () => {
    expect(evaluateSchedule(scheduleOf("optax.linear_schedule(init_value = 1.0, end_value = 0.01, transition_steps = 100)"), 100)).toBeCloseTo(0.01, 15)
    expect(evaluateSchedule(scheduleOf("optax.polynomial_schedule(init_value = 1.0, end_value = 0.01, transition_steps = 100, power = 2)"), 0)).toBe(1)
  })

  it("constant_schedule(5)", () => {
    expect(scheduleOf("optax.constant_schedule(5)")).toMatchObject({ kind: "constant", value: 5 })
  })
})

describe("optax.* schedules against a float64 transcription of optax, counts 0..400", () => {
  it("polynomial_schedule and linear_schedule, including T <= 0 (constant) and a negative transition_begin (falls back to 0)", () => {
    checkAgainst("optax.polynomial_schedule(1, 0.01, 2, 100, 5)", polynomial(1, 0.01, 2, 100, 5), 1)
    checkAgainst("optax.polynomial_schedule(0.5, 2, 0.5, 37)", polynomial(0.5, 2, 0.5, 37), 2)
    checkAgainst("optax.polynomial_schedule(1, 0, 3, 0)", polynomial(1, 0, 3, 0), 1)
    checkAgainst("optax.polynomial_schedule(3, 1, 1, 50, -4)", polynomial(3, 1, 1, 50, -4), 3)
    checkAgainst("optax.linear_schedule(1e-3, 1e-5, 250, 20)", linear(1e-3, 1e-5, 250, 20), 1e-3)
    checkAgainst("optax.linear_schedule(init_value = 0.3, end_value = 0.7, transition_steps = 33 steps, transition_begin = 10%)", linear(0.3, 0.7, 33, 40), 0.7)
  })

  it("cosine_decay_schedule with alpha and exponent", () => {
    checkAgainst("optax.cosine_decay_schedule(1, 100)", cosineDecay(1, 100), 1)
    checkAgainst("optax.cosine_decay_schedule(0.1, 150, alpha = 0.1, exponent = 2)", cosineDecay(0.1, 150, 0.1, 2), 0.1)
    checkAgainst("optax.cosine_decay_schedule(2, 77, 0.5, 0.5)", cosineDecay(2, 77, 0.5, 0.5), 2)
    checkAgainst("optax.cosine_decay_schedule(3e-4, 300, 1e-3)", cosineDecay(3e-4, 300, 1e-3), 3e-4)
  })

  it("exponential_decay: smooth, staircase, transition_begin, end_value as lower and upper bound, degenerate constants", () => {
    checkAgainst("optax.exponential_decay(1, 10, 0.5)", exponentialDecay(1, 10, 0.5), 1)
    checkAgainst("optax.exponential_decay(1, 10, 0.5, staircase = true)", exponentialDecay(1, 10, 0.5, 0, true), 1)
    checkAgainst("optax.exponential_decay(1, 10, 0.5, 5, false, 0.3)", exponentialDecay(1, 10, 0.5, 5, false, 0.3), 1)
    checkAgainst("optax.exponential_decay(0.1, 7, 0.3, 3, true)", exponentialDecay(0.1, 7, 0.3, 3, true), 0.1)
    checkAgainst("optax.exponential_decay(0.03, 13, 0.77, 2)", exponentialDecay(0.03, 13, 0.77, 2), 0.03)
    checkAgainst("optax.exponential_decay(0.7, 9, 0.93)", exponentialDecay(0.7, 9, 0.93), 0.7)
    checkAgainst("optax.exponential_decay(1, 20, 1.5, end_value = 4)", exponentialDecay(1, 20, 1.5, 0, false, 4), 4)
    checkAgainst("optax.exponential_decay(1, 10, 0.5, end_value = 2)", exponentialDecay(1, 10, 0.5, 0, false, 2), 2)
    checkAgainst("optax.exponential_decay(1, 0, 0.5, end_value = 2)", exponentialDecay(1, 0, 0.5, 0, false, 2), 1)
    checkAgainst("optax.exponential_decay(1, 10, 0)", exponentialDecay(1, 10, 0), 1)
  })

  it("piecewise_constant_schedule and piecewise_interpolate_schedule (accumulated values; unsorted and zero boundaries)", () => {
    checkAgainst("optax.piecewise_constant_schedule(1, [[100, 0.1], [200, 0.01]])", piecewiseConstant(1, [[100, 0.1], [200, 0.01]]), 1)
    checkAgainst("optax.piecewise_constant_schedule(0.5, [[30, 2], [10, 0.5], [250, 0]])", piecewiseConstant(0.5, [[30, 2], [10, 0.5], [250, 0]]), 1)
    checkAgainst("optax.piecewise_constant_schedule(0.5)", () => 0.5, 1)
    for (const type of ["linear", "cosine"] as const) {
      checkAgainst(`optax.piecewise_interpolate_schedule("${type}", 1, [[4, 0.1], [8, 0.01]])`, piecewiseInterpolate(type, 1, [[4, 0.1], [8, 0.01]]), 1)
      checkAgainst(`optax.piecewise_interpolate_schedule(${type}, 2, [[50, 3], [0, 0.5], [120, 0.01]])`, piecewiseInterpolate(type, 2, [[50, 3], [0, 0.5], [120, 0.01]]), 3)
      checkAgainst(`optax.piecewise_interpolate_schedule(interpolate_type = "${type}", init_value = 0.25)`, piecewiseInterpolate(type, 0.25, []), 1)
    }
  })

  it("piecewise_interpolate_schedule is bit-for-bit optax's expression (linear piecewise; one cosine curve per interval)", () => {
    for (const type of ["linear", "cosine"] as const) {
      const s = scheduleOf(`optax.piecewise_interpolate_schedule("${type}", 0.7, [[13, 0.3], [61, 0.01], [200, 9]])`)
      const f = piecewiseInterpolate(type, 0.7, [[13, 0.3], [61, 0.01], [200, 9]])
      for (let c = 0; c <= 300; c++) expect(evaluateSchedule(s, c)).toBe(f(c))
    }
    const p = scheduleOf("optax.polynomial_schedule(1, 0.01, 2, 100, 5)")
    const f = polynomial(1, 0.01, 2, 100, 5)
    for (let c = 0; c <= 300; c++) expect(evaluateSchedule(p, c)).toBe(f(c))
  })

  it("linear_onecycle_schedule and cosine_onecycle_schedule (int() truncation, colliding dict keys)", () => {
    checkAgainst("optax.linear_onecycle_schedule(100, 1.0)", linearOnecycle(100, 1), 1)
    checkAgainst("optax.linear_onecycle_schedule(300, 0.1, 0.25, 0.9, 10, 100)", linearOnecycle(300, 0.1, 0.25, 0.9, 10, 100), 0.1)
    checkAgainst("optax.linear_onecycle_schedule(7, 1)", linearOnecycle(7, 1), 1)
    checkAgainst("optax.linear_onecycle_schedule(50, 2, pct_start = 0.3, pct_final = 1)", linearOnecycle(50, 2, 0.3, 1), 2)
    checkAgainst("optax.cosine_onecycle_schedule(100, 1.0)", cosineOnecycle(100, 1), 1)
    checkAgainst("optax.cosine_onecycle_schedule(257, 0.3, 0.4, 20, 1000)", cosineOnecycle(257, 0.3, 0.4, 20, 1000), 0.3)
  })

  it("warmup_constant, warmup_cosine_decay and warmup_exponential_decay schedules", () => {
    checkAgainst("optax.warmup_constant_schedule(0, 1, 10)", linear(0, 1, 10), 1)
    checkAgainst("optax.warmup_constant_schedule(0.1, 1, 0)", linear(0.1, 1, 0), 1)
    checkAgainst("optax.warmup_cosine_decay_schedule(0, 1, 10, 100, 0.1)", warmupCosineDecay(0, 1, 10, 100, 0.1), 1)
    checkAgainst("optax.warmup_cosine_decay_schedule(0, 1, 100, 1000)", warmupCosineDecay(0, 1, 100, 1000), 1, 1100)
    checkAgainst("optax.warmup_cosine_decay_schedule(1e-4, 3e-3, 25, 300, 1e-5, 2)", warmupCosineDecay(1e-4, 3e-3, 25, 300, 1e-5, 2), 3e-3)
    checkAgainst("optax.warmup_cosine_decay_schedule(0, 1, 0, 50)", warmupCosineDecay(0, 1, 0, 50), 1)
    checkAgainst("optax.warmup_exponential_decay_schedule(0, 1, 10, 20, 0.5)", warmupExponentialDecay(0, 1, 10, 20, 0.5), 1)
    checkAgainst("optax.warmup_exponential_decay_schedule(0.01, 1, 15, 10, 0.8, 5, true, 0.2)", warmupExponentialDecay(0.01, 1, 15, 10, 0.8, 5, true, 0.2), 1)
  })

  it("sgdr_schedule over three cycles with end_value and exponent", () => {
    const expr = "optax.sgdr_schedule(cosine_kwargs = [{ init_value = 0, peak_value = 1, warmup_steps = 10, decay_steps = 100 }, { init_value = 0.1, peak_value = 0.5, warmup_steps = 5, decay_steps = 60, end_value = 0.05 }, { decay_steps = 200, warmup_steps = 0, peak_value = 0.25, init_value = 0, exponent = 2 }])"
    checkAgainst(expr, sgdr([[0, 1, 10, 100], [0.1, 0.5, 5, 60, 0.05], [0, 0.25, 0, 200, 0, 2]]), 1)
  })

  it("join_schedules: each schedule sees the count since its boundary; a later boundary wins where they do not increase", () => {
    checkAgainst("optax.join_schedules([optax.constant_schedule(1), optax.linear_schedule(1, 0, 50)], [100])", join([() => 1, linear(1, 0, 50)], [100]), 1)
    checkAgainst(
      "optax.join_schedules([optax.constant_schedule(1), optax.constant_schedule(2), optax.cosine_decay_schedule(3, 40)], [50, 20])",
      join([() => 1, () => 2, cosineDecay(3, 40)], [50, 20]),
      3
    )
    checkAgainst(
      "optax.join_schedules([optax.linear_schedule(0, 1, 10), optax.exponential_decay(1, 10, 0.5), optax.constant_schedule(0.1)], [10, 10])",
      join([linear(0, 1, 10), exponentialDecay(1, 10, 0.5), () => 0.1], [10, 10]),
      1
    )
  })

  it("join_schedules gives native shapes the stretch up to the next boundary", () => {
    const s = scheduleOf("optax.join_schedules([linear(0 -> 1), cosine(1 -> 0)], [10])", 100)
    expect([0, 5, 10, 55, 100].map((t) => evaluateSchedule(s, t))).toEqual([0, 0.5, 1, expect.closeTo(0.5, 12), 0])
  })
})

describe("optax.* arguments", () => {
  const codes = (expr: string) => diagnosticsOf(expr).map((d) => d.code)

  it("suggests the closest optax name for an unknown argument (LRS1010)", () => {
    const ds = diagnosticsOf("optax.linear_schedule(init_value = 1, end_vale = 0, transition_steps = 10)")
    expect(ds.find((d) => d.code === "LRS1010")).toMatchObject({ message: "`optax.linear_schedule` has no argument `end_vale`", help: "the closest argument is `end_value`" })
    expect(ds.map((d) => d.code).sort()).toEqual(["LRS1007", "LRS1010"])
    expect(diagnosticsOf("optax.cosine_onecycle_schedule(100, 1, peak_val = 0.9)")[0]).toMatchObject({ code: "LRS1010", help: "the closest argument is `peak_value`" })
  })

  it("reports a missing required argument (LRS1007)", () => {
    const [d] = diagnosticsOf("optax.warmup_cosine_decay_schedule(init_value = 0, peak_value = 1, warmup_steps = 10)")
    expect(d).toMatchObject({ code: "LRS1007", message: "`optax.warmup_cosine_decay_schedule` needs the argument `decay_steps`" })
  })

  it("checks sgdr cycles as closed records", () => {
    const ds = diagnosticsOf("optax.sgdr_schedule([{ init_value = 0, peak_value = 1, warmup_step = 10, decay_steps = 100 }])")
    expect(ds.map((d) => d.code).sort()).toEqual(["LRS1007", "LRS1010"])
    expect(ds.find((d) => d.code === "LRS1010")).toMatchObject({ help: "the closest field is `warmup_steps`" })
    expect(codes("optax.sgdr_schedule([1, 2])")).toEqual(["LRS2001", "LRS2001"])
    expect(codes("optax.sgdr_schedule([])")).toEqual(["LRS3004"])
  })

  it("rejects what optax rejects: non-positive cosine decay steps, decay_steps <= warmup_steps (PR #1413), negative scales, a bad interpolate_type", () => {
    expect(codes("optax.cosine_decay_schedule(1, 0)")).toEqual(["LRS3004"])
    expect(codes("optax.warmup_cosine_decay_schedule(0, 1, 100, 100)")).toEqual(["LRS3004"])
    expect(codes("optax.piecewise_constant_schedule(1, [[100, -0.1]])")).toEqual(["LRS2002"])
    expect(diagnosticsOf("optax.piecewise_interpolate_schedule(\"cosin\", 1)")[0]).toMatchObject({ code: "LRS2002", help: "the closest interpolate_type is `\"cosine\"`" })
    expect(codes("optax.linear_onecycle_schedule(0, 1)")).toEqual(["LRS3004"])
  })

  it("reports malformed boundaries_and_scales, duplicate steps and mismatched join lists", () => {
    expect(codes("optax.piecewise_constant_schedule(1, [100, 0.1])")).toEqual(["LRS2001", "LRS2001"])
    expect(codes("optax.piecewise_constant_schedule(1, [[100, 0.1], [100, 0.5]])")).toEqual(["LRS1006"])
    expect(codes("optax.join_schedules([optax.constant_schedule(1)], [10])")).toEqual(["LRS3004"])
    expect(codes("optax.linear_schedule(1, 0, 10.5)")).toEqual(["LRS2001"])
    expect(codes("optax.warmup_constant_schedule(0, 1, -3)")).toEqual(["LRS2002"])
  })

  it("takes step counts as plain integers or as lengths", () => {
    const a = scheduleOf("optax.linear_schedule(1, 0, 100)", 200)
    const b = scheduleOf("optax.linear_schedule(1, 0, 100 steps)", 200)
    const c = scheduleOf("optax.linear_schedule(1, 0, 50%)", 200)
    for (const t of [0, 37, 100, 150]) {
      expect(evaluateSchedule(b, t)).toBe(evaluateSchedule(a, t))
      expect(evaluateSchedule(c, t)).toBe(evaluateSchedule(a, t))
    }
  })
})
