import * as tf from "@tensorflow/tfjs"

/**
 * log π(a) of the chosen actions under categorical logits (torch's `Categorical(logits).log_prob`,
 * TRL's `selective_log_softmax`). `logits` is [B, A] and `actions` [B] int32; returns [B].
 * Higher-rank logits ([B, T, V] tokens) are flattened by the caller.
 */
export const categoricalLogProb = (logits: tf.Tensor2D, actions: tf.Tensor1D): tf.Tensor1D =>
  tf.tidy(() => tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(actions, logits.shape[1])), 1) as tf.Tensor1D)

/** Entropy −Σ π log π of each row of categorical logits [B, A]; returns [B]. */
export const categoricalEntropy = (logits: tf.Tensor2D): tf.Tensor1D =>
  tf.tidy(() => {
    const logp = tf.logSoftmax(logits)
    return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D
  })
