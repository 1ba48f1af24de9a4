import type { RunIR } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import { resolve } from "node:path"
import { Clock, Effect } from "effect"
import { Backend } from "../backend/Backend.ts"
import { createBatchSampler, gatherRows, restoreBatchSampler } from "../data/batches.ts"
import type { DataOptions } from "../data/load.ts"
import { softmaxCrossEntropy } from "../model/mlp.ts"
import { lossAndGradients } from "../model/variables.ts"
import type { ScheduleReader } from "../schedule/ScheduleReader.ts"
import { type LoadedCheckpoint, weightsOf } from "./checkpoint.ts"
import { TrainingError } from "./errors.ts"
import { runId } from "./identity.ts"
import { Reporter } from "./Reporter.ts"
import { type RunDirectory, RunStore } from "./RunStore.ts"
import { Checkpointer, DataLoader, Evaluator, Models, Optimizers, Schedules, Signals } from "./parts.ts"
import { globalNorm, scaleToNorm } from "../optim/common.ts"
import { HdetController } from "../ensemble/hdet.ts"
import { centreReader, exploredNodes, replicaReader } from "../ensemble/replicas.ts"
import { createEnsembleRun } from "../ensemble/run.ts"
import type { RemoteHosts } from "../ensemble/remote.ts"
import { CurriculumSampler } from "../curriculum/sampler.ts"
import { perExampleLoss, perExampleLossAsync } from "../curriculum/scores.ts"
import { StagesController } from "../curriculum/stages.ts"
import { type ContinualSummary, continualSummary, describeStream, type ScoleSummary, scoleSummary, StreamSource, streamOutputs } from "../stream/stream.ts"
import { Anchors } from "../stream/regularizer.ts"
import { distillationLoss } from "../stream/distillation.ts"
import { fineTune, fpfPoints, moduleVariables } from "../stream/fpf.ts"
import { fisher, fisherAsync, type FisherInput } from "../stream/fisher.ts"
import { deriveSeed, rngFromState, shuffleInPlace } from "../data/random.ts"
import { isEnv, metricsRows } from "@lrs/compiler"
import { type RlSummary, trainRl } from "../rl/run.ts"
import { availableParallelism } from "node:os"
import { SearchController } from "../search/autolrs.ts"
import { createWeightAverage } from "./average.ts"
import { PlateauControllers, plateausOf } from "./plateau.ts"
import { signalKey, usesSignal } from "./signals.ts"
import { logInterval, readAhead, readScalars } from "./gpuReads.ts"
import { type RunSnapshot, restoreSnapshot, takeSnapshot as snapshotOf, type TrainingState } from "./snapshot.ts"

/** `lrs resume`: the IR the run directory holds, and the directory. */
export interface ResumeRequest {
  readonly ir: RunIR
  readonly runDir: string
  readonly data?: DataOptions
  /** Threads for an ensemble's replicas (default: the cores); results do not depend on it. */
  readonly threads?: number
  /** Hosts in other processes for an ensemble's replicas instead of threads (`--cluster`); results do not depend on it. */
  readonly replicaHosts?: RemoteHosts
}

/** What `lrs run` hands the runtime besides the IR: the texts to keep, where to write, where data lives. */
export interface RunRequest {
  readonly ir: RunIR
  /** The spec as written. */
  readonly spec: string
  /** The operative spec (`printResolved`). */
  readonly resolved: string
  readonly destination: { readonly root: string } | { readonly out: string }
  /** `$LRS_DATA_DIR` and the spec's directory (relative data paths resolve there). */
  readonly data?: DataOptions
  /** Threads for an ensemble's replicas (default: the cores); results do not depend on it. */
  readonly threads?: number
  /** Hosts in other processes for an ensemble's replicas instead of threads (`--cluster`); results do not depend on it. */
  readonly replicaHosts?: RemoteHosts
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
  /** Updates attempted (skipped ones included). */
  readonly steps: number
  /** Updates skipped or rolled back because the loss or the gradients were not finite. */
  readonly nonfinite: number
  readonly wallSeconds: number
  readonly msPerStep: number
  /** `train.loss` (the last batch), the evaluated split's metrics, and under `<split>.average` those of the averaged weights. */
  readonly final: Readonly<Record<string, Readonly<Record<string, number>>>>
  /** A continual stream's accuracy matrix, average accuracy, BWT, forgetting and min-ACC; absent without one. */
  readonly continual?: ContinualSummary | ScoleSummary
  /** How often a curriculum scored the training examples over the run, and the seconds it took in this process; absent without one. */
  readonly curriculum?: { readonly scorings: number; readonly scoringSeconds: number }
  /** An RL run's iterations, updates, episodes and best mean return; absent otherwise. */
  readonly rl?: RlSummary["rl"]
  /** How many times each `plateau` schedule reduced its value (`spec.lrs:9:17 on test.loss` -> 2); absent without one. */
  readonly plateaus?: Readonly<Record<string, number>>
  readonly runDir: string
}

const absoluteDataOptions = (o: DataOptions): DataOptions => ({
  baseDir: resolve(o.baseDir ?? "."),
  ...(o.dataDir === undefined ? {} : { dataDir: resolve(o.dataDir) })
})

/**
 * Cuts `metrics.jsonl` back to what was logged up to the checkpoint a run resumes from (train rows
 * of updates before it, evaluations at or before it), dropping a torn last line; the resumed run
 * logs the rest again, identically. Rewritten aside and renamed, so a crash here loses nothing.
 */
