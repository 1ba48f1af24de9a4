/**
 * One-dimensional Bayesian optimisation on [0, 1] for AutoLRS's candidate proposals: a Gaussian
 * process with a squared-exponential kernel (length scale 0.15, noise 1e-4 on standardised
 * values) and expected improvement for minimisation (xi = 0.01), maximised over a grid of 201
 * points. Deterministic: the same observations give the same proposal.
 */

const lengthScale = 0.15
const noise = 1e-4
const xi = 0.01
const grid = Array.from({ length: 201 }, (_, i) => i / 200)

const kernel = (a: number, b: number): number => Math.exp(-((a - b) ** 2) / (2 * lengthScale * lengthScale))

/** Lower-triangular L with L L^T = A (A symmetric positive definite, small). */
const cholesky = (a: ReadonlyArray<ReadonlyArray<number>>): Array<Array<number>> => {
  const n = a.length
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!
      l[i]![j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j]![j]!
    }
  }
  return l
}

/** Solves L y = b (forward) then L^T x = y (backward). */
const solve = (l: ReadonlyArray<ReadonlyArray<number>>, b: ReadonlyArray<number>): Array<number> => {
  const n = b.length
  const y = new Array<number>(n).fill(0)
  for (let i = 0; i < n; i++) {
    let s = b[i]!
    for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!
    y[i] = s / l[i]![i]!
  }
  const x = new Array<number>(n).fill(0)
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!
    for (let k = i + 1; k < n; k++) s -= l[k]![i]! * x[k]!
    x[i] = s / l[i]![i]!
  }
  return x
}

const normalPdf = (z: number): number => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI)
/** Standard normal CDF (Abramowitz-Stegun 7.1.26 through erf; |error| < 1.5e-7). */
const normalCdf = (z: number): number => {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x)
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2
}

/**
 * The next point to try given observations `(x, y)` (y to minimise; non-finite ones, diverged
 * trials, count as one standard deviation above the worst finite value). Points already tried
 * are not proposed again.
 */
export const proposeNext = (xs: ReadonlyArray<number>, ys: ReadonlyArray<number>): number => {
  const finite = ys.filter(Number.isFinite)
  if (finite.length === 0) {
    // Everything diverged so far: try the smallest value not yet tried.
    return grid.find((g) => !xs.some((x) => Math.abs(x - g) < 1e-9)) ?? 0
  }
  const mean = finite.reduce((s, y) => s + y, 0) / finite.length
  const sd = Math.sqrt(finite.reduce((s, y) => s + (y - mean) ** 2, 0) / finite.length) || 1
  const worst = Math.max(...finite)
  const z = ys.map((y) => ((Number.isFinite(y) ? y : worst + sd) - mean) / sd)
  const k = xs.map((a, i) => xs.map((b, j) => kernel(a, b) + (i === j ? noise : 0)))
  const l = cholesky(k)
  const alpha = solve(l, z)
  const best = Math.min(...z)
  let chosen = grid[0]!
  let top = Number.NEGATIVE_INFINITY
  for (const g of grid) {
    if (xs.some((x) => Math.abs(x - g) < 1e-9)) continue
    const ks = xs.map((x) => kernel(x, g))
    const mu = ks.reduce((s, kv, i) => s + kv * alpha[i]!, 0)
    const v = solve(l, ks)
    const variance = Math.max(1 - ks.reduce((s, kv, i) => s + kv * v[i]!, 0), 1e-12)
    const sigma = Math.sqrt(variance)
    const improvement = best - mu - xi
    const u = improvement / sigma
    const ei = improvement * normalCdf(u) + sigma * normalPdf(u)
    if (ei > top) {
      top = ei
      chosen = g
    }
  }
  return chosen
}
