/** Batch statistics with the conventions the RL references use (torch's `std` is Bessel-corrected). */

export const mean = (xs: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]!
  return s / xs.length
}

/** Sample standard deviation (n − 1), as `torch.Tensor.std()`; 0 for fewer than two values. */
export const std = (xs: ArrayLike<number>): number => {
  if (xs.length < 2) return 0
  const m = mean(xs)
  let s = 0
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2
  return Math.sqrt(s / (xs.length - 1))
}

/**
 * `(A − mean) / (std + eps)` per minibatch, as CleanRL's `norm_adv` and SB3's
 * `normalize_advantage` (eps 1e-8). A minibatch of one is left as is (SB3 skips it; CleanRL would
 * divide by a NaN std).
 */
export const normalizeAdvantages = (advantages: ArrayLike<number>, eps = 1e-8): Float64Array => {
  const out = Float64Array.from(advantages)
  if (out.length < 2) return out
  const m = mean(out)
  const s = std(out)
  for (let i = 0; i < out.length; i++) out[i] = (out[i]! - m) / (s + eps)
  return out
}

/**
 * `1 − Var(returns − values) / Var(returns)` with population variances (numpy's `np.var`), NaN when
 * the returns are constant: what CleanRL and SB3 log as explained_variance.
 */
export const explainedVariance = (values: ArrayLike<number>, returns: ArrayLike<number>): number => {
  const n = returns.length
  const variance = (f: (i: number) => number) => {
    let m = 0
    for (let i = 0; i < n; i++) m += f(i)
    m /= n
    let s = 0
    for (let i = 0; i < n; i++) s += (f(i) - m) ** 2
    return s / n
  }
  const vy = variance((i) => returns[i]!)
  return vy === 0 ? Number.NaN : 1 - variance((i) => returns[i]! - values[i]!) / vy
}