const keepMetricsBefore = Effect.fnUntraced(function*(dir: RunDirectory, updates: number) {
  const text = yield* dir.readText("metrics.jsonl").pipe(Effect.orElseSucceed(() => ""))
  const kept: Array<string> = []
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    let row: { kind?: string; step?: number }
    try {
      row = JSON.parse(line) as { kind?: string; step?: number }
    } catch {
      continue // the line a kill cut short
    }
    const step = row.step ?? Number.POSITIVE_INFINITY
    if (((row.kind === "train" || row.kind === "search") && step < updates) || ((row.kind === "eval" || row.kind === "ensemble" || row.kind === "fpf") && step <= updates)) kept.push(line)
  }
  yield* dir.write("metrics.jsonl.partial", kept.map((l) => l + "\n").join(""))
  yield* dir.rename("metrics.jsonl.partial", "metrics.jsonl")
})

/** Consecutive rollbacks without reaching a new checkpoint before the run gives up. */
const maxRollbacks = 3

/**
 * Executes a run: writes the spec, the resolved spec and the IR, loads the data, trains for
 * `ir.steps` updates (update `t` uses every schedule's value at `t`), logs metrics rows as it goes,
 * evaluates at step 0, every `evaluation.every` updates and at the end, and writes the summary.
 *
 * Rows of `metrics.jsonl`: `{"kind":"train","step":t,"loss":...,"lr":...,<schedule>:...,<signal>:...}`
 * where `loss` is the batch loss update `t` was computed from, and `{"kind":"eval","step":u,
 * "split":"test","accuracy":...,"loss":...}` after `u` updates. `until` is checked after every
 * update; `checkpoint every N` writes after every N-th update, the last one, and an early stop.
 * A non-finite loss or gradient halts the run (an error naming the step, the last finite loss and
 * every schedule's value), skips that update (`skip_step`, the clock still advances), or restores the
 * weights and optimizer of the last checkpoint and goes on with the next batches (`rollback`).
 */
