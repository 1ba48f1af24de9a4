import * as tf from "@tensorflow/tfjs"
import type { Activation, CnnIR } from "@lrs/compiler"
import type { Model } from "./create.ts"
import { activations, denseVariables, dropout, dropoutAt, evaluation, type ForwardOptions, initRng, uniformValues, variableOf } from "./layers.ts"
import type { NamedVariable } from "./variables.ts"

export interface Cnn extends Model {
  /** `[height, width, channels]` of one image (NHWC). */
  readonly inputShape: readonly [number, number, number]
  readonly classes: number
  readonly activation: Activation
  /**
   * In order: `conv{i}.weight` (`[k, k, inChannels, outChannels]`, tfjs's filter layout; torch's is
   * `[out, in, k, k]`) and `conv{i}.bias` (`[outChannels]`) per conv layer; then `dense{j}.weight`
   * (`[fanIn, fanOut]`) and `dense{j}.bias` per dense layer, the last `dense{dense.length}` being
   * the output layer (`fanOut = classes`).
   */
  readonly variables: ReadonlyArray<NamedVariable>
  /** Features after the conv stack (`h * w * c` of the last pooled map), the first dense layer's fanIn. */
  readonly flatFeatures: number
  /**
   * Logits `[batch, classes]` for images `[batch, height * width * channels]` (row-major, i.e. HWC
   * order, as IDX files store 28x28 pixels) or `[batch, height, width, channels]`. `options`
   * defaults to evaluation (no dropout).
   */
  forward(x: tf.Tensor, options?: ForwardOptions): tf.Tensor2D
}

/**
 * A small image CNN as plain tf.Variables, NHWC throughout. Shapes for Fashion-MNIST with
 * `channels [32, 64]`, `kernel 3`, `dense [128]`, 10 classes:
 *
 *     x [B, 784] -> reshape [B, 28, 28, 1]
 *     conv0 3x3, 1 -> 32, same padding, stride 1, + bias, activation  [B, 28, 28, 32]
 *     max-pool 2x2 stride 2 (valid: odd sizes floor, as torch)        [B, 14, 14, 32]
 *     conv1 3x3, 32 -> 64, same, activation                           [B, 14, 14, 64]
 *     max-pool                                                        [B, 7, 7, 64]
 *     flatten (h, w, c order; torch flattens c, h, w)                 [B, 3136]
 *     dense0 3136 -> 128, activation, dropout                         [B, 128]
 *     dense1 128 -> 10 (logits)                                       [B, 10]
 *
 * Init is torch's default for Conv2d and Linear (kaiming_uniform_ with a = sqrt(5), which is
 * `U(-1/sqrt(fanIn), 1/sqrt(fanIn))`, and the same bound for biases), with `fanIn = inChannels *
 * k * k` for convs and the input width for dense layers. Draws come from our PRNG (stream
 * `"model/init"` of `seed`): layer by layer, every weight in row-major order of its stored shape,
 * then every bias (float64, stored as float32).
 *
 * Dropout (`ir.dropout`, a schedule of the step) follows each hidden dense activation while
 * training (not the conv layers), inverted, with masks drawn from (seed, layer, step).
 */
export const createCnn = (
  ir: CnnIR,
  inputShape: readonly [number, number, number],
  classes: number,
  seed: number
): Cnn => {
  const rng = initRng(seed)
  const variables: Array<NamedVariable> = []
  const k = ir.kernel
  let [h, w, c] = inputShape
  const convs: Array<{ readonly filter: tf.Variable; readonly bias: tf.Variable }> = []
  ir.channels.forEach((out, i) => {
    const bound = 1 / Math.sqrt(c * k * k)
    const filter = variableOf(uniformValues(rng, k * k * c * out, bound), [k, k, c, out])
    const bias = variableOf(uniformValues(rng, out, bound), [out])
    variables.push({ name: `conv${i}.weight`, variable: filter }, { name: `conv${i}.bias`, variable: bias })
    convs.push({ filter, bias })
    h = Math.floor(h / 2)
    w = Math.floor(w / 2)
    c = out
  })
  const flatFeatures = h * w * c
  if (flatFeatures === 0) {
    throw new Error(`${ir.channels.length} 2x2 poolings leave nothing of a ${inputShape[0]}x${inputShape[1]} image`)
  }
  const widths = [flatFeatures, ...ir.dense, classes]
  const denses: Array<{ readonly weight: tf.Variable; readonly bias: tf.Variable }> = []
  for (let l = 0; l + 1 < widths.length; l++) {
    const { weight, bias } = denseVariables(rng, widths[l]!, widths[l + 1]!)
    variables.push({ name: `dense${l}.weight`, variable: weight }, { name: `dense${l}.bias`, variable: bias })
    denses.push({ weight, bias })
  }
  const act = activations[ir.activation]
  return {
    inputShape,
    classes,
    activation: ir.activation,
    variables,
    flatFeatures,
    forward: (x, options = evaluation) =>
      tf.tidy(() => {
        const p = options.training ? dropoutAt(ir.dropout, options.step, options.read) : 0
        let a = tf.reshape(x, [x.shape[0]!, ...inputShape]) as tf.Tensor4D
        for (const { filter, bias } of convs) {
          a = act(tf.add(tf.conv2d(a, filter as tf.Tensor4D, 1, "same"), bias) as tf.Tensor4D)
          a = tf.maxPool(a, 2, 2, "valid")
        }
        let z = tf.reshape(a, [a.shape[0], flatFeatures]) as tf.Tensor2D
        denses.forEach(({ weight, bias }, l) => {
          z = tf.add(tf.matMul(z, weight as tf.Tensor2D), bias) as tf.Tensor2D
          if (l + 1 < denses.length) z = dropout(act(z), p, seed, `dense${l}`, options.step)
        })
        return z
      }),
    dispose: () => {
      for (const v of variables) v.variable.dispose()
    }
  }
}
