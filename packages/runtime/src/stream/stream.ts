import type { RunIR, ScheduleIR, StreamIR } from "@lrs/compiler"
import { closedForm, type ScheduleReader } from "../schedule/ScheduleReader.ts"
import { type BufferState, classBalancedBuffer, type ReplayBuffer, reservoirBuffer } from "./buffer.ts"
import { type BatchSamplerState, createBatchSampler, restoreBatchSampler } from "../data/batches.ts"
import { deriveSeed, rngFromState, type RngState, shuffleInPlace } from "../data/random.ts"
import type { LoadedData, Split } from "../data/load.ts"

/** One task of a stream: its training examples (indices into the train split), its test split, its classes and pixels. */
export interface Task {
  readonly train: Int32Array
  /** The task's test examples, already in its pixel order. */
  readonly test: Split
  readonly classes: ReadonlyArray<number>
  /** Where each input feature comes from (`pixels[j]` of the original row, -1 for a zero): a permutation or a rotation; undefined for the data as it is. */
  readonly pixels: Int32Array | undefined
  /** `task_incremental`: 0 for the task's classes, a large negative number for the others, added to the logits. */
  readonly mask: Float32Array | undefined
}

/** A batch of a stream: its rows, labels and (task-incremental) logit mask. */
export interface StreamBatch {
  readonly x: Float32Array
  readonly y: Int32Array
  readonly mask: Float32Array | undefined
}

/** What a checkpoint keeps of a stream: the current task's sampler, the replay buffer and the replay RNG. */
export interface StreamState {
  readonly task: number
  readonly sampler: BatchSamplerState
  readonly buffer: BufferState
  readonly rng: RngState
}

const maskOff = -1e9

/** Copies row `row` of `x` into `out` at `at`, through a pixel map when given (-1: zero). */
const copyRow = (x: Float32Array, features: number, row: number, pixels: Int32Array | undefined, out: Float32Array, at: number): void => {
  const from = row * features
  if (pixels === undefined) out.set(x.subarray(from, from + features), at * features)
  else {
    for (let j = 0; j < features; j++) {
      const p = pixels[j]!
      out[at * features + j] = p < 0 ? 0 : x[from + p]!
    }
  }
}

/**
 * The pixel map that turns an image of `shape` ([h, w] or [h, w, c]) by `degrees` counter-clockwise
 * about its centre, nearest neighbour, zeros where the turned image has no source (torchvision's
 * `rotate` with its defaults, which Avalanche's RotatedMNIST uses). Each output pixel looks up the
 * source pixel the inverse rotation lands on.
 */
export const rotationPixels = (shape: ReadonlyArray<number>, degrees: number): Int32Array => {
  const [h, w, c = 1] = shape as [number, number, number?]
  const a = (degrees * Math.PI) / 180
  const cos = Math.cos(a)
  const sin = Math.sin(a)
  const cy = (h - 1) / 2
  const cx = (w - 1) / 2
  const out = new Int32Array(h * w * c)
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      // Image coordinates (y down): a counter-clockwise turn maps source p to q = (cos px + sin py, -sin px + cos py).
      const qx = j - cx
      const qy = i - cy
      const si = Math.round(sin * qx + cos * qy + cy)
      const sj = Math.round(cos * qx - sin * qy + cx)
      const inside = si >= 0 && si < h && sj >= 0 && sj < w
      for (let k = 0; k < c; k++) out[(i * w + j) * c + k] = inside ? (si * w + sj) * c + k : -1
    }
  }
  return out
}

/** The tasks of a stream over loaded data (the recipe in StreamIR). */
export const streamTasks = (stream: StreamIR, data: LoadedData): Array<Task> => {
  const { features, classes } = data
  const mask = (allowed: ReadonlyArray<number>) => {
    if (stream.scenario !== "task_incremental") return undefined
    const m = new Float32Array(classes).fill(maskOff)
    for (const c of allowed) m[c] = 0
    return m
  }
  const all = Array.from({ length: classes }, (_, c) => c)
  const subset = (split: Split, keep: (label: number) => boolean) => Int32Array.from({ length: split.n }, (_, i) => i).filter((i) => keep(split.y[i]!))
  // The same subsample in every run (seed 0, not the run's): runs stay comparable.
  const testOf = (all: Int32Array, pixels: Int32Array | undefined): Split => {
    const rows = stream.testSubsample === undefined || all.length <= stream.testSubsample
      ? all
      : shuffleInPlace(Int32Array.from(all), rngFromState(deriveSeed(0, "stream/test-subsample"))).slice(0, stream.testSubsample).sort()
    const x = new Float32Array(rows.length * features)
    const y = new Int32Array(rows.length)
    rows.forEach((r, i) => {
      copyRow(data.test.x, features, r, pixels, x, i)
      y[i] = data.test.y[r]!
    })
    return { x, y, n: rows.length }
  }
  if (stream.tasks.kind === "split") {
    return stream.tasks.classes.map((group) => {
      const inTask = (label: number) => group.includes(label)
      return { train: subset(data.train, inTask), test: testOf(subset(data.test, inTask), undefined), classes: group, pixels: undefined, mask: mask(group) }
    })
  }
  const whole = (pixels: Int32Array | undefined): Task => ({
    train: Int32Array.from({ length: data.train.n }, (_, i) => i),
    test: testOf(Int32Array.from({ length: data.test.n }, (_, i) => i), pixels),
    classes: all,
    pixels,
    mask: mask(all)
  })
  if (stream.tasks.kind === "rotated") return stream.tasks.angles.map((angle) => whole(angle === 0 ? undefined : rotationPixels(data.shape, angle)))
  const { count, identityFirst, seed } = stream.tasks
  return Array.from({ length: count }, (_, k) =>
    whole(k === 0 && identityFirst ? undefined : shuffleInPlace(Int32Array.from({ length: features }, (_, j) => j), rngFromState(deriveSeed(seed, `stream/permutation-${k}`)))))
}

