import type { AverageIR } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import type { NamedVariable } from "../model/variables.ts"

/**
 * What an average holds, as plain data for checkpoints: `ema` one set (the average, after update
 * `step`), `last` the kept weights after each of its last updates, oldest first.
 */
export interface AverageState {
  readonly kind: AverageIR["kind"]
  readonly sets: ReadonlyArray<{ readonly step: number; readonly weights: Readonly<Record<string, Float32Array>> }>
}

/** Averaged weights beside the model's own (`average = ...` of a spec). */
export interface WeightAverage {
  /** Called after update `u` (the count of updates applied) has changed the weights. */
  update(u: number): void
  /** Whether there is an average yet (`ema`: after the first update; `last`: after the first kept update). */
  ready(): boolean
  /** Runs `f` with the averaged weights in the model's variables, then puts the model's own back. */
  withAveraged<A>(f: () => A): A
  /** The same for work that reads asynchronously (a GPU evaluation): the model's own come back once it settles. */
  withAveragedAsync<A>(f: () => Promise<A>): Promise<A>
  /** The tensors `state()` reads: a GPU caller fetches them first (`readAhead`), as `state()` reads synchronously. */
  held(): ReadonlyArray<tf.Tensor>
  state(): AverageState
  restore(state: AverageState): void
  dispose(): void
}

/**
 * `ema(decay)`: torch.optim.swa_utils.AveragedModel with an EMA average function: the first update
 * copies the weights, each later one does `avg += (w - avg) * (1 - decay)` (torch's `lerp_`), in
 * float32 on the backend. `last(count, every)`: the weights after every update that is a multiple
 * of `every`, the newest `count` kept, averaged uniformly when used.
 */
export const createWeightAverage = (ir: AverageIR, variables: ReadonlyArray<NamedVariable>): WeightAverage => {
  // Each set is one tensor per variable, in variable order. Clones share data with the variable
  // they came from; an update assigns the variable new data, so a kept clone never changes.
  let sets: Array<{ step: number; tensors: Array<tf.Tensor> }> = []
  const drop = (set: { tensors: Array<tf.Tensor> }) => tf.dispose(set.tensors)

  const update = (u: number): void => {
    if (ir.kind === "ema") {
      const previous = sets[0]
      const tensors = previous === undefined
        ? variables.map((v) => tf.clone(v.variable))
        : tf.tidy(() => variables.map((v, i) => tf.add(previous.tensors[i]!, tf.mul(tf.sub(v.variable, previous.tensors[i]!), 1 - ir.decay))))
      if (previous !== undefined) drop(previous)
      sets = [{ step: u, tensors }]
      return
    }
    if (u % ir.every !== 0) return
    sets.push({ step: u, tensors: variables.map((v) => tf.clone(v.variable)) })
    while (sets.length > ir.count) drop(sets.shift()!)
  }

  const averaged = (): Array<tf.Tensor> =>
    sets.length === 1
      ? sets[0]!.tensors.map((t) => tf.clone(t))
      : tf.tidy(() => variables.map((_, i) => tf.div(tf.addN(sets.map((s) => s.tensors[i]!)), sets.length)))

  /** Puts the averaged weights in the variables; the returned function puts the model's own back. */
  const swapIn = (): (() => void) => {
    if (sets.length === 0) throw new Error("no averaged weights yet")
    const own = variables.map((v) => tf.clone(v.variable))
    const average = averaged()
    variables.forEach((v, i) => v.variable.assign(average[i]!))
    return () => {
      variables.forEach((v, i) => v.variable.assign(own[i]!))
      tf.dispose([...own, ...average])
    }
  }

  return {
    update,
    ready: () => sets.length > 0,
    withAveraged: (f) => {
      const restore = swapIn()
      try {
        return f()
      } finally {
        restore()
      }
    },
    withAveragedAsync: async (f) => {
      const restore = swapIn()
      try {
        return await f()
      } finally {
        restore()
      }
    },
    held: () => sets.flatMap((s) => s.tensors),
    state: () => ({
      kind: ir.kind,
      sets: sets.map((s) => ({ step: s.step, weights: Object.fromEntries(variables.map((v, i) => [v.name, (s.tensors[i]!.dataSync() as Float32Array).slice()])) }))
    }),
    restore: (state) => {
      if (state.kind !== ir.kind) throw new Error(`cannot restore a \`${state.kind}\` average into \`${ir.kind}\``)
      sets.forEach(drop)
      sets = state.sets.map((s) => ({
        step: s.step,
        tensors: variables.map((v) => {
          const w = s.weights[v.name]
          if (w === undefined) throw new Error(`the saved average lacks ${v.name}`)
          return tf.tensor(w, v.variable.shape)
        })
      }))
    },
    dispose: () => {
      sets.forEach(drop)
      sets = []
    }
  }
}
