import * as tf from "@tensorflow/tfjs"
import type { OptimizerIR } from "@lrs/compiler"
import { closedForm, type ScheduleReader } from "../schedule/ScheduleReader.ts"
import type { NamedVariable } from "../model/variables.ts"
import { checkVariableNames, gradientsInOrder } from "./common.ts"
import type { Optimizer } from "./Optimizer.ts"
import { createSlots } from "./slots.ts"

type AdamIR = Extract<OptimizerIR, { kind: "adam" | "adamw" }>

/**
 * torch.optim.Adam / AdamW (amsgrad=False, maximize=False), per parameter p with gradient g, at
 * update number `step` (1-based, counted by this optimizer):
 *
 *     adamw: p = p * (1 - lr * weightDecay)          (decoupled decay, before the Adam update)
 *     adam:  g = g + weightDecay * p                 (coupled L2)
 *     m = beta1 * m + (1 - beta1) * g
 *     v = beta2 * v + (1 - beta2) * g * g
 *     p = p - (lr / (1 - beta1^step)) * m / (sqrt(v) / sqrt(1 - beta2^step) + epsilon)
 *
 * Scheduled betas: like torch, the bias corrections use the *current* step's beta1/beta2 raised
 * to the step count (`1 - beta^step`), not the product of the betas actually used. With constant
 * betas the two agree; with changing betas this matches torch when you edit `param_group["betas"]`.
 * The corrections are computed in float64 and enter the float32 graph as scalars.
 */
export const createAdam = (ir: AdamIR, variables: ReadonlyArray<NamedVariable>, read: ScheduleReader = closedForm): Optimizer => {
  checkVariableNames(variables)
  const m = createSlots()
  const v = createSlots()
  let steps = 0
  const decoupled = ir.kind === "adamw"

  const hyperparameters = (t: number) => ({
    lr: read(ir.lr, t),
    beta1: read(ir.beta1, t),
    beta2: read(ir.beta2, t),
    epsilon: ir.epsilon,
    weightDecay: read(ir.weightDecay, t)
  })

  return {
    kind: ir.kind,
    hyperparameters,
    step: (grads, t) => {
      const gs = gradientsInOrder(variables, grads)
      const { lr, beta1, beta2, epsilon, weightDecay } = hyperparameters(t)
      const step = steps + 1
      const stepSize = lr / (1 - beta1 ** step)
      const bias2Sqrt = Math.sqrt(1 - beta2 ** step)
      tf.tidy(() => {
        variables.forEach((nv, i) => {
          const p = nv.variable
          let g: tf.Tensor = gs[i]!
          let base: tf.Tensor = p
          if (weightDecay !== 0) {
            if (decoupled) base = tf.mul(p, 1 - lr * weightDecay)
            else g = tf.add(g, tf.mul(p, weightDecay))
          }
          const mi = m.getOrZeros(nv)
          const vi = v.getOrZeros(nv)
          mi.assign(tf.add(tf.mul(mi, beta1), tf.mul(g, 1 - beta1)))
          vi.assign(tf.add(tf.mul(vi, beta2), tf.mul(tf.square(g), 1 - beta2)))
          const denom = tf.add(tf.div(tf.sqrt(vi), bias2Sqrt), epsilon)
          p.assign(tf.sub(base, tf.mul(tf.div(mi, denom), stepSize)))
        })
      })
      steps = step
    },
    state: async () => ({ kind: ir.kind, steps, slots: { m: await m.read(), v: await v.read() } }),
    restore: (state) => {
      if (state.kind !== ir.kind) throw new Error(`cannot restore ${state.kind} state into ${ir.kind}`)
      m.write(state.slots["m"] ?? {}, variables)
      v.write(state.slots["v"] ?? {}, variables)
      steps = state.steps
    },
    dispose: () => {
      m.dispose()
      v.dispose()
    }
  }
}
