import { describe, expect, it } from "@effect/vitest"
import type { Diagnostic } from "@lrs/dsl"
import { evaluateSchedule, type ScheduleIR } from "../../src/index.ts"
import { compileExpr, scheduleOf as compiledSchedule } from "./support.ts"

/** The schedule, compiled in an experiment of `steps` (400 by default) updates whose lr it is. */
const scheduleOf = (expr: string, steps = 400): ScheduleIR => compiledSchedule(expr, steps)
const diagnosticsOf = (expr: string, steps = 400): ReadonlyArray<Diagnostic> => compileExpr(expr, steps).diagnostics

/** Reference values are printed to ~6 significant digits: half a unit in the 6th digit. */
const expectRef = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(5e-6 * Math.abs(expected) + 1e-15)

/** Checks lambda(t) = value / base_lr against the table. */
const checkRef = (expr: string, table: ReadonlyArray<readonly [number, number]>, base = 1) => {
  const s = scheduleOf(expr)
  for (const [t, v] of table) expectRef(evaluateSchedule(s, t) / base, v)
}

/** `base * lambda(t)` (LambdaLR) against an independent float64 transcription, at 1e-12 relative to the value or `base`. */
const checkAgainst = (expr: string, lambda: (t: number) => number, base = 1, upTo = 400) => {
  const s = scheduleOf(expr)
  for (let t = 0; t <= upTo; t++) {
    const want = base * lambda(t)
    const got = evaluateSchedule(s, t)
    if (!(Math.abs(got - want) <= 1e-12 * Math.max(Math.abs(want), Math.abs(base)))) {
      throw new Error(`${expr} at step ${t}: got ${got}, HF gives ${want}`)
    }
  }
}

// --- An independent float64 transcription of transformers/optimization.py's lr lambdas ---------------

const pyMod = (x: number, m: number) => ((x % m) + m) % m
const warm = (t: number, W: number) => t / Math.max(1, W)

const linear = (W: number, N: number) => (t: number) => t < W ? warm(t, W) : Math.max(0, (N - t) / Math.max(1, N - W))
// The second `_get_cosine_schedule_with_warmup_lr_lambda` (with min_lr_rate) shadows the first in HF's module.
const cosineMin = (W: number, N: number, cycles = 0.5, r = 0) => (t: number) => {
  if (t < W) return warm(t, W)
  const progress = (t - W) / Math.max(1, N - W)
  const factor = 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress))
  return Math.max(0, factor * (1 - r) + r)
}
const restarts = (W: number, N: number, cycles = 1) => (t: number) => {
  if (t < W) return warm(t, W)
  const progress = (t - W) / Math.max(1, N - W)
  if (progress >= 1) return 0
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * pyMod(cycles * progress, 1))))
}
const polynomial = (W: number, N: number, lrInit: number, lrEnd = 1e-7, power = 1) => (t: number) => {
  if (t < W) return warm(t, W)
  if (t > N) return lrEnd / lrInit
  const decay = (lrInit - lrEnd) * (1 - (t - W) / (N - W)) ** power + lrEnd
  return decay / lrInit
}
const constantWithWarmup = (W: number) => (t: number) => t < W ? t / Math.max(1, W) : 1
const inverseSqrt = (W: number, timescale?: number) => {
  const ts = timescale ?? (W || 10_000)
  return (t: number) => t < W ? warm(t, W) : 1 / Math.sqrt((t + (ts - W)) / ts)
}
const cosineWarmupMin = (W: number, N: number, cycles = 0.5, r = 0, warmupRate?: number) => (t: number) => {
  if (t < W) return warmupRate === undefined ? (t + 1) / Math.max(1, W) : warmupRate + ((1 - warmupRate) * t) / Math.max(1, W - 1)
  const progress = (t - W + 1) / Math.max(1, N - W)
  const factor = 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress))
  return Math.max(0, factor * (1 - r) + r)
}
type Shape = "linear" | "cosine" | "1-sqrt"
const wsd = (W: number, S: number, D: number, warmupType: Shape = "linear", decayType: Shape = "cosine", m = 0, cycles = 0.5) => (t: number) => {
  if (t < W) {
    const p = t / Math.max(1, W)
    const f = warmupType === "linear" ? p : warmupType === "cosine" ? 0.5 * (1 - Math.cos(Math.PI * p)) : 1 - Math.sqrt(1 - p)
    return Math.max(0, f * (1 - m) + m)
  }
  if (t < W + S) return 1
  if (t < W + S + D) {
    const p = (t - W - S) / Math.max(1, D)
    const f = decayType === "linear" ? 1 - p : decayType === "cosine" ? 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * p)) : 1 - Math.sqrt(p)
    return Math.max(0, f * (1 - m) + m)
  }
  return m
}

