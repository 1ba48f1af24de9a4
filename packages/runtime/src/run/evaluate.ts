import type { Metric } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import type { Split } from "../data/load.ts"
import type { Model } from "../model/create.ts"
import { softmaxCrossEntropy } from "../model/mlp.ts"

const chunk = 1000

/** Mean loss, accuracy and top-k accuracy from the per-chunk sums. */
const metricsOf = (sums: { loss: number; correct: number; inTop: number }, n: number): Record<Metric, number> => ({
  accuracy: sums.correct / n,
  loss: sums.loss / n,
  top5: sums.inTop / n
})

/** Mean loss, hit count and top-k hit count of examples `start..start+n` as scalars (the caller disposes them). */
const chunkMetrics = (model: Model, split: Split, features: number, step: number, classes: number, mask: Float32Array | undefined, start: number, n: number): Array<tf.Scalar> =>
  tf.tidy(() => {
    // Top-5 is every example when there are no more than 5 classes.
    const k = Math.min(5, classes)
    const x = tf.tensor2d(split.x.subarray(start * features, (start + n) * features), [n, features])
    const y = tf.tensor1d(split.y.subarray(start, start + n), "int32")
    // A task-incremental stream's mask: the other tasks' classes cannot win.
    const logits = mask === undefined ? model.forward(x, { training: false, step }) : tf.add(model.forward(x, { training: false, step }), tf.tensor1d(mask)) as tf.Tensor2D
    const loss = softmaxCrossEntropy(logits, y)
    const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), "float32")) as tf.Scalar
    // In the top k: fewer than k logits are strictly above the label's (ties count in its favour, as argMax's first index does not).
    // The label's logit through a one-hot mask: wasm's GatherV2 with batch dims reads out of bounds.
    const own = tf.sum(tf.mul(logits, tf.oneHot(y, logits.shape[1]!)), 1, true)
    const above = tf.sum(tf.cast(tf.greater(logits, own), "int32"), 1)
    const topHits = tf.sum(tf.cast(tf.less(above, k), "float32")) as tf.Scalar
    return [loss, hits, topHits]
  })

/**
 * A split's metrics under the model in evaluation mode (no dropout): mean cross-entropy, accuracy
 * (argMax = label) and top-5 accuracy. In chunks, so a 10,000-image test set never becomes one huge
 * activation tensor.
 */
export const evaluate = (model: Model, split: Split, features: number, step: number, classes: number, mask?: Float32Array): Record<Metric, number> => {
  const sums = { loss: 0, correct: 0, inTop: 0 }
  for (let start = 0; start < split.n; start += chunk) {
    const n = Math.min(chunk, split.n - start)
    const scalars = chunkMetrics(model, split, features, step, classes, mask, start, n)
    // Read outside the tidy, then disposed: the same values, summed in the same order, as before.
    try {
      const [loss, hits, topHits] = scalars.map((t) => t.dataSync()[0]!)
      sums.loss += loss! * n
      sums.correct += hits!
      sums.inTop += topHits!
    } finally {
      tf.dispose(scalars)
    }
  }
  return metricsOf(sums, split.n)
}

/**
 * The same metrics read with `await data()`: for GPU backends, where a synchronous read stalls the
 * device (and on webgpu in Node is impossible). Every chunk is queued before the first read.
 */
export const evaluateAsync = async (model: Model, split: Split, features: number, step: number, classes: number, mask?: Float32Array): Promise<Record<Metric, number>> => {
  const chunks: Array<{ readonly n: number; readonly scalars: Array<tf.Scalar> }> = []
  try {
    for (let start = 0; start < split.n; start += chunk) {
      const n = Math.min(chunk, split.n - start)
      chunks.push({ n, scalars: chunkMetrics(model, split, features, step, classes, mask, start, n) })
    }
    const sums = { loss: 0, correct: 0, inTop: 0 }
    for (const { n, scalars } of chunks) {
      const [loss, hits, topHits] = await Promise.all(scalars.map(async (t) => (await t.data())[0]!))
      sums.loss += loss! * n
      sums.correct += hits!
      sums.inTop += topHits!
    }
    return metricsOf(sums, split.n)
  } finally {
    for (const c of chunks) tf.dispose(c.scalars)
  }
}
