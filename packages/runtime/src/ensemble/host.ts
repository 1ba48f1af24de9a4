import type { RunIR, ScheduleIR } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import { createModel, type Model } from "../model/create.ts"
import { softmaxCrossEntropy } from "../model/mlp.ts"
import { lossAndGradients } from "../model/variables.ts"
import { createOptimizer } from "../optim/createOptimizer.ts"
import type { Optimizer, OptimizerState } from "../optim/Optimizer.ts"
import type { ScheduleReader } from "../schedule/ScheduleReader.ts"

/**
 * The scheduled values one replica uses at one update, by where the IR reads them:
 * `optimizer.<field>` for every scheduled optimizer hyperparameter and `model.dropout`.
 */
export type Values = Readonly<Record<string, number>>

/** The schedule nodes a replica reads, by the key its values carry. */
export const valueNodes = (ir: RunIR): ReadonlyArray<readonly [string, ScheduleIR]> => {
  const nodes: Array<readonly [string, ScheduleIR]> = [["model.dropout", ir.model.dropout]]
  for (const [field, v] of Object.entries(ir.optimizer)) {
    if (typeof v === "object" && v !== null && "kind" in v && "span" in v) nodes.push([`optimizer.${field}`, v as ScheduleIR])
  }
  return nodes
}

/** What a host needs to build its replicas: the run, the data's shape, and which replicas it owns. */
export interface HostInit {
  readonly ir: RunIR
  readonly shape: ReadonlyArray<number>
  readonly classes: number
  readonly features: number
  readonly replicas: ReadonlyArray<number>
}

/** One replica's share of a batch. */
export interface Shard {
  readonly x: Float32Array
  readonly y: Int32Array
}

/** Weights (per variable, in order) and optimizer state of one replica, as plain data. */
export interface ReplicaState {
  readonly weights: ReadonlyArray<Float32Array>
  readonly optimizer: OptimizerState
}

/**
 * Some of an ensemble's replicas, each a model and an optimizer of its own, built from the IR with
 * the run's seed (so all start from the same weights). The same code runs in the trainer's thread
 * and in worker threads: what crosses is plain data (shards, per-replica hyperparameter values,
 * gradients and weights as Float32Arrays), so a replica computes the same numbers wherever it runs.
 */
export class ReplicaHost {
  private readonly models: Array<Model>
  private readonly optimizers: Array<Optimizer>
  /** What each owned replica reads for its schedules at the update being computed (sent with it). */
  private readonly current: Array<Values>
  private readonly readers: Array<ScheduleReader>
  private readonly features: number
  /** On a GPU backend reads are awaited (webgpu in Node cannot read synchronously). */
  private readonly gpu: boolean

  constructor(init: HostInit, gpu = false) {
    this.features = init.features
    this.gpu = gpu
    const keys = new Map(valueNodes(init.ir).map(([key, node]) => [node, key]))
    this.current = init.replicas.map(() => ({}))
    this.readers = init.replicas.map((_, i) => (s) => {
      const key = keys.get(s)
      const v = key === undefined ? undefined : this.current[i]![key]
      if (v === undefined) throw new Error(`replica host: no value for ${key ?? "a schedule it does not know"}`)
      return v
    })
    this.models = init.replicas.map(() => createModel(init.ir.model, init.shape, init.classes, init.ir.seed))
    this.optimizers = this.models.map((m, i) => createOptimizer(init.ir.optimizer, m.variables, this.readers[i]!))
  }

  /** Replica `i`'s loss and gradients on its shard at update `t`, as tensors (the caller disposes them). */
  private forwardBackward(i: number, t: number, shard: Shard, values: Values) {
    const m = this.models[i]!
    this.current[i] = values
    return tf.tidy(() => {
      const x = tf.tensor2d(shard.x, [shard.y.length, this.features])
      const y = tf.tensor1d(shard.y, "int32")
      return lossAndGradients(() => softmaxCrossEntropy(m.forward(x, { training: true, step: t, read: this.readers[i]! }), y), m.variables)
    })
  }

  /** Each owned replica's loss and gradients (per variable, in order) on its shard at update `t`. */
  step(t: number, shards: ReadonlyArray<Shard>, values: ReadonlyArray<Values>): { losses: Array<number>; grads: Array<Array<Float32Array>> } {
    const losses: Array<number> = []
    const grads: Array<Array<Float32Array>> = []
    this.models.forEach((m, i) => {
      const out = this.forwardBackward(i, t, shards[i]!, values[i]!)
      losses.push(out.loss.dataSync()[0]!)
      grads.push(m.variables.map((v) => out.grads[v.name]!.dataSync() as Float32Array).map((a) => a.slice()))
      tf.dispose([out.loss, ...Object.values(out.grads)])
    })
    return { losses, grads }
  }

  /** The same read with `await data()` (a GPU backend): every replica's work is queued before the first read. */
  async stepAsync(t: number, shards: ReadonlyArray<Shard>, values: ReadonlyArray<Values>): Promise<{ losses: Array<number>; grads: Array<Array<Float32Array>> }> {
    const outs = this.models.map((_, i) => this.forwardBackward(i, t, shards[i]!, values[i]!))
    try {
      const losses = await Promise.all(outs.map(async (out) => (await out.loss.data())[0]!))
      const grads = await Promise.all(outs.map((out, i) => Promise.all(this.models[i]!.variables.map(async (v) => ((await out.grads[v.name]!.data()) as Float32Array).slice()))))
      return { losses, grads }
    } finally {
      for (const out of outs) tf.dispose([out.loss, ...Object.values(out.grads)])
    }
  }

  /** Applies the same gradient (per variable, in order) to every owned replica with its own values. */
  apply(t: number, grads: ReadonlyArray<Float32Array>, values: ReadonlyArray<Values>): void {
    this.models.forEach((m, i) => {
      this.current[i] = values[i]!
      const g = tf.tidy(() => Object.fromEntries(m.variables.map((v, k) => [v.name, tf.tensor(grads[k]!, v.variable.shape)])))
      this.optimizers[i]!.step(g, t)
      tf.dispose(Object.values(g))
    })
  }

  weights(): Array<Array<Float32Array>> {
    return this.models.map((m) => m.variables.map((v) => (v.variable.dataSync() as Float32Array).slice()))
  }

  /** The same read with `await data()` (a GPU backend). */
  weightsAsync(): Promise<Array<Array<Float32Array>>> {
    return Promise.all(this.models.map((m) => Promise.all(m.variables.map(async (v) => ((await v.variable.data()) as Float32Array).slice()))))
  }

  /** Sets every owned replica's weights to the same values (after averaging). */
  setWeights(weights: ReadonlyArray<Float32Array>): void {
    for (const m of this.models) m.variables.forEach((v, k) => tf.tidy(() => v.variable.assign(tf.tensor(weights[k]!, v.variable.shape))))
  }

  async state(): Promise<Array<ReplicaState>> {
    const weights = this.gpu ? await this.weightsAsync() : this.weights()
    return Promise.all(this.optimizers.map(async (o, i) => ({ weights: weights[i]!, optimizer: await o.state() })))
  }

  restore(states: ReadonlyArray<ReplicaState>): void {
    this.models.forEach((m, i) => {
      m.variables.forEach((v, k) => tf.tidy(() => v.variable.assign(tf.tensor(states[i]!.weights[k]!, v.variable.shape))))
      this.optimizers[i]!.restore(states[i]!.optimizer)
    })
  }

  dispose(): void {
    this.optimizers.forEach((o) => o.dispose())
    this.models.forEach((m) => m.dispose())
  }
}
