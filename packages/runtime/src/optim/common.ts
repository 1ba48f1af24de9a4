import type * as tf from "@tensorflow/tfjs"
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
