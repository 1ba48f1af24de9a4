import * as tf from "@tensorflow/tfjs"
import type { Split } from "../data/load.ts"
import type { Model } from "../model/create.ts"

const chunk = 1000

/** Each example's cross-entropy of examples `start..start+n` as a `[n]` tensor (the caller disposes it). */
const chunkLosses = (model: Model, split: Split, features: number, start: number, n: number): tf.Tensor1D =>
  tf.tidy(() => {
    const x = tf.tensor2d(split.x.subarray(start * features, (start + n) * features), [n, features])
    const y = tf.tensor1d(split.y.subarray(start, start + n), "int32")
    const logits = model.forward(x, { training: false, step: 0 })
    return tf.neg(tf.sum(tf.mul(tf.oneHot(y, logits.shape[1]!), tf.logSoftmax(logits)), 1))
  })

/**
 * Each example's cross-entropy under `model` in evaluation mode (no dropout), in chunks of 1,000
 * so a large split never becomes one huge activation tensor. Lower is easier.
 */
export const perExampleLoss = (model: Model, split: Split, features: number): Float32Array => {
  const out = new Float32Array(split.n)
  for (let start = 0; start < split.n; start += chunk) {
    const n = Math.min(chunk, split.n - start)
    const losses = chunkLosses(model, split, features, start, n)
    out.set(losses.dataSync() as Float32Array, start)
    losses.dispose()
  }
  return out
}

/**
 * The same losses read with `await data()`, for GPU backends (webgpu in Node cannot read
 * synchronously). Every chunk is queued before the first read (each keeps only its `[n]` losses),
 * so the device never waits for the CPU.
 */
export const perExampleLossAsync = async (model: Model, split: Split, features: number): Promise<Float32Array> => {
  const chunks: Array<{ readonly start: number; readonly losses: tf.Tensor1D }> = []
  try {
    for (let start = 0; start < split.n; start += chunk) chunks.push({ start, losses: chunkLosses(model, split, features, start, Math.min(chunk, split.n - start)) })
    const out = new Float32Array(split.n)
    for (const { start, losses } of chunks) out.set((await losses.data()) as Float32Array, start)
    return out
  } finally {
    for (const c of chunks) c.losses.dispose()
  }
}
