import { assert, describe, it } from "@effect/vitest"
import { NodeServices } from "@effect/platform-node"
import { compile, evaluateSchedule, printResolved, type RunIR } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import { Effect, Layer } from "effect"
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Backend } from "../../src/backend/Backend.ts"
import { Evaluator, Schedules } from "../../src/run/parts.ts"
import { Reporter } from "../../src/run/Reporter.ts"
import { RunStore } from "../../src/run/RunStore.ts"
import { train } from "../../src/run/train.ts"

const spec = (optimizer: string, steps = 60, extra = "", log = "log every 10 steps") => `lrs 1
experiment tiny {
  seed = 5
  steps = ${steps}
  batch = 32
  data = spirals(samples = 300, classes = 2)
  model = mlp(hidden = [16])
  optimizer = ${optimizer}
  schedule lr = linear(0 -> 0.05) for 10% then cosine(0.05 -> 0)
  evaluate every 25 steps
  ${log}
  ${extra}
}
`

const compiled = (text: string): { ir: RunIR; resolved: string } => {
  const result = compile(text, { file: "tiny.lrs" })
  assert.deepStrictEqual(result.diagnostics, [])
  return { ir: result.ir!, resolved: printResolved(result.ir!, result.origins!) }
}

const layers = (lines: Array<string>) =>
  Layer.mergeAll(Backend.layer("cpu"), RunStore.layer.pipe(Layer.provide(NodeServices.layer)), Reporter.layerMemory(lines), NodeServices.layer)

const runIn = (text: string, out: string, lines: Array<string> = []) => {
  const { ir, resolved } = compiled(text)
  return train({ ir, spec: text, resolved, destination: { out } }).pipe(Effect.provide(layers(lines)))
}

const rows = (dir: string) => readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>)

