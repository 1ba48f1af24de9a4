import type * as tf from "@tensorflow/tfjs"
import * as tfOps from "@tensorflow/tfjs"
import type { NamedVariable } from "../model/variables.ts"

/** The gradient of each variable, in variable order; every variable must have one of its shape. */
export const gradientsInOrder = (
  variables: ReadonlyArray<NamedVariable>,
  grads: Readonly<Record<string, tf.Tensor>>
): Array<tf.Tensor> =>
  variables.map(({ name, variable }) => {
    const g = grads[name]
    if (g === undefined) throw new Error(`missing gradient for ${name}`)
    if (g.size !== variable.size) throw new Error(`gradient for ${name} has shape [${g.shape}], variable has [${variable.shape}]`)
    return g
  })

export const checkVariableNames = (variables: ReadonlyArray<NamedVariable>): void => {
  const seen = new Set<string>()
  for (const { name } of variables) {
    if (seen.has(name)) throw new Error(`duplicate variable name ${name}`)
    seen.add(name)
  }
}

/** The global L2 norm of a set of tensors (gradients, or weights), as a scalar tensor the caller owns. */
export const globalNorm = (tensors: ReadonlyArray<tf.Tensor>): tf.Scalar =>
  tfOps.tidy(() => tfOps.sqrt(tfOps.addN(tensors.map((g) => tfOps.sum(tfOps.square(g))))) as tf.Scalar)

/**
 * `torch.nn.utils.clip_grad_norm_`'s scaling: every gradient times `maxNorm / (norm + 1e-6)` when
 * that is below 1. Replaces (and disposes) the entries of `grads` it scales.
 */
export const scaleToNorm = (grads: Record<string, tf.Tensor>, norm: number, maxNorm: number): void => {
  const scale = maxNorm / (norm + 1e-6)
  if (scale >= 1) return
  for (const [name, g] of Object.entries(grads)) {
    grads[name] = tfOps.tidy(() => tfOps.mul(g, scale))
    g.dispose()
  }
}
