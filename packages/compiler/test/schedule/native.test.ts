import { describe, expect, it } from "@effect/vitest"
import { canonicalJson, evaluateSchedule, printSchedule, type ScheduleIR } from "../../src/index.ts"
import { scheduleOf as compiledSchedule } from "./support.ts"

const scheduleOf = (expr: string, steps: number): ScheduleIR => compiledSchedule(expr, steps, "0.1")
const at = (s: ScheduleIR, ts: ReadonlyArray<number>) => ts.map((t) => evaluateSchedule(s, t))
const close = (actual: ReadonlyArray<number>, expected: ReadonlyArray<number>, digits = 6) =>
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, digits))

const T = 1000
const shapes = ["linear", "cosine", "exponential", "polynomial", "one_minus_sqrt", "rex", "uba", "k_decay"] as const

describe("native shapes: properties", () => {
  for (const shape of shapes) {
    for (const [from, to] of [[1, shape === "exponential" ? 0.01 : 0], [shape === "exponential" ? 0.01 : 0, 1]] as const) {
      it(`${shape}(${from} -> ${to}) hits its endpoints, holds after its span, is monotone and continuous`, () => {
        const s = scheduleOf(`${shape}(${from} -> ${to})`, T)
        const values = at(s, Array.from({ length: T + 1 }, (_, t) => t))
        expect(values[0]).toBeCloseTo(from, 12)
        expect(values[T]).toBeCloseTo(to, 12)
        expect(at(s, [T + 1, 10 * T])).toEqual([values[T], values[T]])
        const direction = Math.sign(to - from)
        let biggestStep = 0
        for (let t = 1; t <= T; t++) {
          expect(Math.sign(values[t]! - values[t - 1]!) * direction).toBeGreaterThanOrEqual(0)
          biggestStep = Math.max(biggestStep, Math.abs(values[t]! - values[t - 1]!))
        }
        // No jumps: one step moves less than 5% of the whole range (1 - sqrt has the steepest start, sqrt(1/T) = 3.2%).
        expect(biggestStep).toBeLessThan(0.05 * Math.abs(to - from))
      })
    }
  }

  it("`past_end = continue` keeps following the formula (PyTorch's periodic cosine)", () => {
    const s = scheduleOf("cosine(1 -> 0, past_end = continue)", 100)
    close(at(s, [100, 150, 200]), [0, 0.5, 1], 12)
  })
})