describe("hf.* schedules: research reference table (section 8), lambda(t) with W = 10, N = 100", () => {
  it("linear", () => {
    checkRef("hf.linear(10, 100)", [[0, 0], [5, 0.5], [10, 1], [55, 0.5], [100, 0], [101, 0]])
  })

  it("cosine rises again after num_training_steps", () => {
    checkRef("hf.cosine(num_warmup_steps = 10, num_training_steps = 100)", [[0, 0], [5, 0.5], [10, 1], [55, 0.5], [100, 0], [101, 0.000304586]])
  })

  it("cosine_with_restarts, num_cycles = 2", () => {
    checkRef("hf.cosine_with_restarts(10, 100, num_cycles = 2)", [[10, 1], [55, 1], [100, 0]])
  })

  it("polynomial with lr_init (base_lr) 1e-3, lr_end 1e-7, power 2: lr_end is absolute", () => {
    checkRef("hf.polynomial(10, 100, lr_end = 1e-7, power = 2, base_lr = 1e-3)", [[55, 0.250075], [100, 1e-4], [101, 1e-4]], 1e-3)
  })

  it("inverse_sqrt, timescale defaulting to W", () => {
    checkRef("hf.inverse_sqrt(10)", [[5, 0.5], [10, 1], [55, 0.426401], [100, 0.316228]])
  })

  it("cosine_with_min_lr, min_lr_rate = .1 (rises past N)", () => {
    checkRef("hf.cosine_with_min_lr(10, 100, min_lr_rate = 0.1)", [[55, 0.55], [100, 0.1], [101, 0.100274]])
  })

  it("cosine_warmup_with_min_lr, min_lr_rate = .1 (the off-by-one: step 0 is 1/W, the decay one step ahead)", () => {
    checkRef("hf.cosine_warmup_with_min_lr(10, 100, min_lr_rate = 0.1)", [[0, 0.1], [5, 0.6], [10, 0.999726], [55, 0.534295], [100, 0.100274]])
  })

  it("warmup_stable_decay W=10, S=70, D=20 with cosine / linear / 1-sqrt decay", () => {
    const table = { cosine: [0.853553, 0.5, 0.146447, 0.00615583], linear: [0.75, 0.5, 0.25, 0.05], "1-sqrt": [0.5, 0.292893, 0.133975, 0.0253206] }
    for (const [decay, [v85, v90, v95, v99]] of Object.entries(table)) {
      const common: Array<readonly [number, number]> = [[5, 0.5], [10, 1], [45, 1], [79, 1], [85, v85!], [90, v90!], [95, v95!], [99, v99!], [100, 0], [150, 0]]
      checkRef(`hf.warmup_stable_decay(num_warmup_steps = 10, num_decay_steps = 20, num_training_steps = 100, decay_type = "${decay}")`, common)
      checkRef(`hf.warmup_stable_decay(10, 20, num_stable_steps = 70, decay_type = "${decay}")`, common)
    }
    checkRef("hf.warmup_stable_decay(10, 20, 100, warmup_type = \"1-sqrt\")", [[5, 0.292893]])
    checkRef("hf.warmup_stable_decay(10, 20, 100, warmup_type = one_minus_sqrt, decay_type = linear)", [[5, 0.292893], [90, 0.5]])
  })

  it("constant and constant_with_warmup", () => {
    expect(scheduleOf("hf.constant()")).toMatchObject({ kind: "constant", value: 1 })
    expect(scheduleOf("hf.constant(base_lr = 3e-4)")).toMatchObject({ kind: "constant", value: 3e-4 })
    checkRef("hf.constant_with_warmup(10)", [[0, 0], [5, 0.5], [10, 1], [300, 1]])
  })
})

