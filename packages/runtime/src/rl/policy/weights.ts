import * as tf from "@tensorflow/tfjs"
import type { NamedVariable } from "../../model/variables.ts"
import type { SlotState } from "../../optim/Optimizer.ts"

/** A policy's weights by variable name: plain data, checkpointed like optimizer slots. */
export type PolicyWeights = Readonly<Record<string, SlotState>>

/** What every policy here shares: named trainable variables that can be saved, restored and freed. */
export interface PolicyParameters {
  /** In creation order (which is also the init's draw order). */
  readonly variables: ReadonlyArray<NamedVariable>
  /** Copies the weights out (synchronous: cpu and wasm read back without blocking). */
  state(): PolicyWeights
  /** Overwrites the weights with a saved state of the same architecture. */
  restore(saved: PolicyWeights): void
  dispose(): void
}

export const readWeights = (variables: ReadonlyArray<NamedVariable>): PolicyWeights => {
  const out: Record<string, SlotState> = {}
  // Copy: on cpu, dataSync can hand back the backend's own storage.
  for (const { name, variable } of variables) out[name] = { shape: [...variable.shape], values: (variable.dataSync() as Float32Array).slice() }
  return out
}

export const writeWeights = (variables: ReadonlyArray<NamedVariable>, saved: PolicyWeights): void => {
  const names = new Set(variables.map((v) => v.name))
  for (const name of Object.keys(saved)) if (!names.has(name)) throw new Error(`saved policy has unknown variable ${name}`)
  for (const { name, variable } of variables) {
    const w = saved[name]
    if (w === undefined) throw new Error(`saved policy lacks variable ${name}`)
    if (!tf.util.arraysEqual([...w.shape], variable.shape)) throw new Error(`saved ${name} has shape [${w.shape}], the policy has [${variable.shape}]`)
    tf.tidy(() => variable.assign(tf.tensor(w.values, [...w.shape], "float32")))
  }
}

/** A trainable variable holding `values` (nothing else survives). */
export const trainable = (values: Float32Array, shape: ReadonlyArray<number>): tf.Variable =>
  tf.tidy(() => tf.variable(tf.tensor(values, [...shape], "float32"), true))
