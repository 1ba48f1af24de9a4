import { type RunIR, type ScheduleIR, type StreamIR, taskEnds } from "@lrs/compiler"
import { closedForm, type ScheduleReader } from "../schedule/ScheduleReader.ts"
import { type BufferState, classBalancedBuffer, type ReplayBuffer, reservoirBuffer } from "./buffer.ts"
import { type BatchSamplerState, createBatchSampler, restoreBatchSampler } from "../data/batches.ts"
import { deriveSeed, type Rng, rngFromState, type RngState, shuffleInPlace } from "../data/random.ts"
import type { LoadedData, Split } from "../data/load.ts"

/** One task of a stream: its training examples (indices into the train split), its test split, its classes and pixels. */
export interface Task {
  readonly train: Int32Array
  /** The task's test examples, already in its pixel order. */
  readonly test: Split
  /** The outputs the task trains (its classes; for domain-incremental split tasks, their places 0..k-1). */
  readonly classes: ReadonlyArray<number>
  /** Domain-incremental split tasks: the label each original class has (its place in its task); undefined: labels as they are. */
  readonly labels: Int32Array | undefined
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

/** A rotated stream's angles: as listed, or `count` integers drawn uniformly from [-180, 180] (Avalanche's `randint(-180, 181)`, with our generator: stream `stream/rotations` of `seed`). */
export const rotationAngles = (angles: ReadonlyArray<number> | { readonly count: number; readonly seed: number }): ReadonlyArray<number> => {
  if (!("count" in angles)) return angles
  const rng = rngFromState(deriveSeed(angles.seed, "stream/rotations"))
  return Array.from({ length: angles.count }, () => rng.int(361) - 180)
}

/** Each class's place in its task (class `c` of group `[4, 7]` at place `group.indexOf(c)`). */
const domainLabels = (groups: ReadonlyArray<ReadonlyArray<number>>, classes: number): Int32Array => {
  const labels = new Int32Array(classes).fill(-1)
  for (const group of groups) group.forEach((c, i) => (labels[c] = i))
  return labels
}

/** The outputs a stream's model has: a domain-incremental split's task size, else the data's classes. */
export const streamOutputs = (stream: StreamIR, classes: number): number =>
  stream.scenario === "domain_incremental" && stream.tasks.kind === "split" ? stream.tasks.classes[0]!.length : classes

/** The label a task trains an example of class `original` with (its place in the task for domain-incremental split tasks). */
const labelOf = (task: Task, original: number): number => (task.labels === undefined ? original : task.labels[original]!)

/**
 * The classes of each SCoLe task: `classesPerTask` distinct classes drawn uniformly for each task
 * in turn (a partial shuffle of all the classes; stream `stream/scole` of the spec's seed), sorted.
 */
export const scoleGroups = (t: { readonly count: number; readonly classesPerTask: number; readonly seed: number }, classes: number): Array<Array<number>> => {
  const rng = rngFromState(deriveSeed(t.seed, "stream/scole"))
  const pool = Array.from({ length: classes }, (_, c) => c)
  return Array.from({ length: t.count }, () => {
    for (let i = 0; i < t.classesPerTask; i++) {
      const j = i + rng.int(classes - i)
      ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
    }
    return pool.slice(0, t.classesPerTask).sort((a, b) => a - b)
  })
}

/** What a stream's evaluation measures, a row each: every task's test set, or (SCoLe, whose tasks re-occur) every class's. */
export interface StreamEvaluation {
  readonly key: "task" | "class"
  readonly units: ReadonlyArray<{ readonly test: Split; readonly mask: Float32Array | undefined }>
}

const subset = (split: Split, keep: (label: number) => boolean) => Int32Array.from({ length: split.n }, (_, i) => i).filter((i) => keep(split.y[i]!))

/**
 * The test examples `all` (or the stream's fixed subsample of them: seed 0, not the run's, so runs
 * stay comparable) in a pixel order, relabelled when `labels` is given.
 */
const testRows = (stream: StreamIR, data: LoadedData, all: Int32Array, pixels: Int32Array | undefined, labels?: Int32Array): Split => {
  const features = data.features
  const rows = stream.testSubsample === undefined || all.length <= stream.testSubsample
    ? all
    : shuffleInPlace(Int32Array.from(all), rngFromState(deriveSeed(0, "stream/test-subsample"))).slice(0, stream.testSubsample).sort()
  const x = new Float32Array(rows.length * features)
  const y = new Int32Array(rows.length)
  rows.forEach((r, i) => {
    copyRow(data.test.x, features, r, pixels, x, i)
    y[i] = labels === undefined ? data.test.y[r]! : labels[data.test.y[r]!]!
  })
  return { x, y, n: rows.length }
}

/** A stream's evaluation units: its tasks, or each class's test set (a SCoLe sequence; `test_subsample` per class). */
export const streamEvaluation = (stream: StreamIR, data: LoadedData, tasks: ReadonlyArray<Task>): StreamEvaluation =>
  stream.tasks.kind !== "scole"
    ? { key: "task", units: tasks }
    : { key: "class", units: Array.from({ length: data.classes }, (_, c) => ({ test: testRows(stream, data, subset(data.test, (label) => label === c), undefined), mask: undefined })) }

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
  if (stream.tasks.kind === "split") {
    // Domain-incremental: one head of as many outputs as a task has classes, each class its place in its task.
    const places = stream.scenario === "domain_incremental" ? domainLabels(stream.tasks.classes, classes) : undefined
    return stream.tasks.classes.map((group) => {
      const inTask = (label: number) => group.includes(label)
      const outputs = places === undefined ? group : group.map((_, i) => i)
      return { train: subset(data.train, inTask), test: testRows(stream, data, subset(data.test, inTask), undefined, places), classes: outputs, labels: places, pixels: undefined, mask: mask(outputs) }
    })
  }
  const whole = (pixels: Int32Array | undefined): Task => ({
    train: Int32Array.from({ length: data.train.n }, (_, i) => i),
    test: testRows(stream, data, Int32Array.from({ length: data.test.n }, (_, i) => i), pixels),
    classes: all,
    labels: undefined,
    pixels,
    mask: mask(all)
  })
  if (stream.tasks.kind === "rotated") return rotationAngles(stream.tasks.angles).map((angle) => whole(angle === 0 ? undefined : rotationPixels(data.shape, angle)))
  if (stream.tasks.kind === "scole") {
    // Tasks re-occur: one example list per class group, shared by every task drawing it. Each
    // class is evaluated on its own (streamEvaluation), so a task keeps no test split of its own.
    const byGroup = new Map<string, Int32Array>()
    const none: Split = { x: new Float32Array(0), y: new Int32Array(0), n: 0 }
    return scoleGroups(stream.tasks, classes).map((group) => {
      const key = group.join(",")
      if (!byGroup.has(key)) byGroup.set(key, subset(data.train, (label) => group.includes(label)))
      return { train: byGroup.get(key)!, test: none, classes: group, labels: undefined, pixels: undefined, mask: undefined }
    })
  }
  const { count, identityFirst, seed } = stream.tasks
  return Array.from({ length: count }, (_, k) =>
    whole(k === 0 && identityFirst ? undefined : shuffleInPlace(Int32Array.from({ length: features }, (_, j) => j), rngFromState(deriveSeed(seed, `stream/permutation-${k}`)))))
}

