import * as tf from "@tensorflow/tfjs"
import type { NamedVariable } from "../model/variables.ts"
import type { SlotState } from "./Optimizer.ts"

/**
 * Per-variable optimizer buffers (momentum, Adam moments) as non-trainable tf.Variables, created
 * lazily so torch's "buffer is None until first used" semantics can be mirrored.
 */
export interface Slots {
  get(variable: string): tf.Variable | undefined
  /** The slot of `variable`, created as zeros on first use. */
  getOrZeros(v: NamedVariable): tf.Variable
  /** Sets the slot of `variable` to `value`, creating it on first use. */
  set(v: NamedVariable, value: tf.Tensor): void
  read(): Promise<Record<string, SlotState>>
  write(saved: Readonly<Record<string, SlotState>>, variables: ReadonlyArray<NamedVariable>): void
  dispose(): void
}

export const createSlots = (): Slots => {
  const byName = new Map<string, tf.Variable>()
  const set = (v: NamedVariable, value: tf.Tensor): void => {
    const existing = byName.get(v.name)
    if (existing !== undefined) existing.assign(value)
    else byName.set(v.name, tf.variable(value, false))
  }
  const dispose = (): void => {
    for (const s of byName.values()) s.dispose()
    byName.clear()
  }
  return {
    get: (name) => byName.get(name),
    getOrZeros: (v) => {
      const existing = byName.get(v.name)
      if (existing !== undefined) return existing
      const created = tf.tidy(() => tf.variable(tf.zerosLike(v.variable), false))
      byName.set(v.name, created)
      return created
    },
    set,
    read: async () => {
      const out: Record<string, SlotState> = {}
      // Copy: on cpu, data() can hand back the backend's own storage.
      for (const [name, s] of byName) out[name] = { shape: [...s.shape], values: ((await s.data()) as Float32Array).slice() }
      return out
    },
    write: (saved, variables) => {
      const known = new Map(variables.map((v) => [v.name, v]))
      for (const name of Object.keys(saved)) {
        if (!known.has(name)) throw new Error(`optimizer state has a slot for unknown variable ${name}`)
      }
      dispose()
      for (const [name, { shape, values }] of Object.entries(saved)) {
        const v = known.get(name)!
        if (!tf.util.arraysEqual(shape as Array<number>, v.variable.shape)) {
          throw new Error(`optimizer slot ${name} has shape [${shape}], variable has [${v.variable.shape}]`)
        }
        tf.tidy(() => set(v, tf.tensor(values, [...shape], "float32")))
      }
    },
    dispose
  }
}
