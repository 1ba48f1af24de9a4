import * as tf from "@tensorflow/tfjs"

/**
 * A trainable tensor with our stable name (`layer0.weight`). tfjs requires variable names to be
 * unique per process, so the tf.Variable keeps an auto-generated name and we map by ours.
 */
export interface NamedVariable {
  readonly name: string
  readonly variable: tf.Variable
}

/**
 * Loss and gradients of `loss` with respect to `variables`, keyed by our names. The caller owns
 * (and must dispose) the returned loss and gradient tensors; intermediates are freed. A variable
 * the loss does not reach is an error, or with `unreached: "zeros"` gets a zero gradient (GRPO never
 * touches a policy's value head; Adam then leaves it exactly as it is).
 */
export const lossAndGradients = (
  loss: () => tf.Scalar,
  variables: ReadonlyArray<NamedVariable>,
  options: { readonly unreached?: "error" | "zeros" } = {}
): { readonly loss: tf.Scalar; readonly grads: Record<string, tf.Tensor> } => {
  const { value, grads: byTfName } = tf.variableGrads(loss, variables.map((v) => v.variable))
  const grads: Record<string, tf.Tensor> = {}
  for (const v of variables) {
    const g = byTfName[v.variable.name]
    if (g !== undefined) grads[v.name] = g
    else if (options.unreached === "zeros") grads[v.name] = tf.zerosLike(v.variable)
    else throw new Error(`no gradient for ${v.name}`)
  }
  return { loss: value, grads }
}
