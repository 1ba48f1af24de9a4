import type { RunIR } from "@lrs/compiler"
import { evaluateSchedule } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import { Clock, Effect } from "effect"
import { Backend } from "../backend/Backend.ts"
import { createBatchSampler, gatherRows } from "../data/batches.ts"
import { makeSpirals, type Split } from "../data/spirals.ts"
import { createMlp, type Mlp, softmaxCrossEntropy } from "../model/mlp.ts"
import { lossAndGradients } from "../model/variables.ts"
import { createOptimizer } from "../optim/createOptimizer.ts"
import { saveCheckpoint } from "./checkpoint.ts"
import { TrainingError } from "./errors.ts"
import { SignalBoard, signalKey, usesSignal } from "./signals.ts"
import { runId } from "./identity.ts"
import { Reporter } from "./Reporter.ts"
import { RunStore } from "./RunStore.ts"

/** What `lrs run` hands the runtime besides the IR: the texts to keep and where to write. */
export interface RunRequest {
  readonly ir: RunIR
  /** The spec as written. */
  readonly spec: string
  /** The operative spec (`printResolved`). */
  readonly resolved: string
  readonly destination: { readonly root: string } | { readonly out: string }
}

export interface Summary {
  readonly experiment: string
  readonly id: string
  /** `stopped` when the spec's `until` condition ended the run early. */
  readonly status: "completed" | "stopped"
  readonly stopReason?: string
  readonly backend: string
  readonly backendReason: string
  readonly seed: number
  readonly steps: number
  readonly wallSeconds: number
  readonly msPerStep: number
  readonly final: {
    readonly train: { readonly loss: number }
    readonly test: { readonly accuracy?: number; readonly loss?: number }
  }
  readonly runDir: string
}

const evaluate = (model: Mlp, split: Split, features: number): { accuracy: number; loss: number } =>
  tf.tidy(() => {
    const x = tf.tensor2d(split.x, [split.n, features])
    const y = tf.tensor1d(split.y, "int32")
    const logits = model.forward(x)
    const loss = softmaxCrossEntropy(logits, y)
    const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), y), "float32"))
    return { accuracy: accuracy.dataSync()[0]!, loss: loss.dataSync()[0]! }
  })

/**
 * Executes a run: writes the spec, the resolved spec and the IR, trains for `ir.steps` updates
 * (update `t` uses every schedule's value at `t`), logs metrics rows as it goes, evaluates on the
 * test split at step 0, every `evaluation.every` updates and at the end, and writes the summary.
 *
 * Rows of `metrics.jsonl`: `{"kind":"train","step":t,"loss":...,"lr":...,<schedule>:...,<signal>:...}`
 * where `loss` is the batch loss update `t` was computed from, and `{"kind":"eval","step":u,
 * "split":"test","accuracy":...,"loss":...}` after `u` updates. `until` is checked after every
 * update; `checkpoint every N` writes after every N-th update, the last one, and an early stop.
 */
