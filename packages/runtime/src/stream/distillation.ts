import * as tf from "@tensorflow/tfjs"

/**
 * Learning without Forgetting's distillation term (Li & Hoiem 2016, as Avalanche's `LwF` computes
 * it): `KL(softmax(old[:, units] / T) || softmax(logits[:, units] / T))`, summed over the units and
 * averaged over the batch (`batchmean`), with no `T^2` factor. `units` are the classes that earlier
 * tasks trained (the old model's "active units"); `old` holds the previous model's logits.
 */
export const distillationLoss = (logits: tf.Tensor2D, old: tf.Tensor2D, units: tf.Tensor1D, temperature: number): tf.Scalar =>
  tf.tidy(() => {
    const q = tf.softmax(tf.div(tf.gather(old, units, 1), temperature))
    const logP = tf.logSoftmax(tf.div(tf.gather(logits, units, 1), temperature))
    // q log q with 0 log 0 = 0, as torch's kl_div gives for a zero target.
    const qLogQ = tf.where(tf.greater(q, 0), tf.mul(q, tf.log(tf.maximum(q, 1e-30))), tf.zerosLike(q))
    return tf.div(tf.sum(tf.sub(qLogQ, tf.mul(q, logP))), logits.shape[0]) as tf.Scalar
  })
