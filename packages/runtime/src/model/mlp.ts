import * as tf from "@tensorflow/tfjs"
import type { Activation, MlpIR } from "@lrs/compiler"
import type { Model } from "./create.ts"
import {
  activations,
  denseVariables,
  dropout,
  dropoutAt,
  evaluation,
  type ForwardOptions,
  initRng,
  layerNorm,
  variableOf
} from "./layers.ts"
import type { NamedVariable } from "./variables.ts"

export interface Mlp extends Model {
  readonly inputs: number
  readonly classes: number
  readonly activation: Activation
  /**
   * Per layer `i`, in order: `layer{i}.weight` (`[fanIn, fanOut]`), `layer{i}.bias` (`[fanOut]`),
   * then for hidden layers with layer norm `layer{i}.norm.weight` (gain, `[fanOut]`, init 1) and
   * `layer{i}.norm.bias` (`[fanOut]`, init 0).
   */
  readonly variables: ReadonlyArray<NamedVariable>
  /**
   * Logits `[batch, classes]` for inputs `[batch, inputs]` (any `[batch, ...]` whose trailing axes
   * hold `inputs` values is flattened row-major); no activation after the last layer. `options`
   * defaults to evaluation (no dropout).
   */
  forward(x: tf.Tensor, options?: ForwardOptions): tf.Tensor2D
}

interface Layer {
  readonly weight: tf.Variable
  readonly bias: tf.Variable
  readonly norm?: { readonly gain: tf.Variable; readonly bias: tf.Variable }
}

/**
 * An MLP `inputs -> hidden... -> classes` as plain tf.Variables. Each hidden layer is
 * `affine -> [layer norm] -> activation -> [dropout]`; the last is affine only.
 *
 * Init is torch.nn.Linear's default, drawn from our PRNG (stream `"model/init"` of `seed`) so it
 * does not depend on tfjs's RNG: for each layer in order, every weight in row-major `[fanIn,
 * fanOut]` order and then every bias is `U(-1/sqrt(fanIn), 1/sqrt(fanIn))` (computed in float64,
 * stored as float32). Torch's kaiming_uniform_(a=sqrt(5)) reduces to the same bound. Layer norm
 * (`ir.layerNorm`) is torch.nn.LayerNorm (eps 1e-5, gain 1, bias 0) and draws nothing, so turning
 * it on does not change the linear layers' init.
 *
 * Dropout (`ir.dropout`, a schedule of the step) follows each hidden activation while training:
 * inverted (survivors scaled by `1/(1-p)`) with masks drawn from (seed, layer, step); see
 * `dropoutMask`.
 */
export const createMlp = (ir: MlpIR, inputs: number, classes: number, seed: number): Mlp => {
  const rng = initRng(seed)
  const widths = [inputs, ...ir.hidden, classes]
  const layers: Array<Layer> = []
  const variables: Array<NamedVariable> = []
  for (let l = 0; l + 1 < widths.length; l++) {
    const fanIn = widths[l]!
    const fanOut = widths[l + 1]!
    const { weight, bias } = denseVariables(rng, fanIn, fanOut)
    variables.push({ name: `layer${l}.weight`, variable: weight }, { name: `layer${l}.bias`, variable: bias })
    const hidden = l + 2 < widths.length
    if (hidden && ir.layerNorm === true) {
      const norm = {
        gain: variableOf(new Float32Array(fanOut).fill(1), [fanOut]),
        bias: variableOf(new Float32Array(fanOut), [fanOut])
      }
      variables.push({ name: `layer${l}.norm.weight`, variable: norm.gain }, { name: `layer${l}.norm.bias`, variable: norm.bias })
      layers.push({ weight, bias, norm })
    } else {
      layers.push({ weight, bias })
    }
  }
  const act = activations[ir.activation]
  return {
    inputs,
    classes,
    activation: ir.activation,
    variables,
    forward: (x, options = evaluation) =>
      tf.tidy(() => {
        const p = options.training ? dropoutAt(ir.dropout, options.step, options.read) : 0
        let h = (x.rank === 2 ? x : tf.reshape(x, [x.shape[0]!, inputs])) as tf.Tensor2D
        layers.forEach(({ weight, bias, norm }, l) => {
          let z = tf.add(tf.matMul(h, weight as tf.Tensor2D), bias) as tf.Tensor2D
          if (l + 1 === layers.length) {
            h = z
            return
          }
          if (norm !== undefined) z = layerNorm(z, norm.gain, norm.bias)
          h = dropout(act(z), p, seed, `layer${l}`, options.step)
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
