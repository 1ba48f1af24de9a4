import type { Metric } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import type { Split } from "../data/load.ts"
import type { Model } from "../model/create.ts"
import { softmaxCrossEntropy } from "../model/mlp.ts"

/**
 * A split's metrics under the model in evaluation mode (no dropout): mean cross-entropy, accuracy
 * (argMax = label) and top-5 accuracy. In chunks, so a 10,000-image test set never becomes one huge
 * activation tensor.
 */
export const evaluate = (model: Model, split: Split, features: number, step: number, classes: number, mask?: Float32Array): Record<Metric, number> => {
  const chunk = 1000
  // Top-5 is every example when there are no more than 5 classes.
  const k = Math.min(5, classes)
  let lossSum = 0
  let correct = 0
  let inTop = 0
  for (let start = 0; start < split.n; start += chunk) {
    const n = Math.min(chunk, split.n - start)
    const [l, c, top] = tf.tidy(() => {
      const x = tf.tensor2d(split.x.subarray(start * features, (start + n) * features), [n, features])
      const y = tf.tensor1d(split.y.subarray(start, start + n), "int32")
      // A task-incremental stream's mask: the other tasks' classes cannot win.
      const logits = mask === undefined ? model.forward(x, { training: false, step }) : tf.add(model.forward(x, { training: false, step }), tf.tensor1d(mask)) as tf.Tensor2D
      const loss = softmaxCrossEntropy(logits, y)
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), "float32"))
      // In the top k: fewer than k logits are strictly above the label's (ties count in its favour, as argMax's first index does not).
      // The label's logit through a one-hot mask: wasm's GatherV2 with batch dims reads out of bounds.
      const own = tf.sum(tf.mul(logits, tf.oneHot(y, logits.shape[1]!)), 1, true)
      const above = tf.sum(tf.cast(tf.greater(logits, own), "int32"), 1)
      const topHits = tf.sum(tf.cast(tf.less(above, k), "float32"))
      return [loss.dataSync()[0]! * n, hits.dataSync()[0]!, topHits.dataSync()[0]!]
    })
    lossSum += l
    correct += c
    inTop += top
  }
  return { accuracy: correct / split.n, loss: lossSum / split.n, top5: inTop / split.n }
}
