import { describe, expect, it } from "@effect/vitest"
import { formatDiagnostic } from "@lrs/dsl"
import { compile, evaluateSchedule, type ScheduleIR } from "../../src/index.ts"
import { medianSmooth, refinedShape } from "../../src/schedule/refine.ts"
import { scheduleSpec } from "./support.ts"

const close = (a: ReadonlyArray<number>, b: ReadonlyArray<number>, digits = 4) => {
  expect(a.length).toBe(b.length)
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, digits))
}

/** A run directory in memory: `metrics.jsonl` with one train row per logged step. */
const runFiles = (rows: ReadonlyArray<Record<string, unknown>>, steps?: number): Record<string, string> => ({
  "runs/base/metrics.jsonl": rows.map((r) => JSON.stringify(r) + "\n").join(""),
  ...(steps === undefined ? {} : { "runs/base/ir.json": JSON.stringify({ steps }) })
})

const compileWith = (expr: string, steps: number, files: Record<string, string>) =>
  compile(scheduleSpec(expr, steps), { file: "e.lrs", host: { read: (p) => files[p] } })

const refinedOf = (expr: string, steps: number, files: Record<string, string>): ScheduleIR => {
  const r = compileWith(expr, steps, files)
  expect(r.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic)).toEqual([])
  return r.ir!.schedules["s"]!
}

describe("refinement (Defazio et al.)", () => {
  it("gives the paper's values: constant norms decay linearly, large early norms grow a warmup", () => {
    close(refinedShape([1, 1, 1, 1, 1]), [1, 0.75, 0.5, 0.25, 0])
    close(refinedShape([4, 2, 1, 1, 1]), [0.1016, 0.375, 1, 0.5, 0])
  })

  it("median-smooths with the authors' padding (reflect at the end, nearest at the edges)", () => {
    // width 2 * floor(floor(0.6 * 5) / 2) + 1 = 3; padded [5 1 3 2 4 | 2 3 1 5 1 3]
    expect(medianSmooth([5, 1, 3, 2, 4], 0.6)).toEqual([5, 3, 2, 3, 2])
    // A window of one point changes nothing.
    expect(medianSmooth([5, 1, 3], 0.1)).toEqual([5, 1, 3])
    // A spike narrower than half the window is removed.
    expect(medianSmooth([1, 1, 9, 1, 1, 1, 1, 1, 1, 1], 0.5)).toEqual(new Array(10).fill(1))
  })

  it("turns constant logged norms into exactly linear decay over the run", () => {
    const T = 200
    const rows = Array.from({ length: T }, (_, t) => ({ kind: "train", step: t, loss: 1, grad_norm: 3 }))
    const s = refinedOf(`refined(from = "runs/base", peak = 0.1)`, T, runFiles(rows, T))
    expect(s.kind).toBe("piecewise")
    for (let t = 0; t < T; t++) expect(evaluateSchedule(s, t)).toBeCloseTo((0.1 * (T - 1 - t)) / (T - 1), 12)
    expect(evaluateSchedule(s, T + 5)).toBe(0)
  })

  it("stretches a run logged every 10 steps onto a longer budget, reading its length from ir.json", () => {
    const rows = Array.from({ length: 10 }, (_, k) => ({ kind: "train", step: k * 10, grad_norm: k < 2 ? 4 : 1 }))
    // The last row a run logs is its last step.
    rows.push({ kind: "train", step: 99, grad_norm: 1 })
    const s = refinedOf(`refined(from = "runs/base", peak = 1, smoothing = 0)`, 200, runFiles(rows, 100))
    const shape = refinedShape(rows.map((r) => r.grad_norm))
    if (s.kind !== "piecewise") throw new Error(s.kind)
    expect(s.at).toEqual([20, 40, 60, 80, 100, 120, 140, 160, 180, 198])
    close(s.values, shape, 12)
    // Small early weights: the schedule starts low and rises (a warmup it grew itself).
    expect(evaluateSchedule(s, 0)).toBeLessThan(evaluateSchedule(s, 40))
  })

  it("reads the signal it is told to, skips rows without it and a torn last line", () => {
    const rows = [
      { kind: "eval", step: 0, loss: 2 },
      { kind: "train", step: 0, "ema(grad_norm, 0.9)": 1 },
      { kind: "train", step: 1, grad_norm: 5 },
      { kind: "train", step: 2, "ema(grad_norm, 0.9)": 1 },
      { kind: "train", step: 3, "ema(grad_norm, 0.9)": 1 }
    ]
    const files = runFiles(rows)
    files["runs/base/metrics.jsonl"] += "{\"kind\":\"train\",\"st"
    const s = refinedOf(`refined(from = "runs/base", peak = 1, signal = ema(grad_norm, 0.9), smoothing = 0)`, 4, files)
    close([0, 1, 2, 3].map((t) => evaluateSchedule(s, t)), [1, 0.75, 0.5, 0], 12)
  })

  it("says what is wrong with the run it reads, at `from`", () => {
    const messages = (expr: string, files: Record<string, string>) =>
      compileWith(expr, 100, files).diagnostics.filter((d) => d.code === "LRS3006").map((d) => `${d.span.start.col}: ${d.message} | ${d.help ?? ""}`)
    expect(messages(`refined(from = "runs/none", peak = 0.1)`, {})).toEqual([
      "31: `refined` reads the run in `runs/none`, but runs/none/metrics.jsonl cannot be read | run the baseline there first (`lrs run BASELINE.lrs --out runs/none`, logging `grad_norm`), or point `from` at a run directory"
    ])
    expect(messages(`refined(from = "runs/base", peak = 0.1)`, runFiles([{ kind: "train", step: 0, loss: 1 }]))).toEqual([
      "31: the run in `runs/base` logged `grad_norm` at 0 steps; refinement needs the norms over the run | log it in the baseline: `log every 1 steps [grad_norm]` (or every few steps)"
    ])
    expect(messages(`refined(from = "runs/base", peak = 0.1)`, runFiles([{ kind: "train", step: 0, grad_norm: 1 }, { kind: "train", step: 1, grad_norm: 0 }]))).toEqual([
      "31: the run in `runs/base` cannot be refined: `grad_norm` is 0 at step 1 (line 2); refinement needs positive finite norms | "
    ])
    const damaged = { "runs/base/metrics.jsonl": "{\"kind\":\"train\",\"step\":0,\"grad_norm\":1}\nnot json\n{\"kind\":\"train\",\"step\":1,\"grad_norm\":1}\n" }
    expect(messages(`refined(from = "runs/base", peak = 0.1)`, damaged)).toEqual(["31: the run in `runs/base` cannot be refined: line 2 of metrics.jsonl is not JSON | "])
  })
})
