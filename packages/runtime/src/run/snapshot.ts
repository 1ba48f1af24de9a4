import * as tf from "@tensorflow/tfjs"
import type { BatchSampler, BatchSamplerState } from "../data/batches.ts"
import type { NamedVariable } from "../model/variables.ts"
import type { Optimizer, OptimizerState } from "../optim/Optimizer.ts"
import type { AverageState, WeightAverage } from "./average.ts"

/** What later updates depend on and training changes: the state a snapshot copies. */
export interface TrainingState {
  readonly variables: ReadonlyArray<NamedVariable>
  readonly optimizer: Optimizer
  readonly sampler: BatchSampler
  readonly average: WeightAverage | undefined
}

/**
 * A copy, in memory, of the training state after `step` updates: taken before a search tries
 * candidates (each trial starts from it, and the chosen one goes on from it) and at checkpoints for
 * `on_nonfinite = rollback`. Signals and controllers are not in it: trials do not observe.
 */
export interface RunSnapshot {
  readonly step: number
  readonly weights: ReadonlyArray<Float32Array>
  readonly optimizer: OptimizerState
  readonly sampler: BatchSamplerState
  readonly average?: AverageState
}

export const takeSnapshot = async (state: TrainingState, step: number): Promise<RunSnapshot> => ({
  step,
  weights: state.variables.map((v) => (v.variable.dataSync() as Float32Array).slice()),
  optimizer: await state.optimizer.state(),
  sampler: state.sampler.state(),
  ...(state.average === undefined ? {} : { average: state.average.state() })
})

/**
 * Puts a snapshot back in place. `data: false` keeps the sampler where it is, so training goes on
 * with the next batches rather than the ones it already saw (a rollback after a non-finite loss).
 */
export const restoreSnapshot = (state: TrainingState, snapshot: RunSnapshot, options: { readonly data: boolean }): void => {
  state.variables.forEach((v, i) => tf.tidy(() => v.variable.assign(tf.tensor(snapshot.weights[i]!, v.variable.shape))))
  state.optimizer.restore(snapshot.optimizer)
  if (options.data) state.sampler.restore(snapshot.sampler)
  if (state.average !== undefined && snapshot.average !== undefined) state.average.restore(snapshot.average)
}
