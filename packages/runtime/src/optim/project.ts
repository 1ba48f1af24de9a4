import * as tf from "@tensorflow/tfjs"
import type { NamedVariable } from "../model/variables.ts"
import type { Optimizer } from "./Optimizer.ts"

/**
 * Normalize-and-Project's projection (Lyle et al. 2024, as the reference reimplementation does it):
 * after every update each weight matrix (rank >= 2; biases and norm gains/offsets are left alone)
 * is rescaled to its Frobenius norm at creation, `W = W * |W_0| / |W|`. The norms stay on the
 * device, so nothing is read back.
 */
export const withProjection = (inner: Optimizer, variables: ReadonlyArray<NamedVariable>): Optimizer => {
  const matrices = variables.filter((v) => v.variable.rank >= 2)
  const norms = matrices.map((v) => tf.tidy(() => tf.norm(v.variable)))
  return {
    ...inner,
    step: (grads, t) => {
      inner.step(grads, t)
      tf.tidy(() => matrices.forEach((v, i) => v.variable.assign(tf.mul(v.variable, tf.div(norms[i]!, tf.norm(v.variable))))))
    },
    dispose: () => {
      inner.dispose()
      tf.dispose(norms)
    }
  }
}