/**
 * The batches of a stream: update `t` trains task `floor(t / stepsPerTask)`, its examples in a
 * seeded order (stream `stream/task-<k>` of the run seed) with the replay `fraction` of each batch
 * (or a second batch, `concat`) drawn uniformly from a buffer of past examples (buffer.ts; stream
 * `stream/replay`). Replayed examples keep their own task's pixels and mask.
 */
export class StreamSource {
  readonly tasks: ReadonlyArray<Task>
  private readonly ir: RunIR & { readonly stream: StreamIR }
  private readonly data: LoadedData
  private task = -1
  private sampler = createBatchSampler(1, 0)
  private readonly buffer: ReplayBuffer
  private rng = rngFromState(0)
  private readonly read: ScheduleReader

  /** `read` gives the replay fraction's value at an update (the run's schedule reader). */
  constructor(ir: RunIR & { readonly stream: StreamIR }, data: LoadedData, read: ScheduleReader = closedForm) {
    this.ir = ir
    this.data = data
    this.read = read
    this.tasks = streamTasks(ir.stream, data)
    const replay = ir.stream.replay
    const rng = () => this.rng
    this.buffer = replay?.kind === "class_balanced" ? classBalancedBuffer(replay.capacity, rng) : reservoirBuffer(replay?.capacity ?? 0, rng)
    this.rng = rngFromState(deriveSeed(ir.seed, "stream/replay"))
  }

  /** The task update `t` trains. */
  taskAt(t: number): number {
    return Math.min(Math.floor(t / this.ir.stream.stepsPerTask), this.tasks.length - 1)
  }

  /** How many tasks update `t` has trained on (all of them for joint training). */
  seenAt(t: number): number {
    return this.ir.stream.joint ? this.tasks.length : this.taskAt(t) + 1
  }

  next(t: number): StreamBatch {
    if (this.ir.stream.joint) return this.nextJoint()
    const k = this.taskAt(t)
    if (k !== this.task) {
      this.task = k
      this.sampler = createBatchSampler(this.tasks[k]!.train.length, deriveSeed(this.ir.seed, `stream/task-${k}`))
    }
    const { batch } = this.ir
    const { features, classes } = this.data
    const replay = this.ir.stream.replay
    // `concat`: a second batch from the buffer; otherwise the scheduled share of this one.
    const concat = replay?.fraction === "concat"
    const fromBuffer = replay === undefined || this.buffer.size === 0
      ? 0
      : concat ? batch : Math.round(batch * this.read(replay.fraction as ScheduleIR, t))
    const fresh = concat ? batch : batch - fromBuffer
    const n = fresh + fromBuffer
    const x = new Float32Array(n * features)
    const y = new Int32Array(n)
    const mask = this.ir.stream.scenario === "task_incremental" ? new Float32Array(n * classes) : undefined
    const put = (i: number, row: number, task: number) => {
      copyRow(this.data.train.x, features, row, this.tasks[task]!.pixels, x, i)
      y[i] = this.data.train.y[row]!
      if (mask !== undefined) mask.set(this.tasks[task]!.mask!, i * classes)
    }
    const current = this.sampler.nextBatch(fresh)
    current.forEach((p, i) => put(i, this.tasks[k]!.train[p]!, k))
    for (let i = 0; i < fromBuffer; i++) {
      const e = this.buffer.entry(this.rng.int(this.buffer.size))
      put(fresh + i, e.row, e.task)
    }
    // The fresh examples are offered to the buffer after the draw: a batch never replays itself.
    if (replay !== undefined) {
      for (const p of current) {
        const row = this.tasks[k]!.train[p]!
        this.buffer.add(row, k, this.data.train.y[row]!)
      }
    }
    return { x, y, mask }
  }