describe("train", () => {
  it.effect("writes the run directory: spec, resolved spec, IR, metrics rows and summary", () =>
    Effect.gen(function*() {
      const out = join(mkdtempSync(join(tmpdir(), "lrs-train-")), "run")
      const lines: Array<string> = []
      const text = spec("adam(lr = lr)")
      const summary = yield* runIn(text, out, lines)
      assert.deepStrictEqual(readdirSync(out).sort(), ["ir.json", "metrics.jsonl", "resolved.lrs", "run.json", "spec.lrs", "summary.json", "tb"])
      assert.strictEqual(readFileSync(join(out, "spec.lrs"), "utf8"), text)
      assert.strictEqual(JSON.parse(readFileSync(join(out, "ir.json"), "utf8")).experiment, "tiny")
      const all = rows(out)
      const trainRows = all.filter((r) => r["kind"] === "train")
      // Logged at t = 0, 10, ..., 50 and at the last update, 59.
      assert.deepStrictEqual(trainRows.map((r) => r["step"]), [0, 10, 20, 30, 40, 50, 59])
      // Each row's lr is the schedule's value for that update: 0 at t = 0, then the cosine (warmup is 6 steps).
      const { ir } = compiled(text)
      for (const r of trainRows) assert.strictEqual(r["lr"], evaluateSchedule(ir.optimizer.lr, r["step"] as number))
      assert.strictEqual(trainRows[0]!["lr"], 0)
      assert.closeTo(trainRows[1]!["lr"] as number, 0.025 * (1 + Math.cos(Math.PI * 4 / 54)), 1e-15)
      for (const r of trainRows) assert.isTrue(Number.isFinite(r["loss"] as number))
      const evalRows = all.filter((r) => r["kind"] === "eval")
      assert.deepStrictEqual(evalRows.map((r) => r["step"]), [0, 25, 50, 60])
      const summaryFile = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))
      assert.strictEqual(summaryFile.backend, "cpu")
      assert.strictEqual(summaryFile.steps, 60)
      assert.strictEqual(summaryFile.status, "completed")
      assert.strictEqual(summaryFile.final.test.accuracy, evalRows[3]!["accuracy"])
      assert.strictEqual(summary.runDir, out)
      assert.isTrue(lines[0]!.startsWith("backend: cpu"))
    }))

  it.effect("is deterministic: the same spec and seed give identical metrics and weights", () =>
    Effect.gen(function*() {
      const base = mkdtempSync(join(tmpdir(), "lrs-det-"))
      const text = spec("sgd(lr = lr, momentum = 0.9)", 60, "checkpoint every 60 steps", "log every 10 steps [grad_norm, param_norm]")
      yield* runIn(text, join(base, "a"))
      yield* runIn(text, join(base, "b"))
      assert.strictEqual(readFileSync(join(base, "a", "metrics.jsonl"), "utf8"), readFileSync(join(base, "b", "metrics.jsonl"), "utf8"))
      const weights = (run: string) => readFileSync(join(base, run, "checkpoints", "step-00000060", "tensors.bin"))
      assert.isAbove(weights("a").length, 0)
      assert.isTrue(weights("a").equals(weights("b")))
    }))

  it.effect("learns: the test loss falls over the run", () =>
    Effect.gen(function*() {
      const out = join(mkdtempSync(join(tmpdir(), "lrs-learn-")), "run")
      yield* runIn(spec("adam(lr = lr)", 200), out)
      const evals = rows(out).filter((r) => r["kind"] === "eval")
      assert.isBelow(evals[evals.length - 1]!["loss"] as number, (evals[0]!["loss"] as number) * 0.8)
    }))

  it.effect("reports a diverging loss against the optimizer's line in the spec", () =>
    Effect.gen(function*() {
      const out = join(mkdtempSync(join(tmpdir(), "lrs-nan-")), "run")
      const error = yield* runIn(spec("sgd(lr = 1e30)"), out).pipe(Effect.flip)
      assert.strictEqual(error._tag, "TrainingError")
      if (error._tag !== "TrainingError") return
      assert.match(error.report, /^tiny\.lrs:8:24: error: the training loss became (NaN|Infinity)/)
    }))

  it.effect("logs signals, stops when `until` holds, and checkpoints every N updates and at the stop", () =>
    Effect.gen(function*() {
      const out = join(mkdtempSync(join(tmpdir(), "lrs-stop-")), "run")
      const text = spec("adam(lr = lr)", 2000, "until test.accuracy >= 0.8\n  checkpoint every 50 steps", "log every 10 steps [grad_norm, ema(loss, 0.9)]")
      const lines: Array<string> = []
      const summary = yield* runIn(text, out, lines)
      assert.strictEqual(summary.status, "stopped")
      assert.isBelow(summary.steps, 2000)
      assert.strictEqual(summary.steps % 25, 0)
      assert.match(summary.stopReason!, /^until test\.accuracy >= 0\.8: 0\.8\d* after \d+ updates$/)
      assert.isAtLeast(summary.final["test"]!["accuracy"]!, 0.8)
      assert.isTrue(lines.some((l) => l.startsWith("stopped early: until test.accuracy >= 0.8")))
      const trainRows = rows(out).filter((r) => r["kind"] === "train")
      for (const r of trainRows) {
        assert.isAbove(r["grad_norm"] as number, 0)
        assert.isTrue(Number.isFinite(r["ema(loss, 0.9)"] as number))
      }
      const checkpoints = readdirSync(join(out, "checkpoints")).sort()
      const expected = Array.from({ length: Math.floor(summary.steps / 50) }, (_, i) => `step-${String((i + 1) * 50).padStart(8, "0")}`)
      if (summary.steps % 50 !== 0) expected.push(`step-${String(summary.steps).padStart(8, "0")}`)
      assert.deepStrictEqual(checkpoints, expected)
      const last = join(out, "checkpoints", checkpoints[checkpoints.length - 1]!)
      const state = JSON.parse(readFileSync(join(last, "state.json"), "utf8"))
      assert.strictEqual(state.updates, summary.steps)
      assert.strictEqual(state.optimizer.steps, summary.steps)
      const entries = [...Object.values(state.model), ...Object.values(state.optimizer.slots.m), ...Object.values(state.optimizer.slots.v)] as Array<{ offset: number; length: number }>
      const floats = entries.reduce((n, e) => n + e.length, 0)
      assert.strictEqual(readFileSync(join(last, "tensors.bin")).length, floats * 4)
    }))

  // Live clock: throughput is examples per second of wall time (the test clock never moves).
  it.live("evaluates on a validation split when asked, and logs param_norm and throughput", () =>
    Effect.gen(function*() {
      const out = join(mkdtempSync(join(tmpdir(), "lrs-val-")), "run")
      const text = spec("adam(lr = lr)", 50, "", "log every 10 steps [param_norm, throughput]")
        .replace("data = spirals(samples = 300, classes = 2)", "data = spirals(samples = 300, classes = 2, validation_fraction = 0.25)")
        .replace("evaluate every 25 steps", "evaluate every 25 steps on validation")
      const summary = yield* runIn(text, out)
      const evals = rows(out).filter((r) => r["kind"] === "eval")
      assert.deepStrictEqual(evals.map((r) => r["split"]), ["validation", "validation", "validation"])
      assert.isDefined(summary.final["validation"])
      for (const r of rows(out).filter((r) => r["kind"] === "train")) {
        assert.isAbove(r["param_norm"] as number, 0)
        assert.isAbove(r["throughput"] as number, 0)
      }
    }))

  it.effect("on_nonfinite = skip_step skips the bad updates and finishes; rollback gives up after 3 rollbacks", () =>
    Effect.gen(function*() {
      const base = mkdtempSync(join(tmpdir(), "lrs-nonfinite-"))
      const skipped = yield* runIn(spec("sgd(lr = 1e30)", 20, "on_nonfinite = skip_step"), join(base, "skip"))
      assert.strictEqual(skipped.steps, 20)
      assert.isAbove(skipped.nonfinite, 0)
      const error = yield* runIn(spec("sgd(lr = 1e30)", 20, "on_nonfinite = rollback\n  checkpoint every 5 steps"), join(base, "rollback")).pipe(Effect.flip)
      assert.strictEqual(error._tag, "TrainingError")
      if (error._tag === "TrainingError") assert.match(error.message, /not finite after 3 rollbacks to step 0/)
    }))

  it.effect("clip_norm bounds every update: a tiny bound leaves the weights almost where they started", () =>
    Effect.gen(function*() {
      const base = mkdtempSync(join(tmpdir(), "lrs-clip-"))
      const norms = (dir: string) => rows(dir).filter((r) => r["kind"] === "train").map((r) => r["param_norm"] as number)
      yield* runIn(spec("sgd(lr = 1, clip_norm = 1e-9)", 30, "", "log every 10 steps [param_norm, grad_norm]"), join(base, "clipped"))
      yield* runIn(spec("sgd(lr = 1)", 30, "", "log every 10 steps [param_norm, grad_norm]"), join(base, "free"))
      const clipped = norms(join(base, "clipped"))
      const free = norms(join(base, "free"))
      // 30 updates of at most 1e-9 each: the norm moves by at most 3e-8 (float32 noise aside).
      assert.isBelow(Math.abs(clipped[clipped.length - 1]! - clipped[0]!), 1e-5)
      assert.isAbove(Math.abs(free[free.length - 1]! - free[0]!), 1e-3)
      // grad_norm is logged before clipping.
      assert.isAbove(rows(join(base, "clipped")).find((r) => r["kind"] === "train")!["grad_norm"] as number, 1e-6)
    }))

  for (const extra of ["average = ema(0.9)", "average = last(3, every = 20 steps)", "ensemble = hdet(replicas = 2, average_every = 20 steps, meta_from = 40 steps, explore = [lr, dropout])", "curriculum {\n    score = loss(every = 50 steps)\n    pacing = linear(0.2 -> 1)\n    sampler = weighted\n  }"]) it.effect(`leaks no tensors: the count after a 200-step run with every signal, clipping, dropout and ${extra} is the count before`, () =>
    Effect.gen(function*() {
      const out = join(mkdtempSync(join(tmpdir(), "lrs-leak-")), "run")
      const text = spec("adamw(lr = lr, clip_norm = 1)", 200, `checkpoint every 50 steps\n  ${extra}`, "log every 10 steps [grad_norm, param_norm, ema(loss, 0.9)]")
        .replace("model = mlp(hidden = [16])", "model = mlp(hidden = [16, 16], layer_norm = true, dropout = 0.1)")
      // Backend initialisation keeps a few tensors of its own: measure inside the backend's scope.
      const counts = yield* Effect.gen(function*() {
        const before = tf.memory().numTensors
        const { ir, resolved } = compiled(text)
        yield* train({ ir, spec: text, resolved, destination: { out } }).pipe(Effect.provide(Layer.mergeAll(RunStore.layer.pipe(Layer.provide(NodeServices.layer)), Reporter.layerMemory([]), NodeServices.layer)))
        return { before, after: tf.memory().numTensors }
      }).pipe(Effect.provide(Backend.layer("cpu")))
      assert.strictEqual(counts.after, counts.before)
    }))

  it.effect("never overwrites a run: --out on a directory holding one is refused", () =>
    Effect.gen(function*() {
      const out = join(mkdtempSync(join(tmpdir(), "lrs-twice-")), "run")
      yield* runIn(spec("adam(lr = lr)", 10), out)
      const error = yield* runIn(spec("adam(lr = lr)", 10), out).pipe(Effect.flip)
      assert.strictEqual(error._tag, "RunStoreError")
    }))

  it.effect("takes any part as a service: a swapped evaluator drives evaluation rows, `until` and plateau", () =>
    Effect.gen(function*() {
      const out = join(mkdtempSync(join(tmpdir(), "lrs-train-")), "run")
      const text = spec("sgd(lr = plateau(0.1, on = test.loss, factor = 0.5, patience = 0))", 200, "until test.accuracy >= 0.5")
      // Accuracy rises 0.1 per 25 updates; the loss never improves, so every evaluation after the first is a bad one.
      const fake = { evaluate: (_m: unknown, _s: unknown, _f: number, step: number) => ({ accuracy: step / 250, loss: 1, top5: 1 }) }
      const summary = yield* runIn(text, out).pipe(Effect.provideService(Evaluator, fake))
      assert.strictEqual(summary.status, "stopped")
      assert.strictEqual(summary.steps, 125)
      const evals = rows(out).filter((r) => r["kind"] === "eval").map((r) => [r["step"], r["accuracy"]])
      assert.deepStrictEqual(evals, [[0, 0], [25, 0.1], [50, 0.2], [75, 0.3], [100, 0.4], [125, 0.5]])
      // Five bad observations (25..125) with patience 0: the lr halves after each.
      assert.deepStrictEqual(Object.values(summary.plateaus ?? {}), [5])
      const lrAt = (step: number) => rows(out).find((r) => r["kind"] === "train" && r["step"] === step)?.["lr"]
      assert.strictEqual(lrAt(20), 0.1)
      assert.strictEqual(lrAt(30), 0.05)
      assert.strictEqual(lrAt(110), 0.1 / 16)
    }))

  it.effect("reads every scheduled value through the Schedules service: a zero lr leaves the weights as they were", () =>
    Effect.gen(function*() {
      const out = join(mkdtempSync(join(tmpdir(), "lrs-train-")), "run")
      const text = spec("sgd(lr = lr, momentum = 0.9)", 60)
      const zeroLr = { evaluate: (s: Parameters<typeof evaluateSchedule>[0], _t: number) => (s.kind === "constant" ? s.value : 0) }
      yield* runIn(text, out).pipe(Effect.provideService(Schedules, zeroLr))
      const all = rows(out)
      assert.isTrue(all.filter((r) => r["kind"] === "train").every((r) => r["lr"] === 0))
      const losses = all.filter((r) => r["kind"] === "eval").map((r) => r["loss"])
      assert.isAbove(losses.length, 2)
      assert.isTrue(losses.every((l) => l === losses[0]))
    }))
})
