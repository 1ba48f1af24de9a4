/**
 * CurES's rollout allocation (arXiv 2510.01037; ZexuSun/CurES, research notes §3.8 [code]): a
 * prompt whose policy-gradient estimate varies more gets more answers. From a few probe answers
 * per prompt, `σ_x² = a b² E[g_c²] + a² b E[g_w²] − a² b² (E g_c − E g_w)²`, with `a`, `b` the
 * shares of correct and wrong answers and `g` the norm of each answer's score `∇ log p(y|x)`: the
 * variance of the per-answer gradient magnitude `(r − a) g` under a 0/1 reward. The code takes `g`
 * over the embedding parameters; lrs passes the norm with respect to the logits (see `probeOf`).
 */

/** One probe answer: whether the task graded it correct, and the norm of its score. */
export interface ProbeAnswer {
  readonly correct: boolean
  readonly scoreNorm: number
}

const meanOf = (xs: ReadonlyArray<number>): number => xs.reduce((s, x) => s + x, 0) / xs.length

/** σ_x of one prompt from its probe answers: 0 when they are all correct or all wrong (no gradient). */
export const gradientSpread = (answers: ReadonlyArray<ProbeAnswer>): number => {
  const c = answers.filter((x) => x.correct).map((x) => x.scoreNorm)
  const w = answers.filter((x) => !x.correct).map((x) => x.scoreNorm)
  if (c.length === 0 || w.length === 0) return 0
  const a = c.length / answers.length
  const b = w.length / answers.length
  const variance = a * b * b * meanOf(c.map((g) => g * g)) + a * a * b * meanOf(w.map((g) => g * g)) - a * a * b * b * (meanOf(c) - meanOf(w)) ** 2
  // It is the empirical variance of (r − a)·g, so it is >= 0 but for rounding.
  return Math.sqrt(Math.max(variance, 0))
}

/**
 * Answers per prompt, `n_x = round(total σ_x / Σ σ)` clipped to `[min, max]` (the code's
 * `round(B n_max σ_x / Σ σ)` with `B n_max` = `total`; the clip is lrs's, so every prompt keeps its
 * probes and none outgrows the env's group). The total therefore lands near `total`, not on it.
 * When every σ is 0 (no prompt has both outcomes) the formula is undefined: every prompt gets
 * `round(total / prompts)` clipped, as if unallocated.
 */
export const allocateRollouts = (spreads: ReadonlyArray<number>, total: number, min: number, max: number): Array<number> => {
  if (!(Number.isInteger(min) && Number.isInteger(max) && 1 <= min && min <= max)) throw new Error(`allocation bounds must be whole numbers with 1 <= min <= max, got [${min}, ${max}]`)
  const clip = (n: number) => Math.min(max, Math.max(min, n))
  const sum = spreads.reduce((s, x) => s + x, 0)
  if (!(sum > 0)) return spreads.map(() => clip(Math.round(total / spreads.length)))
  return spreads.map((s) => clip(Math.round((total * s) / sum)))
}
