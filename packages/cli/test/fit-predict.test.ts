import { afterAll, describe, expect, it } from "@effect/vitest"
import { compile, evaluateSchedule, predictLoss, type RunIR } from "@lrs/compiler"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

/** The real CLI in a subprocess, as a user runs it. */
const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")

const lrs = (args: ReadonlyArray<string>) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const dir = mkdtempSync(join(tmpdir(), "lrs-fit-predict-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const spec = (lr: string, steps = 600, log = 1) => `lrs 1
experiment tiny {
  seed = 1
  steps = ${steps}
  data = spirals()
  model = mlp(hidden = [8])
  optimizer = adam(lr = ${lr})
  evaluate every 100 steps on test [loss]
  log every ${log} steps
}
`

const irOf = (text: string): RunIR => {
  const { ir, diagnostics } = compile(text, { file: "tiny.lrs" })
  if (ir === undefined) throw new Error(diagnostics.map((d) => d.message).join("; "))
  return ir
}

const truth = { L0: 0.3, A: 0.05, alpha: 0.5, C: 0.04 }

/**
 * A run directory as `lrs run` writes it, with batch losses from the law itself: the train row of
 * update t holds the loss after t updates and the lr of update t. Ends in a torn line (a killed run).
 */
const runDir = (name: string, ir: RunIR, lrOf: (t: number) => number, options: { log?: number; row?: (t: number, row: Record<string, unknown>) => void } = {}) => {
  const path = join(dir, name)
  mkdirSync(path)
  writeFileSync(join(path, "ir.json"), JSON.stringify(ir, null, 2) + "\n")
  const lrsRun = Array.from({ length: ir.steps }, (_, t) => lrOf(t))
  const loss = predictLoss(truth, lrsRun)
  const rows: Array<string> = [JSON.stringify({ kind: "eval", step: 0, split: "test", loss: 2.3 })]
  for (let t = 0; t < ir.steps; t += options.log ?? 1) {
    const row: Record<string, unknown> = { kind: "train", step: t, loss: t === 0 ? 2.3 : loss[t], lr: lrsRun[t] }
    options.row?.(t, row)
    rows.push(JSON.stringify(row))
  }
  writeFileSync(join(path, "metrics.jsonl"), rows.join("\n") + "\n{\"kind\":\"train\",\"st")
  return path
}

const linearIr = irOf(spec("linear(1e-2 -> 0)"))
const linearRun = runDir("linear", linearIr, (t) => evaluateSchedule(linearIr.optimizer.lr, t))

interface Fit {
  law: string
  lambda: number
  L0: number
  A: number
  alpha: number
  C: number
  fittedOn: string
  column: string
  points: number
  rmseLog: number
}

const expectTruth = (fit: Fit) => {
  expect(fit.L0).toBeCloseTo(truth.L0, 5)
  expect(fit.A).toBeCloseTo(truth.A, 5)
  expect(fit.alpha).toBeCloseTo(truth.alpha, 4)
  expect(fit.C).toBeCloseTo(truth.C, 5)
}

describe("lrs fit", () => {
  it("recovers the law's parameters from a run's logged losses and writes RUN_DIR/fit.json", () => {
    const r = lrs(["fit", linearRun])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe("")
    expect(r.stdout).toContain("fitted on 599 points of `loss` (steps 1..599)")
    expect(r.stdout).toContain(`wrote ${join(linearRun, "fit.json")}`)
    const fit = JSON.parse(readFileSync(join(linearRun, "fit.json"), "utf8")) as Fit
    expectTruth(fit)
    expect(fit).toMatchObject({ law: "L0 + A*S1^-alpha - C*S2 (Tissue et al., arXiv 2408.11029)", lambda: 0.999, fittedOn: linearRun, column: "loss", points: 599 })
    expect(fit.rmseLog).toBeLessThan(1e-6)
  })

  it("fits another column, from --skip on, with another lambda, to -o", () => {
    const run = runDir("ema", linearIr, (t) => evaluateSchedule(linearIr.optimizer.lr, t), {
      row: (t, row) => (row["ema(loss, 0.9)"] = t === 0 ? null : row["loss"])
    })
    const out = join(dir, "ema-fit.json")
    const r = lrs(["fit", run, "--column", "ema(loss, 0.9)", "--skip", "100", "--lambda", "0.99", "-o", out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain("fitted on 500 points of `ema(loss, 0.9)` (steps 100..599)")
    const fit = JSON.parse(readFileSync(out, "utf8")) as Fit
    expect(fit).toMatchObject({ column: "ema(loss, 0.9)", lambda: 0.99, points: 500 })
  })

  it("fits a plateau lr with the lr the run logged, held between logged rows, and says so", () => {
    const ir = irOf(spec("plateau(1e-2, on = test.loss, factor = 0.5)", 600, 5))
    // The run's plateau halved the lr at update 200: the closed form (no reduction) is not what ran.
    const run = runDir("plateau", ir, (t) => (t < 200 ? 1e-2 : 5e-3), { log: 5 })
    const r = lrs(["fit", run])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/^note: the lr has a plateau \(tiny\.lrs:7:\d+\), so the fit uses the lr the run logged, held constant between logged rows\n$/)
    expectTruth(JSON.parse(readFileSync(join(run, "fit.json"), "utf8")) as Fit)
  })

  it("says what is wrong and how to fix it (exit 2)", () => {
    const cases: Array<[ReadonlyArray<string>, string]> = [
      [["fit", join(dir, "nope")], `lrs: ${join(dir, "nope")} does not exist; pass a run directory written by \`lrs run SPEC --out DIR\``],
      [["fit", dir], `lrs: ${dir} is not a run directory (cannot read ir.json)`],
      [["fit", linearRun, "--column", "grad_norm"], `lrs: ${join(linearRun, "metrics.jsonl")} has no train rows with \`grad_norm\` (its columns: \`loss\`, \`lr\`)\n  help: choose one with --column, or log it in the spec (\`log every 1 steps [grad_norm]\`)`],
      [["fit", linearRun, "--skip", "595"], `lrs: ${join(linearRun, "metrics.jsonl")} has \`loss\` at 5 steps from step 595 on; the fit needs at least 8\n  help: log more often (\`log every 1 steps\`) or lower --skip`],
      [["fit", linearRun, "--lambda", "1"], "lrs: --lambda must be in [0, 1), got 1"]
    ]
    for (const [args, message] of cases) {
      const r = lrs(args)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(message)
    }
    const broken = runDir("nonfinite", linearIr, (t) => evaluateSchedule(linearIr.optimizer.lr, t), {
      row: (t, row) => void (t === 300 && (row["loss"] = null))
    })
    const r = lrs(["fit", broken])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`lrs: ${join(broken, "metrics.jsonl")}:302: \`loss\` is null at step 300; the law is fitted to the log of the loss, so every value must be a positive finite number\n  help: fit the steps after it with --skip 301`)
  })
})