  /**
   * Joint training: one seeded order (stream `stream/joint`) over every task's examples together,
   * example `i` of the union being task k's row `i - offset_k`.
   */
  private nextJoint(): StreamBatch {
    const sizes = this.tasks.map((task) => task.train.length)
    if (this.task !== 0) {
      this.task = 0
      this.sampler = createBatchSampler(sizes.reduce((a, b) => a + b, 0), deriveSeed(this.ir.seed, "stream/joint"))
    }
    const { batch } = this.ir
    const { features, classes } = this.data
    const x = new Float32Array(batch * features)
    const y = new Int32Array(batch)
    const mask = this.ir.stream.scenario === "task_incremental" ? new Float32Array(batch * classes) : undefined
    this.sampler.nextBatch(batch).forEach((p, i) => {
      let k = 0
      while (p >= sizes[k]!) p -= sizes[k++]!
      const row = this.tasks[k]!.train[p]!
      copyRow(this.data.train.x, features, row, this.tasks[k]!.pixels, x, i)
      y[i] = this.data.train.y[row]!
      if (mask !== undefined) mask.set(this.tasks[k]!.mask!, i * classes)
    })
    return { x, y, mask }
  }

  /** The examples `rows` of task `k`'s training data as a batch (in its pixel order, with its mask): what the Fisher of a finished task is measured on. */
  examples(k: number, rows: Int32Array): StreamBatch {
    const features = this.data.features
    const x = new Float32Array(rows.length * features)
    const y = new Int32Array(rows.length)
    const task = this.tasks[k]!
    const mask = task.mask === undefined ? undefined : new Float32Array(rows.length * this.data.classes)
    rows.forEach((row, i) => {
      copyRow(this.data.train.x, features, row, task.pixels, x, i)
      y[i] = this.data.train.y[row]!
      if (mask !== undefined) mask.set(task.mask!, i * this.data.classes)
    })
    return { x, y, mask }
  }

  state(): StreamState {
    return { task: this.task, sampler: this.sampler.state(), buffer: this.buffer.state(), rng: this.rng.state }
  }

  restore(state: StreamState): void {
    this.task = state.task
    const size = this.ir.stream.joint ? this.tasks.reduce((n, task) => n + task.train.length, 0) : this.tasks[state.task]?.train.length
    if (state.task >= 0) this.sampler = restoreBatchSampler(size!, state.sampler)
    this.buffer.restore(state.buffer)
    this.rng = rngFromState(state.rng)
  }
}

/** The accuracy matrix and the summary metrics of a stream, from its end-of-task evaluations. */
export interface ContinualSummary {
  /** `matrix[i][j]`: accuracy on task j after training task i. */
  readonly matrix: ReadonlyArray<ReadonlyArray<number>>
  readonly averageAccuracy: number
  /** Backward transfer: mean over j < T-1 of R[T-1][j] - R[j][j] (Lopez-Paz & Ranzato). */
  readonly bwt: number
  /** Forgetting, max-based (Chaudhry et al.): mean over j < T-1 of max_{i<T-1} R[i][j] - R[T-1][j]. */
  readonly forgetting: number
  /** min-ACC (De Lange et al.): mean over j < T-1 of the lowest accuracy on j at any evaluation after task j ended. */
  readonly minAccuracy: number | null
  /** WC-ACC (De Lange et al.): (1/T) * the last task's final accuracy + (1 - 1/T) * min-ACC. */
  readonly worstCaseAccuracy: number | null
  /**
   * Windowed forgetting WF^w (De Lange et al.): per earlier task, the largest drop from an
   * accuracy to a later one within any `window` consecutive evaluations since the task began
   * training, averaged over tasks j < T-1 (their code's `WindowedForgettingPluginMetric`).
   */
  readonly windowedForgetting: { readonly window: number; readonly value: number | null }
  /**
   * Forward transfer (Lopez-Paz & Ranzato, GEM): mean over j >= 1 of R[j-1][j] - b_j, the
   * baseline b_j the accuracy on task j at initialisation (the step-0 evaluation); null without it.
   */
  readonly fwt: number | null
}

/** The largest drop from one value to a later one among `window` consecutive values of `xs`. */
export const windowedDrop = (xs: ReadonlyArray<number>, window: number): number => {
  let worst = 0
  for (let n = 1; n < xs.length; n++) {
    for (let m = Math.max(0, n - window + 1); m < n; m++) worst = Math.max(worst, xs[m]! - xs[n]!)
  }
  return worst
}

