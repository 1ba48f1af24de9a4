import * as tf from "@tensorflow/tfjs"
import type { Rng } from "../data/random.ts"
import type { Model } from "../model/create.ts"
import { softmaxCrossEntropy } from "../model/mlp.ts"
import { lossAndGradients } from "../model/variables.ts"

/**
 * EWC's diagonal Fisher at the current weights: per-example gradients of the log-likelihood,
 * squared and averaged over the given examples, with the true labels (`empirical`) or labels drawn
 * with `rng` from the model's prediction (`sampled`). Per example, not squared mini-batch means,
 * which understate F by about the batch size. Two readers of the same computation: synchronous
 * (cpu, wasm: sums on the CPU, as before) and asynchronous (GPU: sums on the device, one read at
 * the end; a sampled label still needs its prediction read first).
 */
export interface FisherInput {
  readonly model: Model
  readonly features: number
  readonly classes: number
  /** The examples, row-major, with the task's logit mask when it has one. */
  readonly examples: { readonly x: Float32Array; readonly y: Int32Array; readonly mask?: Float32Array | undefined }
  readonly sampled: boolean
  readonly rng: Rng
}

/** Example `i`'s logits (masked as in training): a function, so it can run inside the gradient tape. */
const logitsOf = (input: FisherInput, i: number) => {
  const { features, classes, examples } = input
  const x = tf.tensor2d(examples.x.subarray(i * features, (i + 1) * features), [1, features])
  const mask = examples.mask === undefined ? undefined : tf.tensor2d(examples.mask.subarray(i * classes, (i + 1) * classes), [1, classes])
  return () => {
    const logits = input.model.forward(x, { training: false, step: 0 })
    return mask === undefined ? logits : tf.add(logits, mask) as tf.Tensor2D
  }
}

/** A label drawn from probabilities `p` with one uniform of `rng` (the last class when rounding leaves some mass). */
const draw = (p: ArrayLike<number>, classes: number, rng: Rng): number => {
  let u = rng.uniform()
  for (let c = 0; c < classes; c++) if ((u -= p[c]!) < 0) return c
  return classes - 1
}

/** The log-likelihood gradients of example `i` under `label`, per variable (the caller disposes them). */
const gradientsOf = (input: FisherInput, i: number, label: number): Record<string, tf.Tensor> =>
  tf.tidy(() => {
    const logits = logitsOf(input, i)
    return lossAndGradients(() => softmaxCrossEntropy(logits(), tf.tensor1d([label], "int32")), input.model.variables).grads
  })

const probabilities = (input: FisherInput, i: number): tf.Tensor => tf.tidy(() => tf.softmax(logitsOf(input, i)()))

export const fisher = (input: FisherInput): Array<Float32Array> => {
  const { model, examples } = input
  const n = examples.y.length
  const sums = model.variables.map((v) => new Float32Array(v.variable.size))
  for (let i = 0; i < n; i++) {
    let label = examples.y[i]!
    if (input.sampled) {
      const p = probabilities(input, i)
      label = draw(p.dataSync(), input.classes, input.rng)
      p.dispose()
    }
    const grads = gradientsOf(input, i, label)
    model.variables.forEach((v, j) => {
      const g = grads[v.name]!.dataSync()
      const sum = sums[j]!
      for (let e = 0; e < sum.length; e++) sum[e]! += g[e]! * g[e]!
    })
    tf.dispose(Object.values(grads))
  }
  return sums.map((s) => s.map((v) => v / n))
}

export const fisherAsync = async (input: FisherInput): Promise<Array<Float32Array>> => {
  const { model, examples } = input
  const n = examples.y.length
  let sums = model.variables.map((v) => tf.zeros(v.variable.shape))
  try {
    for (let i = 0; i < n; i++) {
      let label = examples.y[i]!
      if (input.sampled) {
        const p = probabilities(input, i)
        try {
          label = draw(await p.data(), input.classes, input.rng)
        } finally {
          p.dispose()
        }
      }
      const grads = gradientsOf(input, i, label)
      const next = tf.tidy(() => model.variables.map((v, j) => tf.add(sums[j]!, tf.square(grads[v.name]!))))
      tf.dispose([...sums, ...Object.values(grads)])
      sums = next
    }
    const read = await Promise.all(sums.map((s) => s.data()))
    return read.map((s) => Float32Array.from(s, (v) => v / n))
  } finally {
    tf.dispose(sums)
  }
}