describe("hf.* schedules against a float64 transcription of the lr lambdas, steps 0..400", () => {
  it("linear, including N <= W", () => {
    checkAgainst("hf.linear(10, 100)", linear(10, 100))
    checkAgainst("hf.linear(0, 333, base_lr = 0.02)", linear(0, 333), 0.02)
    checkAgainst("hf.linear(50, 30)", linear(50, 30))
    checkAgainst("hf.linear(7, 7, base_lr = 5e-5)", linear(7, 7), 5e-5)
  })

  it("cosine with num_cycles, rising past N", () => {
    checkAgainst("hf.cosine(10, 100)", cosineMin(10, 100))
    checkAgainst("hf.cosine(25, 250, num_cycles = 1.5, base_lr = 3e-4)", cosineMin(25, 250, 1.5), 3e-4)
    checkAgainst("hf.cosine(0, 120, 0.25)", cosineMin(0, 120, 0.25))
    checkAgainst("hf.cosine(40, 20)", cosineMin(40, 20))
  })

  it("cosine_with_restarts", () => {
    checkAgainst("hf.cosine_with_restarts(10, 100)", restarts(10, 100))
    checkAgainst("hf.cosine_with_restarts(10, 100, 2)", restarts(10, 100, 2))
    checkAgainst("hf.cosine_with_restarts(20, 300, num_cycles = 4, base_lr = 0.1)", restarts(20, 300, 4), 0.1)
    checkAgainst("hf.cosine_with_restarts(0, 200, num_cycles = 3)", restarts(0, 200, 3))
    checkAgainst("hf.cosine_with_restarts(5, 5)", restarts(5, 5))
  })

  it("polynomial (lr_end relative to base_lr; after N the multiplier is lr_end / base_lr)", () => {
    checkAgainst("hf.polynomial(10, 100, lr_end = 1e-7, power = 2, base_lr = 1e-3)", polynomial(10, 100, 1e-3, 1e-7, 2), 1e-3)
    checkAgainst("hf.polynomial(0, 250)", polynomial(0, 250, 1))
    checkAgainst("hf.polynomial(30, 200, 0.01, 0.5, 0.1)", polynomial(30, 200, 0.1, 0.01, 0.5), 0.1)
    checkAgainst("hf.polynomial(30, 200, 0.01, 0, 0.1)", polynomial(30, 200, 0.1, 0.01, 0), 0.1)
    checkAgainst("hf.polynomial(60, 40, lr_end = 0.001)", polynomial(60, 40, 1, 0.001))
  })

  it("constant_with_warmup and inverse_sqrt (timescale default W, or 10000 when W = 0)", () => {
    checkAgainst("hf.constant_with_warmup(10)", constantWithWarmup(10))
    checkAgainst("hf.constant_with_warmup(0, base_lr = 0.5)", constantWithWarmup(0), 0.5)
    checkAgainst("hf.inverse_sqrt(10)", inverseSqrt(10))
    checkAgainst("hf.inverse_sqrt(0)", inverseSqrt(0))
    checkAgainst("hf.inverse_sqrt(40, timescale = 7, base_lr = 2e-3)", inverseSqrt(40, 7), 2e-3)
  })

  it("cosine_with_min_lr with min_lr_rate or min_lr (a fraction of base_lr), and a negative rate clamped at 0", () => {
    checkAgainst("hf.cosine_with_min_lr(10, 100, min_lr_rate = 0.1)", cosineMin(10, 100, 0.5, 0.1))
    checkAgainst("hf.cosine_with_min_lr(20, 300, min_lr = 1e-5, base_lr = 1e-3)", cosineMin(20, 300, 0.5, 1e-5 / 1e-3), 1e-3)
    checkAgainst("hf.cosine_with_min_lr(0, 150, num_cycles = 1, min_lr_rate = 0.3)", cosineMin(0, 150, 1, 0.3))
    checkAgainst("hf.cosine_with_min_lr(10, 100, min_lr_rate = -0.2)", cosineMin(10, 100, 0.5, -0.2))
  })

  it("cosine_warmup_with_min_lr, with and without warmup_lr_rate", () => {
    checkAgainst("hf.cosine_warmup_with_min_lr(10, 100, min_lr_rate = 0.1)", cosineWarmupMin(10, 100, 0.5, 0.1))
    checkAgainst("hf.cosine_warmup_with_min_lr(10, 100, min_lr_rate = 0.1, warmup_lr_rate = 0.05)", cosineWarmupMin(10, 100, 0.5, 0.1, 0.05))
    checkAgainst("hf.cosine_warmup_with_min_lr(1, 80, min_lr_rate = 0, warmup_lr_rate = 0.3)", cosineWarmupMin(1, 80, 0.5, 0, 0.3))
    checkAgainst("hf.cosine_warmup_with_min_lr(1, 80, min_lr_rate = 0)", cosineWarmupMin(1, 80, 0.5, 0))
    checkAgainst("hf.cosine_warmup_with_min_lr(0, 200, num_cycles = 1, min_lr = 2e-4, base_lr = 1e-3)", cosineWarmupMin(0, 200, 1, 2e-4 / 1e-3), 1e-3)
  })

  it("warmup_stable_decay over every warmup and decay type, min_lr_ratio and num_cycles", () => {
    for (const warmupType of ["linear", "cosine", "1-sqrt"] as const) {
      for (const decayType of ["linear", "cosine", "1-sqrt"] as const) {
        checkAgainst(`hf.warmup_stable_decay(10, 20, 100, warmup_type = "${warmupType}", decay_type = "${decayType}")`, wsd(10, 70, 20, warmupType, decayType))
        checkAgainst(
          `hf.warmup_stable_decay(37, 91, num_stable_steps = 150, warmup_type = "${warmupType}", decay_type = "${decayType}", min_lr_ratio = 0.1, num_cycles = 0.75, base_lr = 3e-4)`,
          wsd(37, 150, 91, warmupType, decayType, 0.1, 0.75),
          3e-4
        )
      }
    }
    checkAgainst("hf.warmup_stable_decay(0, 0, 300)", wsd(0, 300, 0))
  })
})

