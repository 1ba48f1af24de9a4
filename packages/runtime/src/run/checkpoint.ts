import type * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import type { BatchSamplerState } from "../data/batches.ts"
import type { NamedVariable } from "../model/variables.ts"
import type { OptimizerState } from "../optim/Optimizer.ts"
import type { BanditState } from "../curriculum/bandit.ts"
import type { CurriculumState } from "../curriculum/sampler.ts"
import type { StagesState } from "../curriculum/stages.ts"
import type { AnchorsState } from "../stream/regularizer.ts"
import type { StreamState } from "../stream/stream.ts"
import type { EnsembleState } from "../ensemble/hdet.ts"
import type { SearchState } from "../search/autolrs.ts"
import type { AverageState } from "./average.ts"
import type { PlateauState } from "./plateau.ts"
import { type RunDirectory, RunStoreError } from "./RunStore.ts"

/** Where one array lives in `tensors.bin` (float32, little-endian, row-major). */
interface Entry {
  readonly shape: ReadonlyArray<number>
  readonly offset: number
  readonly length: number
}

/** One array of weights as a checkpoint stores it. */
export interface WeightEntry {
  readonly name: string
  readonly shape: ReadonlyArray<number>
  readonly values: Float32Array
}

/** A model's variables as checkpoint entries (copied out of tfjs). */
export const weightsOf = (variables: ReadonlyArray<NamedVariable>): Array<WeightEntry> =>
  variables.map((v) => ({ name: v.name, shape: v.variable.shape, values: (v.variable as tf.Tensor).dataSync() as Float32Array }))

/** Everything a checkpoint holds, as plain data. */
export interface CheckpointContents extends FeatureStates {
  readonly updates: number
  readonly weights: ReadonlyArray<WeightEntry>
  readonly optimizer: OptimizerState
  readonly sampler: BatchSamplerState
  readonly signals: Readonly<Record<string, number>>
  readonly counters: Readonly<Record<string, number>>
  readonly plateaus?: Readonly<Record<string, PlateauState>>
}

/** What the features a spec may use add to a checkpoint, each absent when the run has no such part. */
export interface FeatureStates {
  /** The averaged weights (`average = ...`), saved beside the model's own. */
  readonly average?: AverageState
  /** What an `autolrs` search chose so far. */
  readonly search?: SearchState
  /** An ensemble's replicas 1..N-1 (replica 0 is `optimizer`; their weights are in `weights`, named `replica<r>/...`). */
  readonly replicaOptimizers?: ReadonlyArray<OptimizerState>
  readonly ensemble?: EnsembleState
  /** A curriculum's scores, random state and weighted set. */
  readonly curriculum?: CurriculumState
  /** A staged pacing's progress. */
  readonly stages?: StagesState
  /** A continual stream's sampler and replay buffer. */
  readonly stream?: StreamState
  /** A stream regularizer's anchors (weights and Fisher of finished tasks). */
  readonly anchors?: AnchorsState
}

/**
 * Writes `checkpoints/step-<u>/`: `tensors.bin` with every model variable, optimizer slot and
 * averaged weight as float32, and `state.json` saying where each array is plus the optimizer's
 * step count, the batch sampler's state and the signals, which is all a resume needs to continue
 * bit for bit.
 */