/**
 * The batches of a stream: update `t` trains the task whose budget it falls in (`taskSteps`), with
 * that task's batch size, its examples in a seeded order (stream `stream/task-<k>` of the run seed;
 * an online stream takes each example once) with the replay `fraction` of each batch (or a second
 * batch, `concat`) drawn uniformly from a buffer of past examples (buffer.ts; stream
 * `stream/replay`). Replayed examples keep their own task's pixels, label and mask.
 */
export class StreamSource {
  readonly tasks: ReadonlyArray<Task>
  /** The update after which each task ends. */
  readonly ends: ReadonlyArray<number>
  private readonly endSet: ReadonlySet<number>
  /** The model's outputs (see `streamOutputs`). */
  readonly outputs: number
  /** What each evaluation measures. */
  readonly evaluation: StreamEvaluation
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
    this.ends = taskEnds(ir.stream)
    this.endSet = new Set(this.ends)
    this.outputs = streamOutputs(ir.stream, data.classes)
    this.evaluation = streamEvaluation(ir.stream, data, this.tasks)
    const replay = ir.stream.replay
    const rng = () => this.rng
    this.buffer = replay?.kind === "class_balanced" ? classBalancedBuffer(replay.capacity, rng) : reservoirBuffer(replay?.capacity ?? 0, rng)
    this.rng = rngFromState(deriveSeed(ir.seed, "stream/replay"))
  }

  /** The task update `t` trains (a binary search: a SCoLe stream may have thousands of tasks, and this runs every update). */
  taskAt(t: number): number {
    let lo = 0
    let hi = this.ends.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (t < this.ends[mid]!) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  /** Whether a task ends after `u` updates (its end-of-task evaluation and anchors are due). */
  endsAfter(u: number): boolean {
    return this.endSet.has(u)
  }

  /** How many evaluation units the run's metrics average at update `t`: the tasks trained so far (all for joint training, every class for SCoLe). */
  seenAt(t: number): number {
    return this.ir.stream.joint || this.evaluation.key === "class" ? this.evaluation.units.length : this.taskAt(t) + 1
  }

  /** Examples replayed at update `t` beside `batch` fresh ones (before the buffer holds any: none). */
  private replayed(t: number, batch: number, empty: boolean): number {
    const replay = this.ir.stream.replay
    if (replay === undefined || empty) return 0
    return replay.fraction === "concat" ? batch : Math.round(batch * this.read(replay.fraction as ScheduleIR, t))
  }

  /**
   * An online stream sees each example once: the first task whose budget needs more new examples
   * than it has, with what it needs; undefined when every task has enough.
   */
  shortfall(): { task: number; needs: number; has: number } | undefined {
    if (this.ir.stream.online === undefined) return undefined
    const concat = this.ir.stream.replay?.fraction === "concat"
    for (const [k, task] of this.tasks.entries()) {
      const start = k === 0 ? 0 : this.ends[k - 1]!
      const size = this.ir.stream.taskBatches[k]!
      let needs = 0
      for (let t = start; t < this.ends[k]!; t++) needs += concat ? size : size - this.replayed(t, size, t === 0)
      if (needs > task.train.length) return { task: k, needs, has: task.train.length }
    }
    return undefined
  }

  next(t: number): StreamBatch {
    if (this.ir.stream.joint) return this.nextJoint()
    const k = this.taskAt(t)
    if (k !== this.task) {
      this.task = k
      this.sampler = createBatchSampler(this.tasks[k]!.train.length, deriveSeed(this.ir.seed, `stream/task-${k}`))
    }
    const batch = this.ir.stream.taskBatches[k]!
    const { features } = this.data
    const classes = this.outputs
    const replay = this.ir.stream.replay
    // `concat`: a second batch from the buffer; otherwise the scheduled share of this one.
    const concat = replay?.fraction === "concat"
    const fromBuffer = this.replayed(t, batch, this.buffer.size === 0)
    const fresh = concat ? batch : batch - fromBuffer
    const n = fresh + fromBuffer
    const x = new Float32Array(n * features)
    const y = new Int32Array(n)
    const mask = this.ir.stream.scenario === "task_incremental" ? new Float32Array(n * classes) : undefined
    const put = (i: number, row: number, task: number) => {
      copyRow(this.data.train.x, features, row, this.tasks[task]!.pixels, x, i)
      y[i] = labelOf(this.tasks[task]!, this.data.train.y[row]!)
      if (mask !== undefined) mask.set(this.tasks[task]!.mask!, i * classes)
    }
    const current = this.sampler.nextBatch(fresh)
    current.forEach((p, i) => put(i, this.tasks[k]!.train[p]!, k))
    const draw = this.replayDraw(t, k)
    for (let i = 0; i < fromBuffer; i++) {
      const e = draw()
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
   * How update `t` (training task `current`) draws a replayed example: uniformly from the buffer, or
   * (`timing`) first a task by its weight, `(1 + d)^(-alpha)` or `beta^d` with d the tasks passed
   * since it was last trained (its last update's distance in mean task lengths; 0 for the current
   * task), then one of its buffered examples uniformly.
   */
  private replayDraw(t: number, current: number): () => { readonly row: number; readonly task: number } {
    const timing = this.ir.stream.replay?.timing
    if (timing === undefined || timing.kind === "k_fpf") return () => this.buffer.entry(this.rng.int(this.buffer.size))
    const byTask = new Map<number, Array<number>>()
    for (let i = 0; i < this.buffer.size; i++) {
      const k = this.buffer.entry(i).task
      if (!byTask.has(k)) byTask.set(k, [])
      byTask.get(k)!.push(i)
    }
    const tasks = [...byTask.keys()].sort((a, b) => a - b)
    const meanLength = this.ends[this.ends.length - 1]! / this.ends.length
    const weights = tasks.map((k) => {
      const d = k === current ? 0 : (t - (this.ends[k]! - 1)) / meanLength
      return timing.kind === "power_law" ? (1 + d) ** -timing.alpha : timing.beta ** d
    })
    const total = weights.reduce((a, b) => a + b, 0)
    return () => {
      let u = this.rng.uniform() * total
      let j = 0
      while (j < tasks.length - 1 && u >= weights[j]!) u -= weights[j++]!
      const entries = byTask.get(tasks[j]!)!
      return this.buffer.entry(entries[this.rng.int(entries.length)]!)
    }
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
    const { features } = this.data
    const classes = this.outputs
    const x = new Float32Array(batch * features)
    const y = new Int32Array(batch)
    const mask = this.ir.stream.scenario === "task_incremental" ? new Float32Array(batch * classes) : undefined
    this.sampler.nextBatch(batch).forEach((p, i) => {
      let k = 0
      while (p >= sizes[k]!) p -= sizes[k++]!
      const row = this.tasks[k]!.train[p]!
      copyRow(this.data.train.x, features, row, this.tasks[k]!.pixels, x, i)
      y[i] = labelOf(this.tasks[k]!, this.data.train.y[row]!)
      if (mask !== undefined) mask.set(this.tasks[k]!.mask!, i * classes)
    })
    return { x, y, mask }
  }

  /** `n` examples drawn uniformly from the replay buffer with `rng` (k-FPF's fine-tuning batches), each with its task's pixels, label and mask. */
  bufferBatch(n: number, rng: Rng): StreamBatch {
    const { features } = this.data
    const count = Math.min(n, this.buffer.size)
    const x = new Float32Array(count * features)
    const y = new Int32Array(count)
    const mask = this.ir.stream.scenario === "task_incremental" ? new Float32Array(count * this.outputs) : undefined
    for (let i = 0; i < count; i++) {
      const e = this.buffer.entry(rng.int(this.buffer.size))
      const task = this.tasks[e.task]!
      copyRow(this.data.train.x, features, e.row, task.pixels, x, i)
      y[i] = labelOf(task, this.data.train.y[e.row]!)
      if (mask !== undefined) mask.set(task.mask!, i * this.outputs)
    }
    return { x, y, mask }
  }

  /** The examples `rows` of task `k`'s training data as a batch (in its pixel order, with its labels and mask): what the Fisher of a finished task is measured on. */
  examples(k: number, rows: Int32Array): StreamBatch {
    const features = this.data.features
    const x = new Float32Array(rows.length * features)
    const y = new Int32Array(rows.length)
    const task = this.tasks[k]!
    const mask = task.mask === undefined ? undefined : new Float32Array(rows.length * this.outputs)
    rows.forEach((row, i) => {
      copyRow(this.data.train.x, features, row, task.pixels, x, i)
      y[i] = labelOf(task, this.data.train.y[row]!)
      if (mask !== undefined) mask.set(task.mask!, i * this.outputs)
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

/**
 * Computes the summary from evaluation rows `{"kind":"eval","task":j,"step":u,"accuracy":...}`,
 * task j ending after `ends[j]` updates.
 */
export const continualSummary = (rows: ReadonlyArray<Readonly<Record<string, unknown>>>, ends: ReadonlyArray<number>, window = 10): ContinualSummary => {
  const tasks = ends.length
  const startOf = (j: number) => (j === 0 ? 0 : ends[j - 1]!)
  const at = new Map<string, number>()
  const byTask: Array<Array<{ step: number; accuracy: number }>> = Array.from({ length: tasks }, () => [])
  for (const r of rows) {
    if (r["kind"] !== "eval" || typeof r["task"] !== "number" || typeof r["step"] !== "number" || typeof r["accuracy"] !== "number") continue
    at.set(`${r["step"]}:${r["task"]}`, r["accuracy"])
    byTask[r["task"]]?.push({ step: r["step"], accuracy: r["accuracy"] })
  }
  const matrix = Array.from({ length: tasks }, (_, i) => Array.from({ length: tasks }, (_, j) => at.get(`${ends[i]}:${j}`) ?? Number.NaN))
  const last = matrix[tasks - 1]!
  const mean = (xs: ReadonlyArray<number>) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length)
  const earlier = Array.from({ length: tasks - 1 }, (_, j) => j)
  const mins = earlier.map((j) => Math.min(...byTask[j]!.filter((e) => e.step > ends[j]!).map((e) => e.accuracy)))
  const minAccuracy = earlier.length === 0 || mins.some((m) => !Number.isFinite(m)) ? null : mean(mins)
  const drops = earlier.map((j) => windowedDrop(byTask[j]!.filter((e) => e.step > startOf(j)).map((e) => e.accuracy), window))
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

/**
 * A SCoLe sequence's summary (Lesort et al. measure knowledge accumulating over a long sequence):
 * the accuracy over every class (the mean of the classes' accuracies) where each task ended, and
 * each class's accuracy at the end.
 */
export interface ScoleSummary {
  readonly kind: "scole"
  readonly curve: ReadonlyArray<{ readonly task: number; readonly step: number; readonly accuracy: number }>
  readonly finalAccuracy: number
  readonly classes: ReadonlyArray<number>
}

/** Computes a SCoLe summary from the run's rows: the class-mean evaluation rows and `{"class":c}` rows. */
export const scoleSummary = (rows: ReadonlyArray<Readonly<Record<string, unknown>>>, ends: ReadonlyArray<number>): ScoleSummary => {
  const overall = new Map<number, number>()
  const perClass = new Map<number, Map<number, number>>()
  for (const r of rows) {
    if (r["kind"] !== "eval" || r["weights"] !== undefined || typeof r["step"] !== "number" || typeof r["accuracy"] !== "number") continue
    if (typeof r["class"] === "number") {
      if (!perClass.has(r["step"])) perClass.set(r["step"], new Map())
      perClass.get(r["step"])!.set(r["class"], r["accuracy"])
    } else if (r["task"] === undefined) overall.set(r["step"], r["accuracy"])
  }
  const curve = ends.flatMap((step, task) => (overall.has(step) ? [{ task, step, accuracy: overall.get(step)! }] : []))
  const last = ends[ends.length - 1]!
  const final = perClass.get(last) ?? new Map<number, number>()
  return {
    kind: "scole",
    curve,
    finalAccuracy: overall.get(last) ?? Number.NaN,
    classes: Array.from({ length: final.size === 0 ? 0 : Math.max(...final.keys()) + 1 }, (_, c) => final.get(c) ?? Number.NaN)
  }
}

/** One line for the terminal: `continual: average accuracy 0.8013, BWT -0.1912, ...` (null metrics left out); a SCoLe sequence's accuracy along it. */
export const describeContinual = (s: ContinualSummary | ScoleSummary): string => {
  if ("kind" in s) {
    // A single task end mostly shows the two classes just trained: quarters of the sequence show the trend.
    const n = s.curve.length
    const quarters = [0, 1, 2, 3].map((q) => s.curve.slice(Math.floor((q * n) / 4), Math.floor(((q + 1) * n) / 4))).filter((part) => part.length > 0)
    const means = quarters.map((part) => (part.reduce((a, p) => a + p.accuracy, 0) / part.length).toFixed(4)).join(" / ")
    const range = s.classes.length === 0 ? "" : `; classes at the end from ${Math.min(...s.classes).toFixed(4)} to ${Math.max(...s.classes).toFixed(4)}`
    return `scole: accuracy over every class where tasks ended, mean by quarter of the ${n} tasks ${means}; ${s.finalAccuracy.toFixed(4)} after the last${range}`
  }
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
  const count = s.taskSteps.length
  const same = (xs: ReadonlyArray<number>) => xs.every((x) => x === xs[0])
  const updates = same(s.taskSteps) ? `${s.taskSteps[0]} updates` : `${s.taskSteps.join("/")} updates`
  const batches = s.online !== undefined ? "" : same(s.taskBatches) ? ` of ${s.taskBatches[0]}` : ` of ${s.taskBatches.join("/")} examples`
  const domain = s.scenario === "domain_incremental" && s.tasks.kind === "split" ? ` (one head of ${s.tasks.classes[0]!.length} outputs: each class labelled by its place in its task)` : ""
  const t = s.tasks
  const kind = t.kind === "scole"
    ? `SCoLe tasks (${t.classesPerTask} classes each, drawn at random with seed ${t.seed}: classes re-occur, each evaluated on its own)`
    : t.kind === "rotated" && "count" in t.angles
    ? `rotated tasks (turned by ${rotationAngles(t.angles).join(", ")} degrees, drawn at random)`
    : `${t.kind} tasks`
  const parts = [`${count} ${kind} of ${updates}${batches}, ${s.scenario.replace("_", "-")}${domain}${s.joint ? ", trained jointly (all tasks mixed from the start)" : ""}`]
  if (s.online !== undefined) {
    parts.push(`online: ${s.online.size} new examples an update, each seen once, task boundaries ${s.online.boundaries === "hidden" ? "hidden from the learner" : "known to the learner"}`)
  }
  if (s.replay !== undefined) {
    const timing = s.replay.timing
    const mix = timing?.kind === "k_fpf"
      ? `none in the batches: k-FPF fine-tunes ${timing.modules.join(", ")} on it ${timing.k} times (${timing.iterations} SGD steps at ${timing.lr})`
      : s.replay.fraction === "concat"
      ? "a second batch from it beside each batch"
      : s.replay.fraction.kind === "constant"
      ? `${s.replay.fraction.value} of each batch`
      : "a scheduled share of each batch"
    const weighted = timing?.kind === "power_law" ? `, tasks weighted (1 + d)^-${timing.alpha}` : timing?.kind === "exponential" ? `, tasks weighted ${timing.beta}^d` : ""
    parts.push(`${s.replay.kind === "class_balanced" ? "class-balanced" : "reservoir"} replay of ${s.replay.capacity}, ${mix}${weighted}`)
  }
  const r = s.regularizer
  if (r?.kind === "ewc") {
    parts.push(`${r.mode === "online" ? `online EWC (gamma ${r.gamma})` : "EWC, a term per task"}, lambda/2 * sum F (w - w*)^2 with lambda ${r.lambda}, ${r.fisher} Fisher from ${r.samples} per-example gradients`)
  } else if (r?.kind === "l2") parts.push(`L2 to the previous task's weights, lambda/2 * |w - w*|^2 with lambda ${r.lambda}`)
  else if (r?.kind === "lwf") parts.push(`LwF, alpha ${r.alpha} * KL at temperature ${r.temperature} on earlier tasks' classes (batchmean, no T^2)`)
  return `stream: ${parts.join("; ")}`
}