describe("native shapes: reference values (research notes, section 8)", () => {
  const quarters = [0.25, 0.5, 0.75].map((p) => p * 100)
  it("UBA: phi = 0.5, 1, and 2 (= cosine)", () => {
    close(at(scheduleOf("uba(1 -> 0, phi = 0.5)", 100), quarters), [0.958871, 0.8, 0.406983])
    close(at(scheduleOf("uba(1 -> 0, phi = 1)", 100), quarters), [0.920991, 0.666667, 0.255479])
    const phi2 = scheduleOf("uba(1 -> 0, phi = 2)", 100)
    const cosine = scheduleOf("cosine(1 -> 0)", 100)
    for (let t = 0; t <= 100; t++) expect(evaluateSchedule(phi2, t)).toBeCloseTo(evaluateSchedule(cosine, t), 14)
  })

  it("REX: the paper's form (alpha = beta = 1/2) and the community port (0.1, 0.9)", () => {
    close(at(scheduleOf("rex(1 -> 0)", 100), [0, 25, 50, 75, 90, 100]), [1, 0.857143, 0.666667, 0.4, 0.181818, 0])
    close(at(scheduleOf("rex(1 -> 0, alpha = 0.1, beta = 0.9)", 100), [25, 50, 75, 90]), [0.967742, 0.909091, 0.769231, 0.526316])
  })

  it("WSD's 1-sqrt cooldown and k-decay", () => {
    close(at(scheduleOf("one_minus_sqrt(1 -> 0)", 100), quarters), [0.5, 0.292893, 0.133975])
    close(at(scheduleOf("k_decay(1 -> 0, k = 2)", 100), [50]), [0.853553])
  })

  it("piecewise linear matches optax piecewise_interpolate_schedule('linear', 1, {4: .1, 8: .01})", () => {
    const s = scheduleOf("piecewise(at = [4 steps, 8 steps], values = [1, 0.1, 0.001], interpolate = linear)", 20)
    close(at(s, [0, 2, 4, 6, 8, 10]), [1, 0.55, 0.1, 0.0505, 0.001, 0.001], 12)
  })

  it("step matches torch StepLR(step_size = 30, gamma = 0.1) from 0.05", () => {
    close(at(scheduleOf("step(0.05, factor = 0.1, every = 30 steps)", 100), [0, 29, 30, 59, 60, 90]), [0.05, 0.05, 0.005, 0.005, 5e-4, 5e-5], 15)
  })

  it("cyclic matches torch CyclicLR(0.01, 0.1, step_size_up = 10): triangular, triangular2, exp_range", () => {
    close(at(scheduleOf("cyclic(0.01 -> 0.1, up = 10 steps)", 100), [0, 5, 10, 15, 20, 25]), [0.01, 0.055, 0.1, 0.055, 0.01, 0.055], 12)
    close(at(scheduleOf("cyclic(0.01 -> 0.1, up = 10 steps, mode = triangular2)", 100), [10, 30, 50]), [0.1, 0.055, 0.0325], 12)
    close(at(scheduleOf("cyclic(0.01 -> 0.1, up = 10 steps, mode = exp_range, gamma = 0.99)", 100), [10, 30]), [0.0913944, 0.076573])
  })

  it("cyclic as a symmetric wave around zero (CyclicReflex: A = 3, P = 100)", () => {
    const s = scheduleOf("cyclic(-3 -> 3, up = 50 steps, offset = 25 steps)", 200)
    close(at(s, [0, 12.5, 25, 50, 75, 100, 125]), [0, 1.5, 3, 0, -3, 0, 3], 12)
  })
})

describe("recipes: properties", () => {
  /** Rising then falling (unimodal), continuous, starting and ending where they should. */
  const unimodal = [
    ["warmup(10%, cosine(1 -> 0))", 0, 0],
    ["wsd(1, warmup = 5%, decay = 20%)", 0, 0],
    ["wsd(1, warmup = 5%, decay = 20%, shape = cosine, final = 0.1)", 0, 0.1],
    ["one_cycle(1)", 0.04, 4e-6],
    ["one_cycle(1, three_phase = true)", 0.04, 4e-6],
    ["slow_start_fast_decay(1)", 0, 0],
    ["infinite(1, constant = 0.3, min = 0.01, warmup = 5%, cooldown = 20%, anneal = 20%)", 0, 0.01],
    ["power_scheduler(tokens_per_step = 1000, warmup = 5%, decay = 10%)", 0, 0],
    ["moderate_decay(1, ratio = 0.3)", 1, 0.3]
  ] as const
  for (const [expr, first, last] of unimodal) {
    it(`${expr}: starts at ${first}, ends at ${last}, rises then falls, no jumps`, () => {
      const s = scheduleOf(expr, T)
      const v = at(s, Array.from({ length: T + 1 }, (_, t) => t))
      expect(v[0]).toBeCloseTo(first, 12)
      expect(v[T]).toBeCloseTo(last, 12)
      const peak = v.indexOf(Math.max(...v))
      for (let t = 1; t <= T; t++) {
        if (t <= peak) expect(v[t]! - v[t - 1]!).toBeGreaterThanOrEqual(-1e-15)
        else expect(v[t]! - v[t - 1]!).toBeLessThanOrEqual(1e-15)
        // 1-sqrt falls fastest at its start: sqrt(1 / 200) = 7% of the peak on a 200-step cooldown.
        expect(Math.abs(v[t]! - v[t - 1]!)).toBeLessThan(0.08 * Math.max(...v))
      }
    })
  }

  it("cyclic is periodic; sgdr jumps back up exactly at each restart and is continuous within a cycle", () => {
    const c = scheduleOf("cyclic(0 -> 1, up = 30 steps, down = 70 steps)", T)
    for (let t = 0; t < 500; t++) expect(evaluateSchedule(c, t + 100)).toBeCloseTo(evaluateSchedule(c, t), 12)
    const s = scheduleOf("sgdr(1 -> 0, period = 100 steps, multiplier = 2)", T)
    const restarts = [100, 300, 700]
    for (let t = 1; t < T; t++) {
      const jump = evaluateSchedule(s, t) - evaluateSchedule(s, t - 1)
      if (restarts.includes(t)) expect(evaluateSchedule(s, t)).toBe(1)
      else expect(jump).toBeLessThanOrEqual(1e-15)
    }
  })
})

