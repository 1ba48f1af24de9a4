import * as tf from "@tensorflow/tfjs"
import type { Activation, MlpIR } from "@lrs/compiler"
import { deriveSeed, rngFromState } from "../data/random.ts"
import type { NamedVariable } from "./variables.ts"

export interface Mlp {
  readonly inputs: number
  readonly classes: number
  readonly activation: Activation
  /** `layer{i}.weight` (`[fanIn, fanOut]`) then `layer{i}.bias` (`[fanOut]`), layer by layer. */
  readonly variables: ReadonlyArray<NamedVariable>
  /** Logits `[batch, classes]` for inputs `[batch, inputs]`; no activation after the last layer. */
  forward(x: tf.Tensor2D): tf.Tensor2D
  dispose(): void
}

const SQRT1_2 = Math.SQRT1_2

const activations: Record<Activation, (x: tf.Tensor2D) => tf.Tensor2D> = {
  relu: (x) => tf.relu(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  // Exact (erf) GELU, as torch.nn.GELU's default; tfjs core has no gelu op.
  gelu: (x) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1))
}

/**
 * An MLP `inputs -> hidden... -> classes` as plain tf.Variables.
 *
 * Init is torch.nn.Linear's default, drawn from our PRNG (stream `"model/init"` of `seed`) so it
 * does not depend on tfjs's RNG: for each layer in order, every weight in row-major `[fanIn,
 * fanOut]` order and then every bias is `U(-1/sqrt(fanIn), 1/sqrt(fanIn))` (computed in float64,
 * stored as float32). Torch's kaiming_uniform_(a=sqrt(5)) reduces to the same bound.
 */
export const createMlp = (ir: MlpIR, inputs: number, classes: number, seed: number): Mlp => {
  const rng = rngFromState(deriveSeed(seed, "model/init"))
  const widths = [inputs, ...ir.hidden, classes]
  const layers: Array<{ readonly weight: tf.Variable; readonly bias: tf.Variable }> = []
  const variables: Array<NamedVariable> = []
  for (let l = 0; l + 1 < widths.length; l++) {
    const fanIn = widths[l]!
    const fanOut = widths[l + 1]!
    const bound = 1 / Math.sqrt(fanIn)
    const w = new Float32Array(fanIn * fanOut)
    for (let i = 0; i < w.length; i++) w[i] = rng.uniformIn(-bound, bound)
    const b = new Float32Array(fanOut)
    for (let i = 0; i < b.length; i++) b[i] = rng.uniformIn(-bound, bound)
    const weight = tf.tidy(() => tf.variable(tf.tensor2d(w, [fanIn, fanOut]), true))
    const bias = tf.tidy(() => tf.variable(tf.tensor1d(b), true))
    layers.push({ weight, bias })
    variables.push({ name: `layer${l}.weight`, variable: weight }, { name: `layer${l}.bias`, variable: bias })
  }
  const act = activations[ir.activation]
  return {
    inputs,
    classes,
    activation: ir.activation,
    variables,
    forward: (x) =>
      tf.tidy(() => {
        let h: tf.Tensor2D = x
        layers.forEach(({ weight, bias }, l) => {
          const z = tf.add(tf.matMul(h, weight as tf.Tensor2D), bias) as tf.Tensor2D
          h = l + 1 < layers.length ? act(z) : z
        })
        return h
      }),
    dispose: () => {
      for (const v of variables) v.variable.dispose()
    }
  }
}

/**
 * Mean softmax cross-entropy of `logits` `[batch, classes]` against integer `labels` `[batch]`
 * (as torch.nn.functional.cross_entropy), via logSoftmax for stability.
 */
export const softmaxCrossEntropy = (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar =>
  tf.tidy(() => {
    const picked = tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), tf.logSoftmax(logits)), 1)
    return tf.neg(tf.mean(picked)) as tf.Scalar
  })
