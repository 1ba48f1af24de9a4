import * as tf from "@tensorflow/tfjs"
import type { OptimizerIR } from "@lrs/compiler"
import { closedForm, type ScheduleReader } from "../schedule/ScheduleReader.ts"
import type { NamedVariable } from "../model/variables.ts"
import { checkVariableNames, gradientsInOrder } from "./common.ts"
import type { Optimizer } from "./Optimizer.ts"
import { createSlots } from "./slots.ts"

type ClasspIR = Extract<OptimizerIR, { kind: "classp" }>

/**
 * CLASSP (Ludwig 2024) as its README states it, element by element (its released code tests the
 * whole tensor at once and does not store the power: see the research notes):
 *
 *     m = g^2 > threshold
 *     S = S + m * |g|^power                         (the adjustment history, zeros at first)
 *     w = w - m * lr * g / (epsilon + S)^(1/power)  (scaling; without it w = w - m * lr * g)
 *
 * With power 1 this is AdaGrad with an L1 accumulator; weights that moved often move less.
 */
export const createClassp = (ir: ClasspIR, variables: ReadonlyArray<NamedVariable>, read: ScheduleReader = closedForm): Optimizer => {
  checkVariableNames(variables)
  const sums = createSlots()
  let steps = 0
  const hyperparameters = (t: number) => ({ lr: read(ir.lr, t), threshold: ir.threshold, epsilon: ir.epsilon, power: ir.power })
  return {
    kind: "classp",
    hyperparameters,
    step: (grads, t) => {
      const gs = gradientsInOrder(variables, grads)
      const { lr } = hyperparameters(t)
      tf.tidy(() => {
        variables.forEach((v, i) => {
          const g = gs[i]!
          const mask = tf.cast(tf.greater(tf.square(g), ir.threshold), "float32")
          const sum = sums.getOrZeros(v)
          sum.assign(tf.add(sum, tf.mul(mask, ir.power === 1 ? tf.abs(g) : tf.pow(tf.abs(g), ir.power))))
          const step = ir.scaling
            ? tf.div(tf.mul(g, lr), ir.power === 1 ? tf.add(sum, ir.epsilon) : tf.pow(tf.add(sum, ir.epsilon), 1 / ir.power))
            : tf.mul(g, lr)
          v.variable.assign(tf.sub(v.variable, tf.mul(mask, step)))
        })
      })
      steps++
    },
    state: async () => ({ kind: "classp", steps, slots: { sum: await sums.read() } }),
    restore: (state) => {
      if (state.kind !== "classp") throw new Error(`cannot restore ${state.kind} state into classp`)
      sums.write(state.slots["sum"] ?? {}, variables)
      steps = state.steps
    },
    dispose: () => sums.dispose()
  }
}
