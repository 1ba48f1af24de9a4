import type { RunIR } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import { type BackendName, isGpuBackend } from "../backend/Backend.ts"
import type { BatchSampler } from "../data/batches.ts"
import { gatherRows } from "../data/batches.ts"
import type { Split } from "../data/load.ts"
import type { NamedVariable } from "../model/variables.ts"
import type { OptimizerState } from "../optim/Optimizer.ts"
import type { ScheduleReader } from "../schedule/ScheduleReader.ts"
import type { HdetController, SyncOutcome } from "./hdet.ts"
import { type ReplicaState, type Values, valueNodes } from "./host.ts"
import { createPool, meanOf } from "./pool.ts"
import type { RemoteHosts } from "./remote.ts"

/** Checkpoint names: replica 0's variables under their own names, replica r's under `replica<r>/`. */
const checkpointName = (r: number, name: string) => (r === 0 ? name : `replica${r}/${name}`)

/**
 * The trainer's side of an HDET ensemble: it deals out each batch, gathers the replicas' losses and
 * gradients from the pool, and hands back their means as one update's loss and gradients (named as
 * the model's variables), so the rest of the step (non-finite checks, signals, clipping) is the
 * same as for one model. `apply` sends the (clipped) mean gradient back to every replica.
 */
export interface EnsembleRun {
  readonly threads: number
  /** Each replica's training loss of the last update. */
  readonly replicaLosses: () => ReadonlyArray<number>
  forwardBackward(t: number): Promise<{ loss: tf.Scalar; grads: Record<string, tf.Tensor> }>
  apply(grads: Readonly<Record<string, tf.Tensor>>, t: number): Promise<void>
  /** After update `u`: the losses join the window; every `averageEvery` updates (and after the last) the replicas are averaged. */
  after(u: number): Promise<SyncOutcome | undefined>
  /** The replicas' mean weights, in the model's variable order. */
  meanWeights(): Promise<Array<Float32Array>>
  /** Every replica's weights (as checkpoint entries) and optimizer state. */
  state(): Promise<{ readonly weights: Array<{ name: string; shape: ReadonlyArray<number>; values: Float32Array }>; readonly optimizers: Array<OptimizerState> }>
  restore(weights: Readonly<Record<string, Float32Array>>, optimizers: ReadonlyArray<OptimizerState>): Promise<void>
  close(): Promise<void>
}

export interface EnsembleOptions {
  readonly ir: RunIR & { readonly ensemble: NonNullable<RunIR["ensemble"]> }
  readonly train: Split
  readonly shape: ReadonlyArray<number>
  readonly classes: number
  readonly features: number
  /** The model's variables: their names, order and shapes (the replicas are built the same way). */
  readonly variables: ReadonlyArray<NamedVariable>
  readonly sampler: BatchSampler
  readonly hdet: HdetController
  readonly readFor: (r: number) => ScheduleReader
  readonly threads: number
  readonly backend: BackendName
  /** Hosts in other processes for the replicas (`lrs run --cluster`) instead of threads. */
  readonly remote?: RemoteHosts | undefined
}

export const createEnsembleRun = (o: EnsembleOptions): EnsembleRun => {
  const n = o.ir.ensemble.replicas
  const shard = o.ir.batch / n
  const pool = createPool({ ir: o.ir, shape: o.shape, classes: o.classes, features: o.features }, n, o.threads, o.backend, o.remote)
  const nodes = valueNodes(o.ir)
  const valuesAt = (t: number): Array<Values> =>
    Array.from({ length: n }, (_, r) => Object.fromEntries(nodes.map(([key, node]) => [key, o.readFor(r)(node, t)])))
  let losses: ReadonlyArray<number> = []
  return {
    threads: pool.threads,
    replicaLosses: () => losses,
    forwardBackward: async (t) => {
      // Replica r takes the r-th share of the batch, drawn in order.
      const shards = Array.from({ length: n }, () => gatherRows(o.train, o.features, o.sampler.nextBatch(shard)))
      const out = await pool.step(t, shards, valuesAt(t))
      losses = out.losses
      const mean = o.variables.map((_, k) => meanOf(out.grads.map((g) => g[k]!)))
      const loss = losses.reduce((a, b) => a + b, 0) / n
      return tf.tidy(() => ({
        loss: tf.scalar(loss),
        grads: Object.fromEntries(o.variables.map((v, k) => [v.name, tf.tensor(mean[k]!, v.variable.shape)]))
      }))
    },
    apply: async (grads, t) => {
      // The (clipped) mean gradient back as plain data; on a GPU clipping made it device-resident.
      const values = isGpuBackend(o.backend)
        ? await Promise.all(o.variables.map(async (v) => ((await grads[v.name]!.data()) as Float32Array).slice()))
        : o.variables.map((v) => (grads[v.name]!.dataSync() as Float32Array).slice())
      return pool.apply(t, values, valuesAt(t))
    },
    after: async (u) => {
      o.hdet.observe(losses)
      if (u % o.ir.ensemble.averageEvery !== 0 && u !== o.ir.steps) return undefined
      await pool.average()
      return o.hdet.sync(u)
    },
    meanWeights: () => pool.mean(),
    state: async () => {
      const states = await pool.state()
      return {
        weights: states.flatMap((s, r) => o.variables.map((v, k) => ({ name: checkpointName(r, v.name), shape: v.variable.shape, values: s.weights[k]! }))),
        optimizers: states.map((s) => s.optimizer)
      }
    },
    restore: (weights, optimizers) => {
      const states: Array<ReplicaState> = optimizers.map((optimizer, r) => ({
        weights: o.variables.map((v) => {
          const w = weights[checkpointName(r, v.name)]
          if (w === undefined) throw new Error(`the checkpoint lacks ${checkpointName(r, v.name)}`)
          return w
        }),
        optimizer
      }))
      return pool.restore(states)
    },
    close: () => pool.close()
  }
}
