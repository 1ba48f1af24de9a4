import { describe, expect, it } from "@effect/vitest"
import { formatDiagnostic } from "@lrs/dsl"
import { readFileSync } from "node:fs"
import { evaluateSchedule, type ScheduleIR } from "../../src/index.ts"
import { compileExpr, scheduleOf as compiledSchedule } from "./support.ts"

/**
 * `torch.*` held to real PyTorch 1.13: `../fixtures/torch-schedules.json` is written by
 * `/usr/bin/python3 packages/compiler/test/fixtures/gen_torch_schedules.py`; `values[t]` is the
 * optimizer's lr after the scheduler was built and stepped t times.
 */
interface Fixture {
  readonly name: string
  readonly lrs: string
  readonly values: ReadonlyArray<number>
}

const fixtures: ReadonlyArray<Fixture> = JSON.parse(readFileSync(new URL("../fixtures/torch-schedules.json", import.meta.url), "utf8"))

// The optimizer's lr is a constant: OneCycleLR with linear annealing goes negative at total_steps, as in PyTorch.
const scheduleOf = (expr: string, steps: number): ScheduleIR => compiledSchedule(expr, steps, "0.1")
const diagnosticsOf = (expr: string, steps = 100) => compileExpr(expr, steps, "0.1").diagnostics

/** The worst step: error in units of the tolerance, relative 1e-9 (absolute 1e-12 where the value is ~0); at most 1 passes. */
const worst = (s: ScheduleIR, values: ReadonlyArray<number>) => {
  let score = 0
  let at = -1
  values.forEach((want, t) => {
    const e = Math.abs(evaluateSchedule(s, t) - want) / Math.max(1e-9 * Math.abs(want), 1e-12)
    if (!(e <= score)) {
      score = e
      at = t
    }
  })
  return { score, at }
}

describe("torch.* against PyTorch 1.13", () => {
  it("has fixtures for every class", () => {
    const classes = new Set(fixtures.map((f) => /^torch\.(\w+)/.exec(f.lrs)![1]))
    expect([...classes].sort()).toEqual([
      "ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "ExponentialLR",
      "LinearLR", "MultiStepLR", "OneCycleLR", "PolynomialLR", "SequentialLR", "StepLR"
    ])
  })

  for (const f of fixtures) {
    it(`${f.name}: ${f.lrs}`, () => {
      const s = scheduleOf(f.lrs, f.values.length)
      const { score, at } = worst(s, f.values)
      // On failure this shows the worst step, what was compiled and what PyTorch gave.
      if (score > 1) expect({ t: at, got: evaluateSchedule(s, at) }).toEqual({ t: at, got: f.values[at] })
    })
  }
})

describe("torch.* arguments", () => {
  it("takes PyTorch's positional order, base_lr last", () => {
    const s = scheduleOf("torch.StepLR(30, 0.1, base_lr = 0.05)", 100)
    expect([0, 29, 30, 60].map((t) => evaluateSchedule(s, t))).toEqual([0.05, 0.05, 0.05 * 0.1, 0.05 * 0.1 ** 2])
  })

  it("accepts lengths for step counts", () => {
    const a = scheduleOf("torch.CosineAnnealingLR(T_max = 50 steps, base_lr = 1)", 100)
    const b = scheduleOf("torch.CosineAnnealingLR(T_max = 50%, base_lr = 1)", 100)
    expect(evaluateSchedule(a, 50)).toBe(0)
    expect(evaluateSchedule(b, 50)).toBe(0)
  })

  it("defaults OneCycleLR's total_steps to the span it fills", () => {
    const s = scheduleOf("torch.OneCycleLR(max_lr = 0.1)", 100)
    const f = fixtures.find((x) => x.lrs === "torch.OneCycleLR(max_lr = 0.1, total_steps = 100)")!
    f.values.slice(0, 100).forEach((v, t) => expect(evaluateSchedule(s, t)).toBeCloseTo(v, 14))
  })

  it("reports a misspelt argument with PyTorch's name", () => {
    const ds = diagnosticsOf("torch.StepLR(base_lr = 0.1, stepsize = 30)")
    expect(ds.map((d) => d.code).sort()).toEqual(["LRS1007", "LRS1010"]) // and `step_size` itself is then missing
    expect(formatDiagnostic(ds.find((d) => d.code === "LRS1010")!)).toContain("`step_size`")
  })

  it("reports a missing required argument", () => {
    expect(diagnosticsOf("torch.StepLR(step_size = 30)").map((d) => d.code)).toEqual(["LRS1007"])
    expect(formatDiagnostic(diagnosticsOf("torch.StepLR(step_size = 30)")[0]!)).toContain("base_lr")
    expect(diagnosticsOf("torch.ExponentialLR(base_lr = 0.1)").map((d) => d.code)).toEqual(["LRS1007"])
  })

  it("reports a misspelt argument inside SequentialLR at the inner call", () => {
    const ds = diagnosticsOf("torch.SequentialLR(base_lr = 1, schedulers = [torch.LinearLR(start_factr = 0.1), torch.CosineAnnealingLR(T_max = 10)], milestones = [5])")
    expect(ds.map((d) => d.code)).toEqual(["LRS1010"])
    expect(formatDiagnostic(ds[0]!)).toContain("start_factor")
  })

  it("rejects base_lr on an inner scheduler, nesting composites, and mismatched milestones", () => {
    const codes = (e: string) => diagnosticsOf(e).map((d) => d.code)
    expect(codes("torch.SequentialLR(base_lr = 1, schedulers = [torch.LinearLR(base_lr = 2), torch.StepLR(step_size = 3)], milestones = [5])")).toEqual(["LRS3004"])
    expect(codes("torch.SequentialLR(base_lr = 1, schedulers = [torch.LinearLR(), torch.ChainedScheduler(schedulers = [torch.StepLR(step_size = 3)])], milestones = [5])")).toEqual(["LRS3004"])
    expect(codes("torch.SequentialLR(base_lr = 1, schedulers = [torch.LinearLR(), torch.StepLR(step_size = 3)], milestones = [5, 9])")).toEqual(["LRS3004"])
    expect(codes("torch.ChainedScheduler(base_lr = 1, schedulers = [torch.LinearLR(), torch.OneCycleLR(max_lr = 1)])")).toEqual(["LRS3004"])
    expect(codes("torch.ChainedScheduler(base_lr = 1, schedulers = [torch.LinearLR(), torch.CosineAnnealingLR(T_max = 10, eta_min = 0.1)])")).toEqual(["LRS3004"])
  })

  it("rejects a OneCycleLR shorter than its span (PyTorch raises after total_steps)", () => {
    expect(diagnosticsOf("torch.OneCycleLR(max_lr = 0.1, total_steps = 50)", 100).map((d) => d.code)).toEqual(["LRS3004"])
  })

  it("checks choices", () => {
    expect(diagnosticsOf("torch.OneCycleLR(max_lr = 0.1, anneal_strategy = cosine)").map((d) => d.code)).toEqual(["LRS2002"])
    expect(diagnosticsOf("torch.CyclicLR(base_lr = 0.1, max_lr = 1, mode = triangle)").map((d) => d.code)).toEqual(["LRS2002"])
  })
})
