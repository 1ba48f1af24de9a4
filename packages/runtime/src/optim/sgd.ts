import * as tf from "@tensorflow/tfjs"
import type { OptimizerIR } from "@lrs/compiler"
import { closedForm, type ScheduleReader } from "../schedule/ScheduleReader.ts"
import type { NamedVariable } from "../model/variables.ts"
import { checkVariableNames, gradientsInOrder } from "./common.ts"
import type { Optimizer } from "./Optimizer.ts"
import { createSlots } from "./slots.ts"

type SgdIR = Extract<OptimizerIR, { kind: "sgd" }>

/**
 * torch.optim.SGD (maximize=False), per parameter p with gradient g:
 *
 *     g = g + weightDecay * p                      (coupled L2, if weightDecay != 0)
 *     if momentum != 0:
 *       buf = g                                    (first step with momentum: no dampening)
 *       buf = momentum * buf + (1 - dampening) * g (later steps)
 *       g = nesterov ? g + momentum * buf : buf
 *     p = p - lr * g
 *
 * With a scheduled momentum the buffer is created at the first step whose momentum is non-zero
 * and left untouched on steps where it is zero, exactly as torch does when
 * `param_group["momentum"]` is changed between steps.
 */
export const createSgd = (ir: SgdIR, variables: ReadonlyArray<NamedVariable>, read: ScheduleReader = closedForm): Optimizer => {
  checkVariableNames(variables)
  const momentumBuffers = createSlots()
  let steps = 0

  const hyperparameters = (t: number) => ({
    lr: read(ir.lr, t),
    momentum: read(ir.momentum, t),
    dampening: ir.dampening,
    weightDecay: read(ir.weightDecay, t)
  })

  return {
    kind: "sgd",
    hyperparameters,
    step: (grads, t) => {
      const gs = gradientsInOrder(variables, grads)
      const { lr, momentum, dampening, weightDecay } = hyperparameters(t)
      tf.tidy(() => {
        variables.forEach((v, i) => {
          const p = v.variable
          let g: tf.Tensor = gs[i]!
          if (weightDecay !== 0) g = tf.add(g, tf.mul(p, weightDecay))
          if (momentum !== 0) {
            const buf = momentumBuffers.get(v.name)
            if (buf === undefined) momentumBuffers.set(v, g)
            else buf.assign(tf.add(tf.mul(buf, momentum), tf.mul(g, 1 - dampening)))
            const updated = momentumBuffers.get(v.name)!
            g = ir.nesterov ? tf.add(g, tf.mul(updated, momentum)) : updated
          }
          p.assign(tf.sub(p, tf.mul(g, lr)))
        })
      })
      steps++
    },
    state: async () => ({ kind: "sgd", steps, slots: { momentum: await momentumBuffers.read() } }),
    restore: (state) => {
      if (state.kind !== "sgd") throw new Error(`cannot restore ${state.kind} state into sgd`)
      momentumBuffers.write(state.slots["momentum"] ?? {}, variables)
      steps = state.steps
    },
    dispose: () => momentumBuffers.dispose()
  }
}