describe("lrs predict", () => {
  // Another schedule of the same tiny model: warmup then cosine over a longer budget.
  const other = file("other.lrs", spec("warmup(50 steps, cosine(1e-2 -> 0))", 900))
  const otherLrs = Array.from({ length: 900 }, (_, t) => evaluateSchedule(irOf(spec("warmup(50 steps, cosine(1e-2 -> 0))", 900)).optimizer.lr, t))
  const want = predictLoss(truth, otherLrs)
  const fitPath = join(dir, "fit.json")
  const fitted = lrs(["fit", linearRun, "-o", fitPath])

  it("gives the law's loss for another schedule at every step, and the final loss on stderr", () => {
    expect(fitted.code, fitted.stderr).toBe(0)
    const r = lrs(["predict", other, "--fit", fitPath, "--every", "1"])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split("\n")
    expect(lines[0]).toBe("step,predicted_loss")
    expect(lines).toHaveLength(901)
    for (const [i, line] of lines.slice(1).entries()) {
      const [step, value] = line.split(",")
      expect(Number(step)).toBe(i + 1)
      expect(Math.abs(Number(value) / want[i + 1]! - 1)).toBeLessThan(1e-5)
    }
    expect(r.stderr).toBe(`predicted final loss ${Number(lines[900]!.split(",")[1]).toPrecision(4)} at step 900\n`)
  })

  it("prints about 100 rows and the last by default, and JSON on request", () => {
    const csv = lrs(["predict", other, "--fit", fitPath])
    expect(csv.code, csv.stderr).toBe(0)
    const steps = csv.stdout.trimEnd().split("\n").slice(1).map((l) => Number(l.split(",")[0]))
    expect(steps).toEqual(Array.from({ length: 100 }, (_, k) => 9 * (k + 1)))
    const json = lrs(["predict", other, "--fit", fitPath, "--every", "400", "--format", "json"])
    expect(json.code, json.stderr).toBe(0)
    const doc = JSON.parse(json.stdout) as { fit: string; steps: number; rows: Array<{ step: number; predicted_loss: number }> }
    expect(doc.fit).toBe(fitPath)
    expect(doc.steps).toBe(900)
    expect(doc.rows.map((row) => row.step)).toEqual([400, 800, 900])
    doc.rows.forEach((row) => expect(Math.abs(row.predicted_loss / want[row.step]! - 1)).toBeLessThan(1e-5))
  })

  it("draws the predicted curve with -o", () => {
    const chart = join(dir, "predicted.svg")
    const r = lrs(["predict", other, "--fit", fitPath, "--every", "900", "-o", chart])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`wrote ${chart}\n`)
    const svg = readFileSync(chart, "utf8")
    expect(svg).toContain("<svg")
    expect(svg).toContain("predicted loss (fit fit.json)")
  })

  it("says what is wrong with the fit file or the chart name (exit 2)", () => {
    const notFit = file("not-fit.json", JSON.stringify({ law: "chinchilla", L0: 1 }))
    const nan = file("nan-fit.json", JSON.stringify({ ...JSON.parse(readFileSync(fitPath, "utf8")), alpha: null }))
    const cases: Array<[ReadonlyArray<string>, string]> = [
      [["predict", other, "--fit", join(dir, "missing.json")], `lrs: cannot read the fit ${join(dir, "missing.json")}`],
      [["predict", other, "--fit", notFit], `lrs: ${notFit} is not a fit written by \`lrs fit\``],
      [["predict", other, "--fit", nan], `lrs: ${nan}: \`alpha\` is null, not a finite number; make one with \`lrs fit RUN_DIR -o ${nan}\``],
      [["predict", other, "--fit", fitPath, "-o", join(dir, "chart.pdf")], "the chart is written as SVG or PNG"],
      [["predict", other, "--fit", fitPath, "--every", "0"], "lrs: --every must be a positive number of steps, got 0"]
    ]
    for (const [args, message] of cases) {
      const r = lrs(args)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(message)
    }
  })
})
