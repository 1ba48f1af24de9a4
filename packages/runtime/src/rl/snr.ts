/**
 * OBLR-PO's SNR-driven learning rate (arXiv 2511.23310), in the form the research notes reconstruct
 * (§3.6 [verify]: the paper's expressions could not be checked): for an L-smooth objective the
 * step that minimises the expected loss is `η ∝ (1/L) · SNR / (1 + SNR)`, with SNR the squared norm
 * of the mean gradient over the noise of the gradient a step uses. Here the lr of the schedule
 * stands for `1/L`, and the SNR is estimated from the minibatch gradients of an iteration's first
 * epoch (disjoint samples, so independent draws of the minibatch gradient):
 *
 *   ḡ = mean_j g_j,   s² = Σ_j ‖g_j − ḡ‖² / (M − 1),   SNR = ‖ḡ‖² / s²
 *
 * (`s²` estimates `tr Σ / N` of the notes, the trace of the covariance of one minibatch's gradient).
 */

/** `‖ḡ‖² / s²` from the squared norm of the mean and the summed squared deviations of `count` gradients; NaN below 2 or with no gradient at all. */
export const snrOf = (meanSquaredNorm: number, squaredDeviations: number, count: number): number => {
  if (count < 2 || !Number.isFinite(meanSquaredNorm) || !Number.isFinite(squaredDeviations)) return Number.NaN
  const variance = squaredDeviations / (count - 1)
  if (variance <= 0) return meanSquaredNorm > 0 ? Number.POSITIVE_INFINITY : Number.NaN
  return meanSquaredNorm / variance
}

/** The factor on the lr: `SNR / (1 + SNR)`, 1 at an infinite SNR (no noise). */
export const snrScale = (snr: number): number => (snr === Number.POSITIVE_INFINITY ? 1 : snr / (1 + snr))

/** What a checkpoint keeps: the factor the next iteration uses. */
export interface SnrLearningRateState {
  readonly scale: number
}

/**
 * The factor each iteration's lr is multiplied by: 1 until a first estimate, then `SNR / (1 + SNR)`
 * of the previous iteration (its own gradients are only known once its updates are made). An
 * iteration without an estimate (fewer than two minibatches, no gradient) keeps the factor.
 */
export class SnrLearningRate {
  private current = 1

  get scale(): number {
    return this.current
  }

  observe(snr: number): void {
    if (!Number.isNaN(snr)) this.current = snrScale(snr)
  }

  state(): SnrLearningRateState {
    return { scale: this.current }
  }

  restore(saved: SnrLearningRateState): void {
    this.current = saved.scale
  }
}