describe("hf.* arguments", () => {
  const codes = (expr: string) => diagnosticsOf(expr).map((d) => d.code).sort()

  it("suggests the closest HF name for an unknown argument (LRS1010)", () => {
    const ds = diagnosticsOf("hf.cosine(num_warmup_step = 10, num_training_steps = 100)")
    expect(ds.find((d) => d.code === "LRS1010")).toMatchObject({ message: "`hf.cosine` has no argument `num_warmup_step`", help: "the closest argument is `num_warmup_steps`" })
    expect(diagnosticsOf("hf.cosine_with_min_lr(10, 100, min_lr_ratio = 0.1)").find((d) => d.code === "LRS1010")).toMatchObject({ help: "the closest argument is `min_lr_rate`" })
  })

  it("reports missing required arguments (LRS1007), including HF's either-or ones", () => {
    expect(diagnosticsOf("hf.linear(num_warmup_steps = 10)")[0]).toMatchObject({ code: "LRS1007", message: "`hf.linear` needs the argument `num_training_steps`" })
    expect(codes("hf.cosine_with_min_lr(10, 100)")).toEqual(["LRS1007"])
    expect(codes("hf.warmup_stable_decay(10, 20)")).toEqual(["LRS1007"])
  })

  it("rejects what HF rejects", () => {
    expect(codes("hf.cosine_with_min_lr(10, 100, min_lr = 1e-5, min_lr_rate = 0.1)")).toEqual(["LRS3004"])
    expect(codes("hf.polynomial(10, 100, lr_end = 2)")).toEqual(["LRS3004"])
    expect(codes("hf.polynomial(10, 10)")).toEqual(["LRS3004"])
    expect(codes("hf.warmup_stable_decay(10, 20, 100, decay_type = \"sqrt\")")).toEqual(["LRS2002"])
    expect(codes("hf.warmup_stable_decay(50, 60, 100)")).toEqual(["LRS3004"])
  })

  it("uses num_stable_steps when num_training_steps is given too, as HF does", () => {
    const s = scheduleOf("hf.warmup_stable_decay(10, 20, num_training_steps = 500, num_stable_steps = 70)")
    expect([79, 80, 100].map((t) => evaluateSchedule(s, t))).toEqual([1, 1, 0])
  })
})