export const train = Effect.fn("lrs.train")(function*(request: RunRequest) {
  const { ir } = request
  const backend = yield* Backend
  const store = yield* RunStore
  const reporter = yield* Reporter
  const id = runId(ir)
  const dir = yield* store.create("out" in request.destination ? request.destination : { root: request.destination.root, name: `${ir.experiment}-${id}` })
  yield* dir.write("spec.lrs", request.spec)
  yield* dir.write("resolved.lrs", request.resolved)
  yield* dir.write("ir.json", JSON.stringify(ir, null, 2) + "\n")
  yield* reporter.line(`backend: ${backend.name} (${backend.reason})`)
  yield* reporter.line(`run: ${dir.path}`)

  const data = makeSpirals(ir.data, ir.seed)
  const features = data.features
  const model = yield* Effect.acquireRelease(Effect.sync(() => createMlp(ir.model, features, data.classes, ir.seed)), (m) => Effect.sync(() => m.dispose()))
  const optimizer = yield* Effect.acquireRelease(Effect.sync(() => createOptimizer(ir.optimizer, model.variables)), (o) => Effect.sync(() => o.dispose()))
  const sampler = createBatchSampler(data.train.n, ir.seed)
  // Reading a scalar back is free on the synchronous backends; on a GPU it is a sync, so it waits for log steps.
  const readEveryStep = backend.name !== "tfjs-node-gpu"

  const used = [...ir.log.signals, ...(ir.stop === undefined ? [] : [ir.stop.signal])]
  const board = new SignalBoard(used)
  const wantGradNorm = usesSignal(used, "grad_norm")

  const evalRow = Effect.fnUntraced(function*(u: number) {
    const m = evaluate(model, data.test, features)
    const row: Record<string, unknown> = { kind: "eval", step: u, split: ir.evaluation.split }
    for (const metric of ir.evaluation.metrics) {
      row[metric] = m[metric]
      board.observe(`${ir.evaluation.split}.${metric}`, m[metric])
    }
    yield* dir.appendMetrics(row)
    return m
  })

  const started = yield* Clock.currentTimeMillis
  let lastEval = yield* evalRow(0)
  let lastEvalAt = 0
  let lastLoss = Number.NaN
  let stopReason: string | undefined
  let done = 0
  for (let t = 0; t < ir.steps && stopReason === undefined; t++) {
    const batch = gatherRows(data.train, features, sampler.nextBatch(ir.batch))
    const [loss, gradNorm] = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [ir.batch, features])
      const y = tf.tensor1d(batch.y, "int32")
      const { loss, grads } = lossAndGradients(() => softmaxCrossEntropy(model.forward(x), y), model.variables)
      // The global L2 norm of the gradients, only when a spec reads `grad_norm`.
      const norm = wantGradNorm ? tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) : undefined
      optimizer.step(grads, t)
      return [loss, norm] as const
    })
    const logged = t % ir.log.every === 0 || t === ir.steps - 1
    if (readEveryStep || logged) {
      lastLoss = loss.dataSync()[0]!
      if (!Number.isFinite(lastLoss)) {
        tf.dispose([loss, gradNorm])
        return yield* new TrainingError({
          message: `the training loss became ${lastLoss} at step ${t} (lr ${evaluateSchedule(ir.optimizer.lr, t).toExponential(3)})`,
          help: "lower the learning rate or lengthen the warmup",
          span: ir.optimizer.span
        })
      }
      board.observe("loss", lastLoss)
      if (gradNorm !== undefined) board.observe("grad_norm", gradNorm.dataSync()[0]!)
    }
    tf.dispose([loss, gradNorm])
    if (logged) {
      const row: Record<string, unknown> = { kind: "train", step: t, loss: lastLoss, lr: evaluateSchedule(ir.optimizer.lr, t) }
      for (const [name, s] of Object.entries(ir.schedules)) if (name !== "lr") row[name] = evaluateSchedule(s, t)
      for (const s of ir.log.signals) row[signalKey(s)] = board.value(s) ?? null
      yield* dir.appendMetrics(row)
      const now = yield* Clock.currentTimeMillis
      const perStep = (now - started) / (t + 1) / 1000
      yield* reporter.progress({ step: t + 1, steps: ir.steps, loss: lastLoss, lr: evaluateSchedule(ir.optimizer.lr, t), etaSeconds: perStep * (ir.steps - t - 1) })
    }
    const u = t + 1
    done = u
    if (u % ir.evaluation.every === 0 || u === ir.steps) {
      lastEval = yield* evalRow(u)
      lastEvalAt = u
    }
    if (ir.stop !== undefined && board.holds(ir.stop)) {
      stopReason = `until ${signalKey(ir.stop.signal)} ${ir.stop.op} ${ir.stop.threshold}: ${board.value(ir.stop.signal)} after ${u} updates`
      if (lastEvalAt !== u) {
        lastEval = yield* evalRow(u)
        lastEvalAt = u
      }
    }
    if (ir.checkpoint !== undefined && (u % ir.checkpoint.every === 0 || u === ir.steps || stopReason !== undefined)) {
      yield* saveCheckpoint(dir, u, model.variables, optimizer, sampler.state(), board.snapshot())
    }
  }
  if (stopReason !== undefined) yield* reporter.line(`stopped early: ${stopReason}`)
  yield* reporter.done
  const wallMs = (yield* Clock.currentTimeMillis) - started
  const test: Record<string, number> = {}
  for (const metric of ir.evaluation.metrics) test[metric] = lastEval[metric]
  const summary: Summary = {
    experiment: ir.experiment,
    id,
    status: stopReason === undefined ? "completed" : "stopped",
    ...(stopReason === undefined ? {} : { stopReason }),
    backend: backend.name,
    backendReason: backend.reason,
    seed: ir.seed,
    steps: done,
    wallSeconds: wallMs / 1000,
    msPerStep: wallMs / Math.max(done, 1),
    final: { train: { loss: lastLoss }, test },
    runDir: dir.path
  }
  yield* dir.write("summary.json", JSON.stringify(summary, null, 2) + "\n")
  return summary
}, Effect.scoped)