export const train = Effect.fn("lrs.train")(function*(request: RunRequest | ResumeRequest) {
  const { ir } = request
  // An environment is learnt from by its RL loop, which shares the run directory and services.
  if (isEnv(ir.data)) return (yield* trainRl(request)) satisfies Summary as Summary
  const backend = yield* Backend
  const store = yield* RunStore
  const reporter = yield* Reporter
  const { load: loadData } = yield* DataLoader
  const { create: createModel } = yield* Models
  const { create: createOptimizer } = yield* Optimizers
  const { evaluate, evaluateAsync } = yield* Evaluator
  const { save: saveCheckpoint, loadLatest: loadLatestCheckpoint } = yield* Checkpointer
  const schedules = yield* Schedules
  const signals = yield* Signals
  const id = runId(ir)
  const data = yield* loadData(ir.data, ir.seed, request.data ?? {})
  let dir: RunDirectory
  let resumed: LoadedCheckpoint | undefined
  if ("runDir" in request) {
    dir = yield* store.reopen(request.runDir)
    resumed = yield* loadLatestCheckpoint(dir)
    yield* keepMetricsBefore(dir, resumed?.updates ?? 0)
    yield* reporter.line(`resuming ${dir.path} ${resumed === undefined ? "from the start (no checkpoint yet)" : `from the checkpoint after ${resumed.updates} updates`}`)
  } else {
    const destination = request.destination
    dir = yield* store.create("out" in destination ? destination : { root: destination.root, name: `${ir.experiment}-${id}` })
    yield* dir.write("spec.lrs", request.spec)
    yield* dir.write("resolved.lrs", request.resolved)
    yield* dir.write("ir.json", JSON.stringify(ir, null, 2) + "\n")
    // Where the data was found, so `lrs resume` reads the same files from any working directory.
    yield* dir.write("run.json", JSON.stringify({ data: absoluteDataOptions(request.data ?? {}) }, null, 2) + "\n")
  }
  yield* dir.lock
  // Opened after a resume cut the file back to its checkpoint, so rows append to what was kept.
  const metrics = yield* dir.openMetrics
  yield* reporter.line(`backend: ${backend.name} (${backend.reason})`)
  yield* reporter.line(`run: ${dir.path}`)

  const features = data.features
  const evalSplit = ir.evaluation.split === "validation" ? data.validation! : data.test
  // A domain-incremental stream over split classes has a head of one task's size.
  const outputs = ir.stream === undefined ? data.classes : streamOutputs(ir.stream, data.classes)
  const model = yield* Effect.acquireRelease(Effect.sync(() => createModel(ir.model, data.shape, outputs, ir.seed)), (m) => Effect.sync(() => m.dispose()))
  const plateaus = new PlateauControllers(plateausOf(ir))
  const search = new SearchController(ir.optimizer.lr.kind === "autolrs" ? ir.optimizer.lr : undefined, ir.seed)
  const stages = ir.curriculum?.pacing.kind === "stages" ? new StagesController(ir.curriculum.pacing) : undefined
  const adaptive = { ...plateaus.adaptive, ...search.adaptive, ...stages?.adaptive }
  // Every scheduled value of the run (optimizer, dropout, logs) is read through this one function.
  const baseRead: ScheduleReader = (s, t) => schedules.evaluate(s, t, adaptive)
  // An ensemble's replicas read explored hyperparameters at their own multiples; the logs at the centre.
  const hdet = ir.ensemble === undefined ? undefined : new HdetController(ir.ensemble, ir.seed)
  const explored = exploredNodes(ir)
  const readFor = (r: number): ScheduleReader => (hdet === undefined ? baseRead : replicaReader(baseRead, explored, hdet, r))
  const read: ScheduleReader = hdet === undefined ? baseRead : centreReader(baseRead, explored, hdet)
  const optimizer = yield* Effect.acquireRelease(Effect.sync(() => createOptimizer(ir.optimizer, model.variables, read)), (o) => Effect.sync(() => o.dispose()))
  const average = ir.average === undefined
    ? undefined
    : yield* Effect.acquireRelease(Effect.sync(() => createWeightAverage(ir.average!, model.variables)), (a) => Effect.sync(() => a.dispose()))
  const sampler = resumed === undefined ? createBatchSampler(data.train.n, ir.seed) : restoreBatchSampler(data.train.n, resumed.sampler)
  // An ensemble trains its replicas in a pool (worker threads when there are cores for them); the
  // model above then only holds their mean weights for evaluations.
  const ensembleIr = ir.ensemble
  const ensemble = hdet === undefined || ensembleIr === undefined
    ? undefined
    : yield* Effect.acquireRelease(
      Effect.sync(() =>
        createEnsembleRun({
          ir: { ...ir, ensemble: ensembleIr },
          train: data.train,
          shape: data.shape,
          classes: outputs,
          features,
          variables: model.variables,
          sampler,
          hdet,
          readFor,
          threads: request.threads ?? availableParallelism(),
          backend: backend.name,
          remote: request.replicaHosts
        })
      ),
      (e) => Effect.promise(() => e.close())
    )
  const stream = ir.stream === undefined ? undefined : new StreamSource({ ...ir, stream: ir.stream }, data, read)
  // k-FPF: the modules it fine-tunes on the replay buffer, and after which updates.
  const fpfTiming = ir.stream?.replay?.timing?.kind === "k_fpf" ? ir.stream.replay.timing : undefined
  const fpf = fpfTiming === undefined ? undefined : { points: fpfPoints(ir.steps, fpfTiming.k), ...moduleVariables(model.variables, fpfTiming.modules) }
  if (fpf !== undefined && fpf.missing.length > 0) {
    return yield* new TrainingError({
      message: `k-FPF's modules name ${fpf.missing.map((m) => `\`${m}\``).join(", ")}, which this model does not have`,
      help: `name its layers: ${[...new Set(model.variables.map((v) => v.name.split(".")[0]!))].join(", ")}, or \`output\` for the last`,
      span: ir.stream!.span
    })
  }
  /** k-FPF after update `u`: plain SGD on buffer batches (stream `stream/fpf-<u>`), only the named modules; a `{"kind":"fpf"}` row with the mean loss. */
  const fineTuneOnBuffer = Effect.fnUntraced(function*(u: number) {
    const rng = rngFromState(deriveSeed(ir.seed, `stream/fpf-${u}`))
    const mean = fineTune(model, fpf!.selected, () => stream!.bufferBatch(ir.batch, rng), { features, outputs }, fpfTiming!.lr, fpfTiming!.iterations, u)
    const [value] = yield* Effect.promise(() => mean.data())
    mean.dispose()
    yield* metrics.append({ kind: "fpf", step: u, loss: value!, iterations: fpfTiming!.iterations, modules: fpf!.selected.map((v) => v.name) })
  })
  const short = stream?.shortfall()
  if (short !== undefined) {
    return yield* new TrainingError({
      message: `task ${short.task} of this online stream has ${short.has} training examples, but its budget takes ${short.needs} new ones (each is seen once)`,
      help: "shorten that task's budget (`budgets = [...]`), lower `size` in `online(...)`, or replay a larger share of each batch",
      span: ir.stream!.span
    })
  }
  const anchors = ir.stream?.regularizer === undefined
    ? undefined
    : yield* Effect.acquireRelease(Effect.sync(() => new Anchors(ir.stream!.regularizer!)), (a) => Effect.sync(() => a.dispose()))
  // LwF distils the previous task's model: a second model holding the last anchor's weights.
  const lwf = ir.stream?.regularizer?.kind === "lwf" ? ir.stream.regularizer : undefined
  const teacher = lwf === undefined
    ? undefined
    : yield* Effect.acquireRelease(Effect.sync(() => createModel(ir.model, data.shape, outputs, ir.seed)), (m) => Effect.sync(() => m.dispose()))
  const syncTeacher = () => {
    const weights = anchors?.latest
    if (teacher !== undefined && weights !== undefined) teacher.variables.forEach((v, i) => v.variable.assign(weights[i]!))
  }
  /** The classes the tasks before `k` trained: the old model's active units, which LwF distils. */
  const activeUnits = (k: number) => Int32Array.from(new Set(stream!.tasks.slice(0, k).flatMap((task) => task.classes))).sort()
  const curriculum = ir.curriculum === undefined ? undefined : new CurriculumSampler(ir.curriculum, data.train.n, ir.seed, data.train.y, data.classes)
  if (ir.stream !== undefined) yield* reporter.line(describeStream(ir.stream))
  if (ensemble !== undefined) {
    const on = request.replicaHosts === undefined ? `thread${ensemble.threads === 1 ? "" : "s"}` : request.replicaHosts.label
    yield* reporter.line(`ensemble: ${ensembleIr!.replicas} replicas on ${ensemble.threads} ${on}`)
  }
  // Reading a scalar back is free on the synchronous backends; on a GPU it is a sync, so it waits for log steps
  // unless the spec asks what to do with a non-finite update (then every update is checked before it is applied).
  // A bandit curriculum learns from every batch's loss, so it too is read every update.
  const readEveryStep = !backend.gpu || ir.onNonfinite !== "halt" || ir.curriculum?.bandit !== undefined
  // On a GPU the logged steps (and the reads they need) are at least gpuReadInterval updates apart.
  const logEvery = logInterval(ir.log.every, backend.gpu)
  if (logEvery !== ir.log.every) yield* reporter.line(`logging every ${logEvery} steps, not ${ir.log.every}: on ${backend.name} each read waits for the GPU`)
  const used = [...ir.log.signals, ...(ir.stop === undefined ? [] : [ir.stop.signal]), ...plateaus.signals, ...(stages?.signals ?? [])]
  const board = signals.board(used)
  /** Records a signal and lets the `plateau` schedules watching it react before update `next`. */
  const observe = (name: string, value: number, next: number): void => {
    board.observe(name, value)
    plateaus.observed(name, (s) => board.value(s), next)
    stages?.observed(name, (s) => board.value(s), next)
  }
  if (resumed !== undefined) {
    // Everything a later update depends on comes back exactly: weights, optimizer slots and step
    // count, the data cursor and the signals (dropout masks derive from the seed and the step).
    for (const v of model.variables) tf.tidy(() => v.variable.assign(tf.tensor(resumed.weights[v.name]!, v.variable.shape)))
    optimizer.restore(resumed.optimizer)
    if (ensemble !== undefined) yield* Effect.promise(() => ensemble.restore(resumed!.weights, [resumed!.optimizer, ...(resumed!.replicaOptimizers ?? [])]))
    hdet?.restore(resumed.ensemble)
    if (curriculum !== undefined && resumed.curriculum !== undefined) curriculum.restore(resumed.curriculum)
    stages?.restore(resumed.stages)
    if (stream !== undefined && resumed.stream !== undefined) stream.restore(resumed.stream)
    if (anchors !== undefined && resumed.anchors !== undefined) {
      anchors.restore(resumed.anchors, model.variables)
      syncTeacher()
    }
    board.restore(resumed.signals)
    plateaus.restore(resumed.plateaus)
    if (average !== undefined && resumed.average !== undefined) average.restore(resumed.average)
    search.restore(resumed.search)
  }
  const training: TrainingState = { variables: model.variables, optimizer, sampler, average }
  const start = resumed?.updates ?? 0
  const clip = ir.optimizer.clipNorm
  const wantGradNorm = usesSignal(used, "grad_norm") || clip !== undefined
  const wantParamNorm = usesSignal(used, "param_norm")

  // The per-update tensor work, as plain functions outside the generator (V8 optimises them better).
  // One pair of batch buffers serves the run: each batch's tensors are disposed within its update.
  const batch = { x: new Float32Array(ir.batch * features), y: new Int32Array(ir.batch) }
  /** The global L2 norm of the gradients, only when a spec reads `grad_norm` or clips. */
  const normOf = (grads: Record<string, tf.Tensor>) => (wantGradNorm ? globalNorm(Object.values(grads)) : undefined)
  /** The examples of update `t`: the next of the epoch's shuffle, or what the curriculum makes available. */
  const nextBatch = (t: number): Int32Array =>
    curriculum === undefined
      ? sampler.nextBatch(ir.batch)
      : curriculum.nextBatch(ir.batch, read(ir.curriculum!.pacing, t), ir.curriculum!.bandit === undefined ? 1 : read(ir.curriculum!.bandit.temperature, t))
  /** Loss and gradients (and their norm when used) of update `t`; the caller disposes them. */
  const forwardBackward = (t: number) => {
    gatherRows(data.train, features, nextBatch(t), batch)
    return tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [ir.batch, features])
      const y = tf.tensor1d(batch.y, "int32")
      const { loss, grads } = lossAndGradients(() => softmaxCrossEntropy(model.forward(x, { training: true, step: t, read }), y), model.variables)
      return { loss, grads, norm: normOf(grads) }
    })
  }
  /** The same for a continual stream: the current task's batch (with replay), its logits masked for task-incremental learning. */
  const streamForwardBackward = (t: number) => {
    const b = stream!.next(t)
    // `concat` replay makes the batch twice as large.
    const n = b.y.length
    return tf.tidy(() => {
      const x = tf.tensor2d(b.x, [n, features])
      const y = tf.tensor1d(b.y, "int32")
      const mask = b.mask === undefined ? undefined : tf.tensor2d(b.mask, [n, outputs])
      // LwF: the previous task's model's logits on this batch, outside the tape (a fixed target).
      const old = teacher === undefined || anchors?.latest === undefined ? undefined : teacher.forward(x, { training: false, step: t })
      const units = old === undefined ? undefined : tf.tensor1d(activeUnits(stream!.taskAt(t)), "int32")
      const { loss, grads } = lossAndGradients(() => {
        const logits = model.forward(x, { training: true, step: t, read })
        let objective = softmaxCrossEntropy(mask === undefined ? logits : tf.add(logits, mask) as tf.Tensor2D, y)
        // EWC / L2 anchors of finished tasks, or LwF's distillation, join the objective (and the logged loss).
        const penalty = anchors?.penalty(model.variables)
        if (penalty !== undefined) objective = tf.add(objective, penalty) as tf.Scalar
        if (old !== undefined) objective = tf.add(objective, tf.mul(distillationLoss(logits, old, units!, lwf!.temperature), lwf!.alpha)) as tf.Scalar
        return objective
      }, model.variables)
      return { loss, grads, norm: normOf(grads) }
    })
  }
  /**
   * The diagonal Fisher of task `k` at the current weights (stream/fisher.ts) over `samples` of the
   * task's examples, a seeded choice (stream `stream/fisher-<k>`); read asynchronously on a GPU.
   */
  const fisherOf = (k: number): Effect.Effect<Array<Float32Array>> => {
    const reg = ir.stream!.regularizer!
    if (reg.kind !== "ewc") return Effect.die(new Error("only EWC measures a Fisher"))
    const rng = rngFromState(deriveSeed(ir.seed, `stream/fisher-${k}`))
    const rows = shuffleInPlace(Int32Array.from(stream!.tasks[k]!.train), rng).slice(0, reg.samples)
    const input: FisherInput = { model, features, classes: outputs, examples: stream!.examples(k, rows), sampled: reg.fisher === "sampled", rng }
    return backend.gpu ? Effect.promise(() => fisherAsync(input)) : Effect.sync(() => fisher(input))
  }
  /**
   * The same for an ensemble: the replicas each take their share of the batch, in order, and the
   * update uses their mean loss and mean gradient (HDET's all-reduce).
   */
  const ensembleForwardBackward = (t: number) =>
    Effect.promise(async () => {
      const { loss, grads } = await ensemble!.forwardBackward(t)
      return { loss, grads, norm: tf.tidy(() => normOf(grads)) }
    })
  /** clip_grad_norm_ when the spec asks: scales the gradients (in place in `grads`) by max_norm / (norm + 1e-6) when that is below 1. */
  const clipGradients = (grads: Record<string, tf.Tensor>, norm: tf.Tensor | undefined): void => {
    if (clip !== undefined && norm !== undefined && backend.gpu) {
      // On the device, without a read: min(scale, 1) leaves unclipped gradients exactly as they were.
      const scale = tf.tidy(() => tf.minimum(tf.div(clip, tf.add(norm, 1e-6)), 1))
      for (const [name, g] of Object.entries(grads)) {
        grads[name] = tf.mul(g, scale)
        g.dispose()
      }
      scale.dispose()
    } else if (clip !== undefined && norm !== undefined) scaleToNorm(grads, norm.dataSync()[0]!, clip)
  }
  /** Clips (when the spec asks) and applies update `t`; disposes the gradients. A search's trial updates leave the average alone. */
  const applyUpdate = (grads: Record<string, tf.Tensor>, norm: tf.Tensor | undefined, t: number, trial = false): void => {
    clipGradients(grads, norm)
    optimizer.step(grads, t)
    for (const name in grads) grads[name]!.dispose()
    if (!trial) average?.update(t + 1)
  }
  /** The same for an ensemble: every replica applies the (clipped) mean gradient; then, after update `u`, the replicas may be averaged. */
  const applyEnsembleUpdate = Effect.fnUntraced(function*(grads: Record<string, tf.Tensor>, norm: tf.Tensor | undefined, t: number) {
    clipGradients(grads, norm)
    yield* Effect.promise(() => ensemble!.apply(grads, t))
    tf.dispose(Object.values(grads))
    const outcome = yield* Effect.promise(() => ensemble!.after(t + 1))
    if (outcome !== undefined) {
      yield* metrics.append({ kind: "ensemble", step: outcome.step, meta: outcome.meta, losses: outcome.losses, weights: outcome.weights, scales: outcome.scales })
    }
  })
  /** The metrics of the evaluated split: of the model, or of an ensemble's mean weights (put in the model first). */
  const evaluateModel = Effect.fnUntraced(function*(u: number) {
    if (ensemble !== undefined) {
      const mean = yield* Effect.promise(() => ensemble.meanWeights())
      model.variables.forEach((v, k) => tf.tidy(() => v.variable.assign(tf.tensor(mean[k]!, v.variable.shape))))
    }
    return yield* evaluateOn(evalSplit, u)
  })

  /**
   * One AutoLRS trial on a GPU: every update queued without a read, then the losses (and norms) read
   * at once and cut at the first non-finite one. The same losses as the synchronous trial, which
   * stops there; the updates after it only touch weights the snapshot then puts back.
   */
  const trialOnGpu = async (before: RunSnapshot, t: number, updates: number): Promise<Array<number>> => {
    restoreSnapshot(training, before, { data: true })
    const read: Array<tf.Tensor> = []
    try {
      for (let i = 0; i < updates; i++) {
        const { loss, grads, norm } = forwardBackward(t + i)
        read.push(norm === undefined ? loss : tf.stack([loss, norm]))
        if (norm !== undefined) loss.dispose()
        applyUpdate(grads, norm, t + i, true)
        norm?.dispose()
      }
      const values = await Promise.all(read.map((r) => r.data()))
      const losses: Array<number> = []
      for (const v of values) {
        if (!v.every(Number.isFinite)) break
        losses.push(v[0]!)
      }
      return losses
    } finally {
      tf.dispose(read)
    }
  }
  /**
   * AutoLRS, before the first update of a stage: every candidate trains `updates` trial updates
   * from a snapshot of this point (the same batches for each), nothing observed or logged but the
   * outcome; then the snapshot comes back and the stage goes on with the chosen value.
   */
  const searchStage = Effect.fnUntraced(function*(t: number) {
    const before = yield* takeSnapshot(t)
    const outcome = backend.gpu ? yield* Effect.promise(() => search.searchStageAsync(t, ir.steps, (_c, updates) => trialOnGpu(before, t, updates))) : search.searchStage(t, ir.steps, (_candidate, updates) => {
      restoreSnapshot(training, before, { data: true })
      const losses: Array<number> = []
      for (let i = 0; i < updates; i++) {
        const { loss, grads, norm } = forwardBackward(t + i)
        const value = loss.dataSync()[0]!
        loss.dispose()
        if (!Number.isFinite(value) || (norm !== undefined && !Number.isFinite(norm.dataSync()[0]!))) {
          tf.dispose([norm, ...Object.values(grads)])
          break
        }
        losses.push(value)
        applyUpdate(grads, norm, t + i, true)
        norm?.dispose()
      }
      return losses
    })
    restoreSnapshot(training, before, { data: true })
    yield* metrics.append({ kind: "search", step: t, stage: outcome.stage, candidates: outcome.candidates, forecasts: outcome.forecasts.map((f) => (Number.isFinite(f) ? f : null)), chosen: outcome.chosen })
  })

  /** A split's metrics under the model's current weights: read asynchronously on a GPU. */
  const evaluateOn = (split: typeof evalSplit, u: number, mask?: Float32Array) =>
    backend.gpu && evaluateAsync !== undefined
      ? Effect.promise(() => evaluateAsync(model, split, features, u, outputs, mask))
      : Effect.sync(() => evaluate(model, split, features, u, outputs, mask))
  /** The evaluated split's metrics under the averaged weights, once there are any. */
  const evaluateAverage = (u: number) =>
    average?.ready() !== true
      ? Effect.undefined
      : backend.gpu && evaluateAsync !== undefined
      ? Effect.promise(() => average.withAveragedAsync(() => evaluateAsync(model, evalSplit, features, u, outputs)))
      : Effect.sync(() => average.withAveraged(() => evaluate(model, evalSplit, features, u, outputs)))
  let lastAverageEval: Effect.Success<ReturnType<typeof evaluateAverage>>
  /**
   * A stream's evaluation: every task's test set (a row each, with `task`), and as the run's
   * metrics (signals, until, plateau, prune) their mean over the tasks seen so far.
   */
  const evaluateStream = Effect.fnUntraced(function*(u: number) {
    const perTask: Array<Effect.Success<ReturnType<typeof evaluateOn>>> = []
    const { key, units } = stream!.evaluation
    for (const unit of units) perTask.push(yield* evaluateOn(unit.test, u, unit.mask))
    for (const [j, m] of perTask.entries()) {
      const row: Record<string, unknown> = { kind: "eval", step: u, split: ir.evaluation.split, [key]: j }
      for (const metric of ir.evaluation.metrics) row[metric] = m[metric]
      yield* metrics.append(row)
    }
    const seen = perTask.slice(0, stream!.seenAt(Math.max(u - 1, 0)))
    const mean = (metric: keyof (typeof perTask)[number]) => seen.reduce((a, m) => a + m[metric], 0) / seen.length
    return { accuracy: mean("accuracy"), loss: mean("loss"), top5: mean("top5") }
  })
  const evalRow = Effect.fnUntraced(function*(u: number) {
    const m = stream === undefined ? yield* evaluateModel(u) : yield* evaluateStream(u)
    const row: Record<string, unknown> = { kind: "eval", step: u, split: ir.evaluation.split }
    for (const metric of ir.evaluation.metrics) {
      row[metric] = m[metric]
      observe(`${ir.evaluation.split}.${metric}`, m[metric], u)
    }
    yield* metrics.append(row)
    lastAverageEval = yield* evaluateAverage(u)
    if (lastAverageEval !== undefined) {
      const averaged: Record<string, unknown> = { kind: "eval", step: u, split: ir.evaluation.split, weights: "average" }
      for (const metric of ir.evaluation.metrics) averaged[metric] = lastAverageEval[metric]
      yield* metrics.append(averaged)
    }
    return m
  })

  /** Each training example's loss under `m`: read asynchronously on a GPU. */
  const lossesUnder = (m: typeof model) =>
    backend.gpu ? Effect.promise(() => perExampleLossAsync(m, data.train, features)) : Effect.sync(() => perExampleLoss(m, data.train, features))
  /** Scores under a teacher: the last checkpoint of another run of the same model (`reference(from = ...)`). */
  const referenceScorer = Effect.fnUntraced(function*(from: string, baseDir: string) {
    const where = resolve(baseDir, from)
    const fail = (message: string, help: string) => new TrainingError({ message, help, span: ir.curriculum!.span })
    const teacher = yield* store.reopen(where).pipe(
      Effect.mapError((e) => fail(`the curriculum's reference run ${where} cannot be opened: ${e.message}`, "run the teacher there first, with `checkpoint every N`"))
    )
    const saved = yield* loadLatestCheckpoint(teacher).pipe(Effect.mapError((e) => fail(`the curriculum's reference run: ${e.message}`, "remove the damaged checkpoint folder")))
    if (saved === undefined) return yield* fail(`the curriculum's reference run ${where} has no checkpoint`, "give the teacher `checkpoint every N` and run it to the end")
    const mismatch = model.variables.find((v) => saved.weights[v.name]?.length !== v.variable.size)
    if (mismatch !== undefined) {
      return yield* fail(`the curriculum's reference run ${where} is not of this model (its \`${mismatch.name}\` differs)`, "train the teacher with the same `model` and data")
    }
    return Effect.acquireUseRelease(
      Effect.sync(() => {
        const m = createModel(ir.model, data.shape, outputs, ir.seed)
        for (const v of m.variables) tf.tidy(() => v.variable.assign(tf.tensor(saved.weights[v.name]!, v.variable.shape)))
        return m
      }),
      lossesUnder,
      (m) => Effect.sync(() => m.dispose())
    )
  })

  /** The tensors a checkpoint or snapshot reads synchronously: fetched first on a GPU (`readAhead`). */
  const held = () => [...model.variables.map((v) => v.variable), ...(average?.held() ?? []), ...(anchors?.held() ?? [])]
  const takeSnapshot = (step: number) => readAhead(backend.gpu, held()).pipe(Effect.andThen(Effect.promise(() => snapshotOf(training, step))))

  const started = yield* Clock.currentTimeMillis
  // A resumed run's evaluation at its checkpoint is already in metrics.jsonl; it is only recomputed.
  let lastEval = resumed === undefined ? yield* evalRow(0) : yield* evaluateModel(start)
  if (resumed !== undefined) lastAverageEval = yield* evaluateAverage(start)
  let lastEvalAt = start
  let lastLoss = Number.NaN
  let lastFinite = Number.NaN
  let stopReason: string | undefined
  let done = start
  let nonfinite = resumed?.counters["nonfinite"] ?? 0
  let rollbacks = 0
  let snapshot: RunSnapshot | undefined = ir.onNonfinite === "rollback" ? yield* takeSnapshot(start) : undefined
  // A curriculum's scores: a teacher run's losses once, or the model's own every `every` updates.
  let scorings = resumed?.counters["curriculumScorings"] ?? 0
  let scoringNanos = 0n
  const scoreWith = Effect.fnUntraced(function*(scorer: Effect.Effect<Float32Array>) {
    const begin = yield* Clock.currentTimeNanos
    curriculum!.setScores(yield* scorer)
    scoringNanos += (yield* Clock.currentTimeNanos) - begin
    scorings++
  })
  const score = ir.curriculum?.score
  if (curriculum !== undefined && score?.kind === "reference" && !curriculum.scored) {
    yield* scoreWith(yield* referenceScorer(score.from, request.data?.baseDir ?? "."))
  }
  if (curriculum !== undefined && score?.kind === "column" && !curriculum.scored) yield* scoreWith(Effect.sync(() => data.trainScores!))
  let throughputMark = { at: yield* Clock.currentTimeNanos, step: 0 }
  for (let t = start; t < ir.steps && stopReason === undefined; t++) {
    if (search.due(t)) yield* searchStage(t)
    if (curriculum !== undefined && score?.kind === "loss" && (t % score.every === 0 || !curriculum.scored)) {
      yield* scoreWith(lossesUnder(model))
    }
    const { loss, grads, norm } = stream !== undefined ? streamForwardBackward(t) : ensemble === undefined ? forwardBackward(t) : yield* ensembleForwardBackward(t)
    const logged = t % logEvery === 0 || t === ir.steps - 1
    done = t + 1
    let gradNorm = Number.NaN
    if (readEveryStep || logged) {
      // dataSync on cpu/wasm, without an Effect step (the tiny-model overhead budget is ~20 us);
      // awaited on a GPU (webgpu cannot read synchronously).
      const [l, g] = backend.gpu ? yield* readScalars(true, [loss, norm]) : [loss.dataSync()[0]!, norm?.dataSync()[0] ?? Number.NaN]
      lastLoss = l!
      if (norm !== undefined) gradNorm = g!
    }
    const bad = !Number.isFinite(lastLoss) || (norm !== undefined && (readEveryStep || logged) && !Number.isFinite(gradNorm))
    if (bad) {
      tf.dispose([loss, norm, ...Object.values(grads)])
      nonfinite++
      if (ir.onNonfinite === "halt") {
        const values = Object.entries(ir.schedules).map(([name, s]) => `${name} = ${read(s, t).toPrecision(4)}`)
        return yield* new TrainingError({
          message: `the training ${Number.isFinite(lastLoss) ? `gradient norm became ${gradNorm}` : `loss became ${lastLoss}`} at step ${t} (last finite loss ${Number.isFinite(lastFinite) ? lastFinite.toPrecision(6) : "none"}; lr ${read(ir.optimizer.lr, t).toExponential(3)}${values.length === 0 ? "" : `; ${values.join(", ")}`})`,
          help: "lower the learning rate, lengthen the warmup, add `clip_norm`, or set `on_nonfinite = skip_step`",
          span: ir.optimizer.lr.span
        })
      }
      if (ir.onNonfinite === "rollback" && snapshot !== undefined) {
        if (++rollbacks > maxRollbacks) {
          return yield* new TrainingError({
            message: `the training loss was not finite after ${maxRollbacks} rollbacks to step ${snapshot.step} (last at step ${t})`,
            help: "lower the learning rate or add `clip_norm`",
            span: ir.optimizer.lr.span
          })
        }
        // The weights, optimizer and average of the checkpoint, with the next batches (not the ones that failed).
        restoreSnapshot(training, snapshot, { data: false })
        yield* reporter.line(`step ${t}: non-finite loss; rolled back to step ${snapshot.step}`)
        t = snapshot.step - 1
        continue
      }
      continue
    }
    lastFinite = lastLoss
    // A bandit curriculum learns from the loss of the batch its arm gave (read every update on these backends).
    curriculum?.bandit?.observe(lastLoss)
    if (ensemble === undefined) applyUpdate(grads, norm, t)
    else yield* applyEnsembleUpdate(grads, norm, t)
    loss.dispose()
    // A task just ended (not the last): its weights (and Fisher) become an anchor for the next ones.
    if (anchors !== undefined && ir.stream !== undefined && stream!.endsAfter(t + 1) && t + 1 < ir.steps) {
      const k = stream!.taskAt(t)
      anchors.consolidate(model.variables, ir.stream.regularizer?.kind === "ewc" ? yield* fisherOf(k) : undefined)
      syncTeacher()
    }
    if (fpf !== undefined && fpf.points.has(t + 1)) yield* fineTuneOnBuffer(t + 1)
    if (readEveryStep || logged) {
      observe("loss", lastLoss, t + 1)
      if (norm !== undefined) observe("grad_norm", gradNorm, t + 1)
    }
    norm?.dispose()
    // Every update off the GPU (readEveryStep is always true there); on a GPU only when the loss is read.
    if (wantParamNorm && (readEveryStep || logged)) {
      const paramNorm = globalNorm(model.variables.map((v) => v.variable))
      const [p] = backend.gpu ? yield* readScalars(true, [paramNorm]) : [paramNorm.dataSync()[0]!]
      paramNorm.dispose()
      observe("param_norm", p!, t + 1)
    }
    if (logged) {
      const nanos = yield* Clock.currentTimeNanos
      if (nanos > throughputMark.at) observe("throughput", ((t + 1 - throughputMark.step) * ir.batch * 1e9) / Number(nanos - throughputMark.at), t + 1)
      throughputMark = { at: nanos, step: t + 1 }
      const now = yield* Clock.currentTimeMillis
      const row: Record<string, unknown> = { kind: "train", step: t, loss: lastLoss, lr: read(ir.optimizer.lr, t) }
      for (const [name, s] of Object.entries(ir.schedules)) if (name !== "lr") row[name] = read(s, t)
      for (const s of ir.log.signals) row[signalKey(s)] = board.value(s) ?? null
      if (curriculum !== undefined) {
        row["curriculum.fraction"] = curriculum.fraction
        row["curriculum.difficulty"] = Number.isNaN(curriculum.difficulty) ? null : curriculum.difficulty
        const bandit = curriculum.bandit
        if (bandit !== undefined) {
          row["curriculum.arm"] = bandit.arm
          const p = bandit.probabilities(read(ir.curriculum!.bandit!.temperature, t))
          bandit.qValues.forEach((q, k) => {
            row[`curriculum.q${k}`] = q
            row[`curriculum.p${k}`] = p[k]
          })
        }
      }
      yield* metrics.append(row)
      const perStep = (now - started) / (t + 1) / 1000
      yield* reporter.progress({ step: t + 1, steps: ir.steps, loss: lastLoss, lr: read(ir.optimizer.lr, t), etaSeconds: perStep * (ir.steps - t - 1) })
    }
    const u = t + 1
    // A stream is also evaluated at the end of every task: the accuracy matrix needs those.
    if (u % ir.evaluation.every === 0 || u === ir.steps || (stream !== undefined && stream.endsAfter(u))) {
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
      // The model and its optimizer, or every replica of an ensemble (replica 0 in their place).
      // weightsOf, the average and the anchors read synchronously: on a GPU the values are fetched first.
      yield* readAhead(backend.gpu, held())
      const trained = ensemble === undefined
        ? { weights: weightsOf(model.variables), optimizers: [yield* Effect.promise(() => optimizer.state())] }
        : yield* Effect.promise(() => ensemble.state())
      yield* saveCheckpoint(dir, {
        updates: u,
        weights: trained.weights,
        optimizer: trained.optimizers[0]!,
        ...(trained.optimizers.length > 1 ? { replicaOptimizers: trained.optimizers.slice(1) } : {}),
        ...(hdet === undefined ? {} : { ensemble: hdet.snapshot() }),
        sampler: sampler.state(),
        signals: board.snapshot(),
        counters: { nonfinite, ...(curriculum === undefined ? {} : { curriculumScorings: scorings }) },
        plateaus: plateaus.snapshot(),
        ...(average === undefined ? {} : { average: average.state() }),
        ...(search.node === undefined ? {} : { search: search.state() }),
        ...(curriculum === undefined ? {} : { curriculum: curriculum.state() }),
        ...(stages === undefined ? {} : { stages: stages.snapshot() }),
        ...(stream === undefined ? {} : { stream: stream.state() }),
        ...(anchors === undefined ? {} : { anchors: anchors.state() })
      })
      if (ir.onNonfinite === "rollback") {
        snapshot = yield* takeSnapshot(u)
        rollbacks = 0
      }
    }
  }
  if (stopReason !== undefined) yield* reporter.line(`stopped early: ${stopReason}`)
  if (curriculum !== undefined && score?.kind !== "column" && score !== undefined) {
    yield* reporter.line(`curriculum: scored the training examples ${scorings} time${scorings === 1 ? "" : "s"} (${(Number(scoringNanos) / 1e9).toFixed(1)} s in this process)`)
  }
  yield* reporter.done
  const wallMs = (yield* Clock.currentTimeMillis) - started
  const evaluated: Record<string, number> = {}
  for (const metric of ir.evaluation.metrics) evaluated[metric] = lastEval[metric]
  // The matrix from every end-of-task evaluation the run logged, those before a resume included.
  let continual: ContinualSummary | ScoleSummary | undefined
  if (stream !== undefined && ir.stream !== undefined) {
    const parsed = metricsRows(yield* dir.readText("metrics.jsonl"))
    const rows = "rows" in parsed ? parsed.rows.map((r) => r.row) : []
    continual = stream.evaluation.key === "class" ? scoleSummary(rows, stream.ends) : continualSummary(rows, stream.ends, ir.stream.forgettingWindow)
  }
  const summary: Summary = {
    experiment: ir.experiment,
    id,
    status: stopReason === undefined ? "completed" : "stopped",
    ...(stopReason === undefined ? {} : { stopReason }),
    backend: backend.name,
    backendReason: backend.reason,
    seed: ir.seed,
    steps: done,
    nonfinite,
    wallSeconds: wallMs / 1000,
    msPerStep: wallMs / Math.max(done - start, 1),
    final: {
      train: { loss: lastFinite },
      [ir.evaluation.split]: evaluated,
      ...(lastAverageEval === undefined ? {} : { [`${ir.evaluation.split}.average`]: Object.fromEntries(ir.evaluation.metrics.map((m) => [m, lastAverageEval![m]])) })
    },
    ...(plateaus.isEmpty ? {} : { plateaus: plateaus.reductions() }),
    ...(curriculum === undefined ? {} : { curriculum: { scorings, scoringSeconds: Number(scoringNanos) / 1e9 } }),
    ...(continual === undefined ? {} : { continual }),
    runDir: dir.path
  }
  yield* dir.write("summary.json", JSON.stringify(summary, null, 2) + "\n")
  return summary
}, Effect.scoped)
