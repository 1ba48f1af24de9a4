/**
 * Entrocraft's entropy band as its released code computes it (verl fork, `grpo_range_linear`;
 * research notes §3.1 [code]). The band's side of the batch's mean token entropy at generation:
 * 1 above `high`, -1 below `low`, 0 inside.
 */
export const bandSide = (entropy: number, band: { readonly low: number; readonly high: number }): -1 | 0 | 1 =>
  entropy > band.high ? 1 : entropy < band.low ? -1 : 0

/**
 * The advantages the band leaves. Inside it, GRPO's (`advantages`, unchanged). Outside it the
 * released code replaces them by the verifier's raw score `r_i` in {+1, -1} (math_verify), one
 * side of it zeroed: above the band `max(r_i, 0)` (every right answer +1, the wrong ones dropped:
 * RAFT++, entropy falls), below it `min(r_i, 0)` (every wrong answer -1, the right ones dropped:
 * negative sample reinforcement, entropy rises). Unlike clipping the group-normalised advantages,
 * this pushes on groups that are all right or all wrong, where GRPO's advantage is 0.
 *
 * lrs's rewards are not ±1 (digit-sum's is 1 correct + 0.5 length + 0.2 format), so `r_i` is the
 * verifier's outcome, +1 for a correct answer and -1 otherwise: what math_verify scores, with the
 * shaping terms left to GRPO's advantages inside the band. This mapping is lrs's choice.
 */
export const bandAdvantages = (advantages: ArrayLike<number>, correct: ReadonlyArray<boolean>, side: -1 | 0 | 1): Float64Array => {
  if (correct.length !== advantages.length) throw new Error(`${correct.length} outcomes for ${advantages.length} advantages`)
  if (side === 0) return Float64Array.from(advantages)
  return Float64Array.from(correct, (c) => (side === 1 ? (c ? 1 : 0) : c ? 0 : -1))
}

/**
 * Entrocraft's second released controller, `entropic` (research notes §3.1 [code]): a P-controller
 * on the weights of positive and negative advantages, `α ← α + (H_t − H_target)`. The notes give
 * no bound on α; lrs clips it to [-1, 1] so that the weights `1 ± α` stay in [0, 2] and never flip
 * an advantage's sign (at ±1 one side weighs 0, the band's one-sided push with GRPO's magnitudes).
 * The clip is lrs's choice.
 */
export const entropicAlpha = (alpha: number, entropy: number, target: number): number =>
  Number.isFinite(entropy) ? Math.min(1, Math.max(-1, alpha + (entropy - target))) : alpha

/**
 * The advantages weighted by `entropic`'s α: `(1 + α) A` where A > 0, `(1 − α) A` where A < 0 (0
 * stays 0). α > 0 (entropy above target) weighs right answers more, and entropy falls (Entrocraft's
 * Thm 3.2); α < 0 weighs wrong answers more, and it rises. Unlike the band, groups whose answers
 * are all equal (advantage 0) stay without gradient.
 */
export const entropicAdvantages = (advantages: ArrayLike<number>, alpha: number): Float64Array =>
  Float64Array.from(advantages, (a) => (a > 0 ? (1 + alpha) * a : a < 0 ? (1 - alpha) * a : a))