export const saveCheckpoint = Effect.fnUntraced(function*(dir: RunDirectory, contents: CheckpointContents) {
  const { updates, weights, optimizer, sampler, signals, counters, plateaus = {}, average, search, replicaOptimizers = [], ensemble, curriculum, stages, stream, anchors } = contents
  const chunks: Array<Float32Array> = []
  let offset = 0
  const add = (shape: ReadonlyArray<number>, values: Float32Array): Entry => {
    chunks.push(values)
    const entry = { shape, offset, length: values.length }
    offset += values.length
    return entry
  }
  const model: Record<string, Entry> = {}
  for (const w of weights) model[w.name] = add(w.shape, w.values)
  const optimizerEntries = (state: OptimizerState) => {
    const slots: Record<string, Record<string, Entry>> = {}
    for (const [slot, byVariable] of Object.entries(state.slots)) {
      slots[slot] = {}
      for (const [name, s] of Object.entries(byVariable)) slots[slot]![name] = add(s.shape, s.values)
    }
    return { kind: state.kind, steps: state.steps, slots }
  }
  const state = optimizerEntries(optimizer)
  const replicas = replicaOptimizers.map(optimizerEntries)
  const averageEntries = average === undefined ? undefined : {
    kind: average.kind,
    sets: average.sets.map((set) => ({
      step: set.step,
      weights: Object.fromEntries(Object.entries(set.weights).map(([name, w]) => [name, add(model[name]?.shape ?? [w.length], w)]))
    }))
  }
  // Scores as float32, the weighted set's indices as float32 too (exact below 2^24 examples).
  const curriculumEntries = curriculum === undefined ? undefined : {
    rng: curriculum.rng,
    size: curriculum.size,
    cursor: curriculum.cursor ?? 0,
    ...(curriculum.bandit === undefined ? {} : { bandit: curriculum.bandit }),
    scores: add([curriculum.scores.length], curriculum.scores),
    ...(curriculum.set === undefined ? {} : { set: add([curriculum.set.length], Float32Array.from(curriculum.set)) })
  }
  // The replay buffer's example and task indices (and class-balanced keys) as float32 (exact below 2^24).
  const streamEntries = stream === undefined ? undefined : {
    task: stream.task,
    sampler: stream.sampler,
    seen: stream.buffer.seen,
    rng: stream.rng,
    index: add([stream.buffer.index.length], Float32Array.from(stream.buffer.index)),
    bufferTask: add([stream.buffer.task.length], Float32Array.from(stream.buffer.task)),
    ...(stream.buffer.key === undefined ? {} : {
      key: add([stream.buffer.key.length], Float32Array.from(stream.buffer.key)),
      classes: Array.from(stream.buffer.classes!),
      counts: Array.from(stream.buffer.counts!)
    })
  }
  const anchorEntries = anchors === undefined ? undefined : {
    terms: anchors.terms.map((t) => ({
      weights: t.weights.map((w) => add([w.length], w)),
      ...(t.importance === undefined ? {} : { importance: t.importance.map((f) => add([f.length], f)) })
    }))
  }
  const bytes = new Uint8Array(offset * 4)
  const view = new Float32Array(bytes.buffer)
  let at = 0
  for (const c of chunks) {
    view.set(c, at)
    at += c.length
  }
  const folder = `checkpoints/step-${String(updates).padStart(8, "0")}`
  // Written aside and renamed into place: a crash leaves either the whole checkpoint or none of it.
  const aside = `checkpoints/.partial-step-${String(updates).padStart(8, "0")}`
  yield* dir.writeBytes(`${aside}/tensors.bin`, bytes)
  yield* dir.write(`${aside}/state.json`, JSON.stringify({
      updates,
      model,
      optimizer: state,
      sampler,
      signals,
      counters,
      plateaus,
      ...(averageEntries === undefined ? {} : { average: averageEntries }),
      ...(search === undefined ? {} : { search }),
      ...(replicas.length === 0 ? {} : { replicas }),
      ...(ensemble === undefined ? {} : { ensemble }),
      ...(curriculumEntries === undefined ? {} : { curriculum: curriculumEntries }),
      ...(stages === undefined ? {} : { stages }),
      ...(streamEntries === undefined ? {} : { stream: streamEntries }),
      ...(anchorEntries === undefined ? {} : { anchors: anchorEntries })
    }, null, 2) + "\n")
  yield* dir.rename(aside, folder)
  return folder
})

/** `state.json` as `saveCheckpoint` writes it. */
interface StateJson {
  readonly updates: number
  readonly model: Record<string, Entry>
  readonly optimizer: { kind: OptimizerState["kind"]; steps: number; slots: Record<string, Record<string, Entry>> }
  readonly sampler: BatchSamplerState
  readonly signals: Record<string, number>
  readonly counters?: Record<string, number>
  readonly plateaus?: Record<string, PlateauState>
  readonly average?: { kind: AverageState["kind"]; sets: Array<{ step: number; weights: Record<string, Entry> }> }
  readonly search?: SearchState
  readonly replicas?: Array<{ kind: OptimizerState["kind"]; steps: number; slots: Record<string, Record<string, Entry>> }>
  readonly ensemble?: EnsembleState
  readonly curriculum?: { rng: number; size: number; cursor?: number; bandit?: BanditState; scores: Entry; set?: Entry }
  readonly stages?: StagesState
  readonly stream?: {
    task: number
    sampler: BatchSamplerState
    seen: number
    rng: number
    index: Entry
    bufferTask: Entry
    key?: Entry
    classes?: Array<number>
    counts?: Array<number>
  }
  readonly anchors?: { terms: Array<{ weights: Array<Entry>; importance?: Array<Entry> }> }
}

/** What a checkpoint holds, read back for `lrs resume`. */
export interface LoadedCheckpoint extends FeatureStates {
  readonly updates: number
  readonly weights: Readonly<Record<string, Float32Array>>
  readonly optimizer: OptimizerState
  readonly sampler: BatchSamplerState
  readonly signals: Readonly<Record<string, number>>
  readonly counters: Readonly<Record<string, number>>
  /** The `plateau` schedules' controllers (absent in checkpoints from before they existed). */
  readonly plateaus: Readonly<Record<string, PlateauState>>
}