describe("recipes", () => {
  it("warmup reaches exactly where the schedule after it starts, with no off-by-one", () => {
    const s = scheduleOf("warmup(100 steps, cosine(1e-3 -> 0))", 1000)
    expect(at(s, [0, 50, 100])).toEqual([0, 5e-4, 1e-3])
    expect(evaluateSchedule(s, 550)).toBeCloseTo(5e-4, 15)
    expect(evaluateSchedule(s, 1000)).toBe(0)
  })

  it("wsd: warmup, stable, and a 1-sqrt decay over the last 20% by default", () => {
    const s = scheduleOf("wsd(1, warmup = 10%)", 100)
    close(at(s, [0, 5, 10, 50, 79, 80, 85, 90, 95, 100]), [0, 0.5, 1, 1, 1, 1, 0.5, 0.292893, 0.133975, 0])
    close(at(scheduleOf("wsd(1, warmup = 10 steps, decay = 20 steps, shape = cosine)", 100), [85, 90, 95]), [0.853553, 0.5, 0.146447])
  })

  it("one_cycle: up to the peak over pct_start, then down to peak / (div * final_div)", () => {
    const s = scheduleOf("one_cycle(0.1)", 100)
    close(at(s, [0, 30, 100]), [0.004, 0.1, 4e-7], 12)
    const three = scheduleOf("one_cycle(0.1, three_phase = true, shape = linear)", 100)
    close(at(three, [0, 15, 30, 45, 60, 100]), [0.004, 0.052, 0.1, 0.052, 0.004, 4e-7], 12)
  })

  it("sgdr restarts with a period multiplier and a decay; repeat restarts any schedule", () => {
    const s = scheduleOf("sgdr(1 -> 0, period = 10 steps, multiplier = 2, decay = 0.5)", 100)
    close(at(s, [0, 5, 10, 20, 30, 40, 70]), [1, 0.5, 0.5, 0.25, 0.25, 0.25 * 0.853553390593, 0.125], 10)
    const r = scheduleOf("repeat(linear(1 -> 0), period = 4 steps)", 20)
    expect(at(r, [0, 1, 3, 4, 5, 8])).toEqual([1, 0.75, 0.25, 1, 0.75, 1])
  })

  it("restart gives each stretch between restart points the whole schedule (re-warm and re-decay per task)", () => {
    const s = scheduleOf("restart(warmup(10%, cosine(1 -> 0)), at = [100 steps, 300 steps])", 400)
    // Stretches of 100, 200 and 100 steps: warmups of 10, 20 and 10 steps.
    close(at(s, [0, 10, 100, 110, 120, 300, 310, 400]), [0, 1, 0, 0.5, 1, 0, 1, 0], 12)
  })

  it("infinite: warmup, cosine cooldown, constant, exponential anneal", () => {
    const s = scheduleOf("infinite(1, constant = 0.1, min = 0.001, warmup = 10 steps, cooldown = 20 steps, anneal = 50 steps)", 200)
    close(at(s, [0, 5, 10, 20, 30, 100, 150, 175, 200]), [0, 0.5, 1, 0.55, 0.1, 0.1, 0.1, 0.01, 0.001], 12)
  })

  it("power_scheduler: linear warmup to the power law, the law min(max, batch * a * n^b) over tokens, then a decay to 0", () => {
    const s = scheduleOf("power_scheduler(max = 0.02, a = 4, b = -0.51, batch = 1, tokens_per_step = 1000, warmup = 100 steps, decay = 100 steps)", 1000)
    const law = (t: number) => Math.min(0.02, 4 * (t * 1000) ** -0.51)
    close(at(s, [0, 50, 100, 500, 899, 900, 950, 1000]), [0, law(100) / 2, law(100), law(500), law(899), law(900), law(900) / 2, 0], 14)
    // The cap holds while the law is above it.
    expect(evaluateSchedule(scheduleOf("power_law(max = 0.02, coefficient = 4, exponent = -0.51)", 1000), 10)).toBe(0.02)
  })

  it("slow_start_fast_decay ramps over the first half by default; moderate_decay stops at a ratio of the peak", () => {
    close(at(scheduleOf("slow_start_fast_decay(1)", 100), [0, 25, 50, 75, 100]), [0, 0.5, 1, 0.5, 0], 12)
    close(at(scheduleOf("slow_start_fast_decay(1, start = 20%, shape = cosine)", 100), [10, 20, 60, 100]), [0.5, 1, 0.5, 0], 12)
    close(at(scheduleOf("moderate_decay(1, ratio = 0.4)", 100), [0, 50, 100]), [1, 0.7, 0.4], 12)
  })

  it("sampled holds each value for its interval; min, max and clamp bound a schedule", () => {
    expect(at(scheduleOf("sampled(linear(0 -> 1), every = 25 steps)", 100), [0, 24, 25, 99, 100])).toEqual([0, 0, 0.25, 0.75, 1])
    expect(at(scheduleOf("min(linear(0 -> 1), 0.5)", 100), [0, 40, 60])).toEqual([0, 0.4, 0.5])
    expect(at(scheduleOf("max(linear(1 -> 0), 0.2)", 100), [0, 90])).toEqual([1, 0.2])
    expect(at(scheduleOf("clamp(linear(-1 -> 2), low = 0, high = 1)", 300), [0, 100, 150, 300])).toEqual([0, 0, 0.5, 1])
  })

  it("compiles back from its resolved text to the same IR, for every constructor", () => {
    const exprs = [
      "rex(1 -> 0, alpha = 0.1, beta = 0.9)", "uba(1 -> 0, phi = 0.5) for 50 steps then constant(0)", "polynomial(1 -> 0, power = 3)",
      "k_decay(1 -> 0)", "exponential(1 -> 0.01)", "inverse_sqrt(1e-3, timescale = 100 steps)", "step(1, factor = 0.5, every = 10 steps)",
      "piecewise(at = [10 steps, 20 steps], values = [1, 0.5, 0.1], interpolate = cosine)", "warmup(10%, wsd(1))", "one_cycle(0.1)",
      "cyclic(0 -> 1, up = 10 steps, down = 30 steps, mode = triangular2)", "sgdr(1 -> 0, period = 7 steps, multiplier = 3, decay = 0.9)",
      "infinite(1, constant = 0.1, min = 0.01, warmup = 5%, cooldown = 10%, anneal = 10%)", "sampled(cosine(1 -> 0), every = 9 steps)",
      "clamp(cosine(2 -> -1), low = 0, high = 1)", "repeat(linear(0 -> 1) for 3 steps then cosine(1 -> 0), period = 10 steps, multiplier = 2)",
      "cosine(1 -> 0, exponent = 2, past_end = continue)",
      "power_scheduler(tokens_per_step = 512, warmup = 5%, decay = 10%, shape = one_minus_sqrt)",
      "restart(warmup(10%, cosine(1 -> 0)), at = [50 steps, 120 steps])"
    ]
    for (const expr of exprs) {
      const s = scheduleOf(expr, 200)
      const again = scheduleOf(printSchedule(s, 200), 200)
      const strip = (x: ScheduleIR) => canonicalJson({ schedules: { s: x } } as never)
      expect(strip(again), `${expr} -> ${printSchedule(s, 200)}`).toBe(strip(s))
    }
  })
})
