import * as tf from "@tensorflow/tfjs"
import type { Split } from "../data/load.ts"
import type { Model } from "../model/create.ts"

/**
 * Each example's cross-entropy under `model` in evaluation mode (no dropout), in chunks of 1,000
 * so a large split never becomes one huge activation tensor. Lower is easier.
 */
export const perExampleLoss = (model: Model, split: Split, features: number): Float32Array => {
  const out = new Float32Array(split.n)
  const chunk = 1000
  for (let start = 0; start < split.n; start += chunk) {
    const n = Math.min(chunk, split.n - start)
    const losses = tf.tidy(() => {
      const x = tf.tensor2d(split.x.subarray(start * features, (start + n) * features), [n, features])
      const y = tf.tensor1d(split.y.subarray(start, start + n), "int32")
      const logits = model.forward(x, { training: false, step: 0 })
      return tf.neg(tf.sum(tf.mul(tf.oneHot(y, logits.shape[1]!), tf.logSoftmax(logits)), 1))
    })
    out.set(losses.dataSync() as Float32Array, start)
    losses.dispose()
  }
  return out
}
