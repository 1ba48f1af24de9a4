import type { RunIR, StreamIR } from "@lrs/compiler"
import { type BatchSamplerState, createBatchSampler, restoreBatchSampler } from "../data/batches.ts"
import { deriveSeed, rngFromState, type RngState, shuffleInPlace } from "../data/random.ts"
import type { LoadedData, Split } from "../data/load.ts"

/** One task of a stream: its training examples (indices into the train split), its test split, its classes and pixel order. */
export interface Task {
  readonly train: Int32Array
  /** The task's test examples, already in its pixel order. */
  readonly test: Split
  readonly classes: ReadonlyArray<number>
  readonly permutation: Int32Array | undefined
  /** `task_incremental`: 0 for the task's classes, a large negative number for the others, added to the logits. */
  readonly mask: Float32Array | undefined
}

/** A batch of a stream: its rows, labels and (task-incremental) logit mask. */
export interface StreamBatch {
  readonly x: Float32Array
  readonly y: Int32Array
  readonly mask: Float32Array | undefined
}

/** What a checkpoint keeps of a stream: the current task's sampler and the replay buffer. */
export interface StreamState {
  readonly task: number
  readonly sampler: BatchSamplerState
  readonly buffer: { readonly index: Int32Array; readonly task: Int32Array; readonly seen: number; readonly rng: RngState }
}

const maskOff = -1e9

/** Copies rows `rows` of `x` into `out` at `at`, through a pixel order when given. */
const copyRow = (x: Float32Array, features: number, row: number, permutation: Int32Array | undefined, out: Float32Array, at: number): void => {
  const from = row * features
  if (permutation === undefined) out.set(x.subarray(from, from + features), at * features)
  else for (let j = 0; j < features; j++) out[at * features + j] = x[from + permutation[j]!]!
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
  const testOf = (rows: Int32Array, permutation: Int32Array | undefined): Split => {
    const x = new Float32Array(rows.length * features)
    const y = new Int32Array(rows.length)
    rows.forEach((r, i) => {
      copyRow(data.test.x, features, r, permutation, x, i)
      y[i] = data.test.y[r]!
    })
    return { x, y, n: rows.length }
  }
  if (stream.tasks.kind === "split") {
    return stream.tasks.classes.map((group) => {
      const inTask = (label: number) => group.includes(label)
      return { train: subset(data.train, inTask), test: testOf(subset(data.test, inTask), undefined), classes: group, permutation: undefined, mask: mask(group) }
    })
  }
  const { count, identityFirst, seed } = stream.tasks
  return Array.from({ length: count }, (_, k) => {
    const permutation = k === 0 && identityFirst ? undefined : shuffleInPlace(Int32Array.from({ length: features }, (_, j) => j), rngFromState(deriveSeed(seed, `stream/permutation-${k}`)))
    return { train: Int32Array.from({ length: data.train.n }, (_, i) => i), test: testOf(Int32Array.from({ length: data.test.n }, (_, i) => i), permutation), classes: all, permutation, mask: mask(all) }
  })
}

/**
 * The batches of a stream: update `t` trains task `floor(t / stepsPerTask)`, its examples in a
 * seeded order (stream `stream/task-<k>` of the run seed) with a `fraction` of each batch drawn
 * uniformly from a reservoir of past examples (Vitter's algorithm R over every example trained on;
 * stream `stream/replay`). Replayed examples keep their own task's pixel order and mask.
 */
export class StreamSource {
  readonly tasks: ReadonlyArray<Task>
  private readonly ir: RunIR & { readonly stream: StreamIR }
  private readonly data: LoadedData
  private task = -1
  private sampler = createBatchSampler(1, 0)
  private buffer: { index: Int32Array; task: Int32Array; size: number; seen: number }
  private rng = rngFromState(0)