/** The newest complete checkpoint of a run directory, or undefined when it has none. */
export const loadLatestCheckpoint = Effect.fnUntraced(function*(dir: RunDirectory) {
  const names = (yield* dir.list("checkpoints")).filter((n) => /^step-\d{8}$/.test(n)).sort()
  const last = names[names.length - 1]
  if (last === undefined) return undefined
  // A checkpoint is written aside and renamed, so a damaged one was changed after the fact: say which and how to go on.
  const damaged = (why: string) =>
    new RunStoreError({ path: `${dir.path}/checkpoints/${last}`, message: `this checkpoint is damaged (${why}); remove its folder to resume from the one before` })
  const text = yield* dir.readText(`checkpoints/${last}/state.json`)
  const state = (yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => damaged("state.json is not JSON") })) as StateJson
  const bytes = yield* dir.readBytes(`checkpoints/${last}/tensors.bin`)
  // Copy into an aligned buffer: a file's bytes may start at any offset.
  const floats = new Float32Array(bytes.slice(0, bytes.length - (bytes.length % 4)).buffer)
  const entries = [
    ...Object.values(state.model ?? {}),
    ...[state.optimizer, ...(state.replicas ?? [])].flatMap((o) => Object.values(o?.slots ?? {}).flatMap((byVar) => Object.values(byVar))),
    ...(state.average?.sets ?? []).flatMap((set) => Object.values(set.weights)),
    ...(state.curriculum === undefined ? [] : [state.curriculum.scores, ...(state.curriculum.set === undefined ? [] : [state.curriculum.set])]),
    ...(state.stream === undefined ? [] : [state.stream.index, state.stream.bufferTask, ...(state.stream.key === undefined ? [] : [state.stream.key])]),
    ...(state.anchors?.terms ?? []).flatMap((t) => [...t.weights, ...(t.importance ?? [])])
  ]
  const fits = (e: Entry) => Array.isArray(e.shape) && Number.isInteger(e.offset) && e.offset >= 0 && e.offset + e.length <= floats.length && e.length === e.shape.reduce((a, b) => a * b, 1)
  if (typeof state.updates !== "number" || state.sampler === undefined || state.optimizer === undefined || entries.length === 0) {
    return yield* damaged("state.json lacks the fields a checkpoint has")
  }
  if (!entries.every(fits)) return yield* damaged(`tensors.bin holds ${floats.length} floats, fewer than state.json places in it`)
  const take = (e: Entry) => floats.slice(e.offset, e.offset + e.length)
  const weights = Object.fromEntries(Object.entries(state.model).map(([k, e]) => [k, take(e)]))
  const optimizerState = (o: NonNullable<StateJson["replicas"]>[number]): OptimizerState => ({
    kind: o.kind,
    steps: o.steps,
    slots: Object.fromEntries(Object.entries(o.slots).map(([slot, byVar]) => [slot, Object.fromEntries(Object.entries(byVar).map(([k, e]) => [k, { shape: e.shape, values: take(e) }]))]))
  })
  return {
    updates: state.updates,
    weights,
    optimizer: optimizerState(state.optimizer),
    ...(state.replicas === undefined ? {} : { replicaOptimizers: state.replicas.map(optimizerState) }),
    ...(state.ensemble === undefined ? {} : { ensemble: state.ensemble }),
    ...(state.stages === undefined ? {} : { stages: state.stages }),
    ...(state.anchors === undefined ? {} : {
      anchors: { terms: state.anchors.terms.map((t) => ({ weights: t.weights.map(take), ...(t.importance === undefined ? {} : { importance: t.importance.map(take) }) })) }
    }),
    ...(state.stream === undefined ? {} : {
      stream: {
        task: state.stream.task,
        sampler: state.stream.sampler,
        buffer: {
          index: Int32Array.from(take(state.stream.index)),
          task: Int32Array.from(take(state.stream.bufferTask)),
          seen: state.stream.seen,
          ...(state.stream.key === undefined ? {} : {
            key: Int32Array.from(take(state.stream.key)),
            classes: Int32Array.from(state.stream.classes ?? []),
            counts: Int32Array.from(state.stream.counts ?? [])
          })
        },
        rng: state.stream.rng
      }
    }),
    ...(state.curriculum === undefined ? {} : {
      curriculum: {
        rng: state.curriculum.rng,
        size: state.curriculum.size,
        cursor: state.curriculum.cursor ?? 0,
        ...(state.curriculum.bandit === undefined ? {} : { bandit: state.curriculum.bandit }),
        scores: take(state.curriculum.scores),
        ...(state.curriculum.set === undefined ? {} : { set: Int32Array.from(take(state.curriculum.set)) })
      }
    }),
    sampler: state.sampler,
    signals: state.signals,
    counters: state.counters ?? {},
    plateaus: state.plateaus ?? {},
    ...(state.search === undefined ? {} : { search: state.search }),
    ...(state.average === undefined ? {} : {
      average: {
        kind: state.average.kind,
        sets: state.average.sets.map((set) => ({ step: set.step, weights: Object.fromEntries(Object.entries(set.weights).map(([k, e]) => [k, take(e)])) }))
      }
    })
  } satisfies LoadedCheckpoint
})
