import type * as tf from "@tensorflow/tfjs"
import type { ModelIR } from "@lrs/compiler"
import { createCnn } from "./cnn.ts"
import type { ForwardOptions } from "./layers.ts"
import { createMlp } from "./mlp.ts"
import type { NamedVariable } from "./variables.ts"

export type { ForwardOptions } from "./layers.ts"

/**
 * A model the trainer can run without knowing its kind: trainable variables (stable names, fixed
 * order) and a forward pass to logits.
 */
export interface Model {
  readonly variables: ReadonlyArray<NamedVariable>
  /**
   * Logits `[batch, classes]` (no softmax). `x` is `[batch, ...inputShape]` or the same values
   * flattened row-major to `[batch, product(inputShape)]` (the trainer passes images as
   * `[batch, 784]`); each model reshapes inside. Dropout is active only when `options.training`,
   * with probability `evaluateSchedule(ir.dropout, options.step)`. Runs in its own `tf.tidy`: only
   * the returned tensor survives. Call inside `lossAndGradients` to train.
   */
  forward(x: tf.Tensor, options: ForwardOptions): tf.Tensor2D
  /** Disposes the variables. */
  dispose(): void
}

/**
 * The model `ir` describes, for inputs of `inputShape` (one example, no batch axis: `[features]`
 * for tabular data, `[28, 28, 1]` (height, width, channels) for images) and `classes` outputs,
 * initialised from `seed` (PyTorch's default init, drawn from our PRNG). An MLP takes any input
 * shape (flattened); a CNN needs `[height, width, channels]`.
 */
export const createModel = (ir: ModelIR, inputShape: ReadonlyArray<number>, classes: number, seed: number): Model => {
  switch (ir.kind) {
    case "mlp":
      return createMlp(ir, inputShape.reduce((a, b) => a * b, 1), classes, seed)
    case "cnn": {
      if (inputShape.length !== 3) {
        throw new Error(`a cnn needs images [height, width, channels]; got inputs of shape [${inputShape.join(", ")}]`)
      }
      const [h, w, c] = inputShape as [number, number, number]
      return createCnn(ir, [h, w, c], classes, seed)
    }
    case "gru":
      // The compiler allows a GRU only as the policy of a token task's rl loop.
      throw new Error("a gru is a token policy for an rl experiment, not a classifier")
  }
}