/** Computes the summary from evaluation rows `{"kind":"eval","task":j,"step":u,"accuracy":...}`. */
export const continualSummary = (rows: ReadonlyArray<Readonly<Record<string, unknown>>>, tasks: number, stepsPerTask: number, window = 10): ContinualSummary => {
  const at = new Map<string, number>()
  const byTask: Array<Array<{ step: number; accuracy: number }>> = Array.from({ length: tasks }, () => [])
  for (const r of rows) {
    if (r["kind"] !== "eval" || typeof r["task"] !== "number" || typeof r["step"] !== "number" || typeof r["accuracy"] !== "number") continue
    at.set(`${r["step"]}:${r["task"]}`, r["accuracy"])
    byTask[r["task"]]?.push({ step: r["step"], accuracy: r["accuracy"] })
  }
  const matrix = Array.from({ length: tasks }, (_, i) => Array.from({ length: tasks }, (_, j) => at.get(`${(i + 1) * stepsPerTask}:${j}`) ?? Number.NaN))
  const last = matrix[tasks - 1]!
  const mean = (xs: ReadonlyArray<number>) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length)
  const earlier = Array.from({ length: tasks - 1 }, (_, j) => j)
  const mins = earlier.map((j) => Math.min(...byTask[j]!.filter((e) => e.step > (j + 1) * stepsPerTask).map((e) => e.accuracy)))
  const minAccuracy = earlier.length === 0 || mins.some((m) => !Number.isFinite(m)) ? null : mean(mins)
  const drops = earlier.map((j) => windowedDrop(byTask[j]!.filter((e) => e.step > j * stepsPerTask).map((e) => e.accuracy), window))
  const baselines = Array.from({ length: tasks }, (_, j) => at.get(`0:${j}`))
  const later = Array.from({ length: tasks - 1 }, (_, i) => i + 1)
  return {
    matrix,
    averageAccuracy: mean(last),
    bwt: mean(earlier.map((j) => last[j]! - matrix[j]![j]!)),
    forgetting: mean(earlier.map((j) => Math.max(...matrix.slice(0, tasks - 1).map((row) => row[j]!)) - last[j]!)),
    minAccuracy,
    worstCaseAccuracy: minAccuracy === null ? null : last[tasks - 1]! / tasks + (1 - 1 / tasks) * minAccuracy,
    windowedForgetting: { window, value: earlier.length === 0 ? null : mean(drops) },
    fwt: later.length === 0 || later.some((j) => baselines[j] === undefined) ? null : mean(later.map((j) => matrix[j - 1]![j]! - baselines[j]!))
  }
}

/** One line for the terminal: `continual: average accuracy 0.8013, BWT -0.1912, ...` (null metrics left out). */
export const describeContinual = (s: ContinualSummary): string => {
  const parts: Array<[string, number | null]> = [
    ["average accuracy", s.averageAccuracy],
    ["BWT", s.bwt],
    ["forgetting", s.forgetting],
    ["min-ACC", s.minAccuracy],
    ["WC-ACC", s.worstCaseAccuracy],
    [`WF${s.windowedForgetting.window}`, s.windowedForgetting.value],
    ["FWT", s.fwt]
  ]
  return `continual: ${parts.filter(([, v]) => v !== null && Number.isFinite(v)).map(([k, v]) => `${k} ${v!.toFixed(4)}`).join(", ")}`
}

/** The stream a run trains, in one line: tasks, scenario, replay and regularizer with the variant each uses. */
export const describeStream = (s: StreamIR): string => {
  const count = s.tasks.kind === "split" ? s.tasks.classes.length : s.tasks.kind === "rotated" ? s.tasks.angles.length : s.tasks.count
  const parts = [`${count} ${s.tasks.kind} tasks of ${s.stepsPerTask} updates, ${s.scenario.replace("_", "-")}${s.joint ? ", trained jointly (all tasks mixed from the start)" : ""}`]
  if (s.replay !== undefined) {
    const mix = s.replay.fraction === "concat" ? "a second batch from it beside each batch" : s.replay.fraction.kind === "constant" ? `${s.replay.fraction.value} of each batch` : "a scheduled share of each batch"
    parts.push(`${s.replay.kind === "class_balanced" ? "class-balanced" : "reservoir"} replay of ${s.replay.capacity}, ${mix}`)
  }
  const r = s.regularizer
  if (r?.kind === "ewc") {
    parts.push(`${r.mode === "online" ? `online EWC (gamma ${r.gamma})` : "EWC, a term per task"}, lambda/2 * sum F (w - w*)^2 with lambda ${r.lambda}, ${r.fisher} Fisher from ${r.samples} per-example gradients`)
  } else if (r?.kind === "l2") parts.push(`L2 to the previous task's weights, lambda/2 * |w - w*|^2 with lambda ${r.lambda}`)
  else if (r?.kind === "lwf") parts.push(`LwF, alpha ${r.alpha} * KL at temperature ${r.temperature} on earlier tasks' classes (batchmean, no T^2)`)
  return `stream: ${parts.join("; ")}`
}