  constructor(ir: RunIR & { readonly stream: StreamIR }, data: LoadedData) {
    this.ir = ir
    this.data = data
    this.tasks = streamTasks(ir.stream, data)
    const capacity = ir.stream.replay?.capacity ?? 0
    this.buffer = { index: new Int32Array(capacity), task: new Int32Array(capacity), size: 0, seen: 0 }
    this.rng = rngFromState(deriveSeed(ir.seed, "stream/replay"))
  }

  /** The task update `t` trains. */
  taskAt(t: number): number {
    return Math.min(Math.floor(t / this.ir.stream.stepsPerTask), this.tasks.length - 1)
  }

  next(t: number): StreamBatch {
    const k = this.taskAt(t)
    if (k !== this.task) {
      this.task = k
      this.sampler = createBatchSampler(this.tasks[k]!.train.length, deriveSeed(this.ir.seed, `stream/task-${k}`))
    }
    const batch = this.ir.batch
    const features = this.data.features
    const replay = this.ir.stream.replay
    const fromBuffer = replay === undefined || this.buffer.size === 0 ? 0 : Math.round(batch * replay.fraction)
    const x = new Float32Array(batch * features)
    const y = new Int32Array(batch)
    const masked = this.ir.stream.scenario === "task_incremental"
    const mask = masked ? new Float32Array(batch * this.data.classes) : undefined
    const put = (i: number, row: number, task: number) => {
      copyRow(this.data.train.x, features, row, this.tasks[task]!.permutation, x, i)
      y[i] = this.data.train.y[row]!
      if (mask !== undefined) mask.set(this.tasks[task]!.mask!, i * this.data.classes)
    }
    const current = this.sampler.nextBatch(batch - fromBuffer)
    current.forEach((p, i) => put(i, this.tasks[k]!.train[p]!, k))
    for (let i = 0; i < fromBuffer; i++) {
      const slot = this.rng.int(this.buffer.size)
      put(batch - fromBuffer + i, this.buffer.index[slot]!, this.buffer.task[slot]!)
    }
    // Algorithm R: the j-th example seen replaces a random slot with probability capacity / j.
    if (replay !== undefined) {
      for (const p of current) {
        const row = this.tasks[k]!.train[p]!
        this.buffer.seen++
        if (this.buffer.size < replay.capacity) {
          this.buffer.index[this.buffer.size] = row
          this.buffer.task[this.buffer.size++] = k
        } else {
          const j = this.rng.int(this.buffer.seen)
          if (j < replay.capacity) {
            this.buffer.index[j] = row
            this.buffer.task[j] = k
          }
        }
      }
    }
    return { x, y, mask }
  }

  state(): StreamState {
    return {
      task: this.task,
      sampler: this.sampler.state(),
      buffer: { index: this.buffer.index.slice(0, this.buffer.size), task: this.buffer.task.slice(0, this.buffer.size), seen: this.buffer.seen, rng: this.rng.state }
    }
  }

  restore(state: StreamState): void {
    this.task = state.task
    if (state.task >= 0) this.sampler = restoreBatchSampler(this.tasks[state.task]!.train.length, state.sampler)
    this.buffer.index.set(state.buffer.index)
    this.buffer.task.set(state.buffer.task)
    this.buffer.size = state.buffer.index.length
    this.buffer.seen = state.buffer.seen
    this.rng = rngFromState(state.buffer.rng)
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
}

/** Computes the summary from evaluation rows `{"kind":"eval","task":j,"step":u,"accuracy":...}`. */
export const continualSummary = (rows: ReadonlyArray<Readonly<Record<string, unknown>>>, tasks: number, stepsPerTask: number): ContinualSummary => {
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
  return {
    matrix,
    averageAccuracy: mean(last),
    bwt: mean(earlier.map((j) => last[j]! - matrix[j]![j]!)),
    forgetting: mean(earlier.map((j) => Math.max(...matrix.slice(0, tasks - 1).map((row) => row[j]!)) - last[j]!)),
    minAccuracy: earlier.length === 0 || mins.some((m) => !Number.isFinite(m)) ? null : mean(mins)
  }
}
