/**
 * Loss-curve prediction with the scaling law of Tissue et al., "Scaling Law with Learning Rate
 * Annealing" (arXiv 2408.11029): the loss after `s` updates is
 *
 *   L(s) = L0 + A * S1^(-alpha) - C * S2
 *   S1 = sum_{i=1..s} eta_i                                    (forward area)
 *   S2 = sum_{i=1..s} m_i,  m_i = lambda * m_{i-1} + (eta_{i-1} - eta_i),  m_0 = 0, eta_0 = eta_1
 *                                                              (annealing area)
 *
 * where eta_i is the learning rate of update i. S1 is how far the lr has carried the weights (the
 * power law of ordinary scaling laws, with the lr area in place of steps); S2 is the extra drop that
 * lowering the lr brings, remembered with decay `lambda` so that it arrives gradually, not at once.
 * Fitted to one run's curve, the four numbers predict the curve of any other lr schedule of the same
 * model, data and optimizer. Pure: no I/O.
 */

/** The law's four parameters. */
export interface LossLaw {
  readonly L0: number
  readonly A: number
  readonly alpha: number
  readonly C: number
}

/** A logged loss after `step` updates. */
export interface LossPoint {
  readonly step: number
  readonly loss: number
}

export interface LossFit {
  readonly params: LossLaw
  /** Root mean square of log(predicted) - log(logged) over the points fitted. */
  readonly rmseLog: number
  /** 1 - residual / total sum of squares, in log space. */
  readonly r2Log: number
  /** How many points were fitted (step 0 is left out: S1 = 0 there). */
  readonly points: number
}

/** The paper's momentum decay. */
export const defaultLambda = 0.999

/** The Huber threshold on log-loss residuals of the paper's reproduction: beyond it, residuals count linearly (batch-loss noise and spikes do not drag the fit). */
const huberDelta = 1e-3

/**
 * S1 and S2 after s = 0..n updates (index s; both 0 at s = 0), for the lrs of updates 0..n-1,
 * exactly as the formula says.
 */
export const annealingAreas = (lrs: ReadonlyArray<number>, lambda: number = defaultLambda): { s1: Array<number>; s2: Array<number> } => {
  const s1 = [0]
  const s2 = [0]
  let m = 0
  for (let i = 0; i < lrs.length; i++) {
    const eta = lrs[i]!
    m = lambda * m + ((i === 0 ? eta : lrs[i - 1]!) - eta)
    s1.push(s1[i]! + eta)
    s2.push(s2[i]! + m)
  }
  return { s1, s2 }
}

/**
 * The lrs as the law reads them: the initial rise (a warmup: every value up to where the lr first
 * falls) counts at the peak it reaches, as the paper does (its section 3.4 and reference code).
 * Taken literally, a warmup's rise would be a negative annealing area that cancels the later decay;
 * the paper finds instead that the curve after warmup follows the law as if the lr had started at
 * its peak. A schedule that only ever rises is thereby read as constant at its last value.
 */
export const lawLrs = (lrs: ReadonlyArray<number>): ReadonlyArray<number> => {
  let end = 0
  while (end + 1 < lrs.length && lrs[end + 1]! >= lrs[end]!) end++
  if (end === 0 || lrs[0] === lrs[end]) return lrs
  const peak = lrs[end]!
  return lrs.map((v, i) => (i <= end ? peak : v))
}

/**
 * L(s) for s = 0..n after the lrs of updates 0..n-1 (index s). L(0) is NaN: the law diverges at
 * S1 = 0 and says nothing before the first update.
 */
export const predictLoss = (params: LossLaw, lrs: ReadonlyArray<number>, lambda: number = defaultLambda): Array<number> => {
  const { s1, s2 } = annealingAreas(lawLrs(lrs), lambda)
  return s1.map((a, s) => (a > 0 ? params.L0 + params.A * a ** -params.alpha - params.C * s2[s]! : Number.NaN))
}

/** The fitted points with what the law needs of them: log S1, S2 and log L. */
interface Data {
  readonly logS1: Float64Array
  readonly s2: Float64Array
  readonly y: Float64Array
  readonly logY: Float64Array
}

type Vec3 = [number, number, number]

const huber = (r: number): number => {
  const a = Math.abs(r)
  return a <= huberDelta ? 0.5 * r * r : huberDelta * (a - 0.5 * huberDelta)
}

/** The Huber cost of (L0, A, C) with u = S1^-alpha; Infinity where a prediction is not positive (no log). */
const cost = (d: Data, u: Float64Array, [l0, a, c]: Vec3): number => {
  let total = 0
  for (let i = 0; i < u.length; i++) {
    const p = l0 + a * u[i]! - c * d.s2[i]!
    if (!(p > 0)) return Infinity
    total += huber(Math.log(p) - d.logY[i]!)
  }
  return total
}

/**
 * Solves the 3x3 system M x = b for the coordinates in `free` (the others stay 0), after scaling it
 * to unit diagonal: the columns (1, S1^-alpha, S2) differ by orders of magnitude. A tiny ridge keeps
 * a column with no information (S2 = 0 everywhere under a constant lr) from making it singular.
 */
const solve3 = (m: ReadonlyArray<ReadonlyArray<number>>, b: ReadonlyArray<number>, free: ReadonlyArray<boolean>): Vec3 => {
  const idx = [0, 1, 2].filter((j) => free[j] && m[j]![j]! > 0)
  const scale = idx.map((j) => Math.sqrt(m[j]![j]!))
  const a = idx.map((j, r) => [...idx.map((k, c) => m[j]![k]! / (scale[r]! * scale[c]!) + (r === c ? 1e-12 : 0)), b[j]! / scale[r]!])
  const k = idx.length
  for (let col = 0; col < k; col++) {
    let pivot = col
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r
    ;[a[col], a[pivot]] = [a[pivot]!, a[col]!]
    for (let r = col + 1; r < k; r++) {
      const f = a[r]![col]! / a[col]![col]!
      for (let c = col; c <= k; c++) a[r]![c]! -= f * a[col]![c]!
    }
  }
  const x = new Array<number>(k).fill(0)
  for (let r = k - 1; r >= 0; r--) {
    let s = a[r]![k]!
    for (let c = r + 1; c < k; c++) s -= a[r]![c]! * x[c]!
    x[r] = s / a[r]![r]!
  }
  const out: Vec3 = [0, 0, 0]
  idx.forEach((j, r) => (out[j] = x[r]! / scale[r]!))
  return out
}

/** (L0, A, C) for a fixed alpha by least squares on relative residuals, with A, C >= 0: where the Huber fit starts. */
const linearStart = (d: Data, u: Float64Array): Vec3 => {
  const free = [true, true, true]
  for (let pass = 0; pass < 3; pass++) {
    const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
    const b = [0, 0, 0]
    for (let i = 0; i < u.length; i++) {
      const w = 1 / (d.y[i]! * d.y[i]!)
      const z = [1, u[i]!, -d.s2[i]!]
      for (let j = 0; j < 3; j++) {
        b[j]! += w * z[j]! * d.y[i]!
        for (let k = 0; k < 3; k++) m[j]![k]! += w * z[j]! * z[k]!
      }
    }
    const x = solve3(m, b, free)
    if (x[1] >= 0 && x[2] >= 0) return x
    if (x[1] < 0) free[1] = false
    if (x[2] < 0) free[2] = false
  }
  return [0, 0, 0]
}

/**
 * The best (L0, A, C) for a fixed alpha: the prediction is linear in them, so Gauss-Newton on the
 * log residuals with Huber weights (IRLS) and halving steps converges in a few dozen cheap
 * iterations, with A and C held at 0 when the gradient pushes them below.
 */
const fitLinear = (d: Data, u: Float64Array): { beta: Vec3; cost: number } => {
  let beta = linearStart(d, u)
  let best = cost(d, u, beta)
  if (best === Infinity) {
    // No positive start from the least squares: A alone (everything positive), then iterate.
    let num = 0
    let den = 0
    for (let i = 0; i < u.length; i++) {
      num += u[i]! / d.y[i]!
      den += (u[i]! / d.y[i]!) ** 2
    }
    beta = [0, num / den, 0]
    best = cost(d, u, beta)
  }
  for (let it = 0; it < 200; it++) {
    const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
    const g = [0, 0, 0]
    for (let i = 0; i < u.length; i++) {
      const p = beta[0] + beta[1] * u[i]! - beta[2] * d.s2[i]!
      const r = Math.log(p) - d.logY[i]!
      const h = Math.abs(r) <= huberDelta ? 1 : huberDelta / Math.abs(r)
      const z = [1 / p, u[i]! / p, -d.s2[i]! / p]
      for (let j = 0; j < 3; j++) {
        g[j]! += h * r * z[j]!
        for (let k = 0; k < 3; k++) m[j]![k]! += h * z[j]! * z[k]!
      }
    }
    const free = [true, !(beta[1] <= 0 && g[1]! > 0), !(beta[2] <= 0 && g[2]! > 0)]
    const step = solve3(m, g.map((v) => -v), free)
    let improved: { beta: Vec3; cost: number } | undefined
    for (let t = 1; t > 1e-12 && improved === undefined; t /= 2) {
      const next: Vec3 = [beta[0] + t * step[0], Math.max(0, beta[1] + t * step[1]), Math.max(0, beta[2] + t * step[2])]
      const c = cost(d, u, next)
      if (c < best) improved = { beta: next, cost: c }
    }
    if (improved === undefined) break
    const gain = best - improved.cost
    beta = improved.beta
    best = improved.cost
    if (gain <= 1e-12 * best) break
  }
  return { beta, cost: best }
}

/** The profile: alpha's best cost with (L0, A, C) fitted for it. */
const profile = (d: Data, logAlpha: number) => {
  const alpha = Math.exp(logAlpha)
  const u = d.logS1.map((l) => Math.exp(-alpha * l))
  return { alpha, ...fitLinear(d, u) }
}

/** log alpha from alpha = 0.01 to 5: a grid, then golden-section search around the best grid point. */
const alphaRange = [Math.log(0.01), Math.log(5)] as const
const gridPoints = 32

/**
 * Fits the law to logged losses (`step` = updates done) given the lr of every update 0..T-1,
 * minimizing the Huber loss of log-loss residuals as the paper does. Deterministic: alpha is
 * searched on a fixed grid and refined by golden section, and for each alpha the other three
 * parameters (which enter linearly) are fitted exactly, so there are no random restarts and no
 * local minimum in them. Step 0 is left out (S1 = 0). Throws a RangeError on points it cannot use
 * (a step past the lrs, a loss that is not positive and finite) or fewer than 4 of them.
 */
export const fitLossCurve = (points: ReadonlyArray<LossPoint>, lrs: ReadonlyArray<number>, lambda: number = defaultLambda): LossFit => {
  const { s1, s2 } = annealingAreas(lawLrs(lrs), lambda)
  const used = points.filter((p) => p.step !== 0)
  for (const p of used) {
    if (!Number.isInteger(p.step) || p.step < 0 || p.step > lrs.length) throw new RangeError(`step ${p.step} is not one of the updates 1..${lrs.length} the lrs cover`)
    if (!(p.loss > 0 && Number.isFinite(p.loss))) throw new RangeError(`the loss at step ${p.step} is ${p.loss}; the law is fitted to log losses, which need positive finite values`)
    if (!(s1[p.step]! > 0)) throw new RangeError(`the lr area S1 is ${s1[p.step]} at step ${p.step}; the law needs lrs with a positive sum`)
  }
  if (used.length < 4) throw new RangeError(`${used.length} points after step 0; the law has 4 parameters`)
  const d: Data = {
    logS1: Float64Array.from(used, (p) => Math.log(s1[p.step]!)),
    s2: Float64Array.from(used, (p) => s2[p.step]!),
    y: Float64Array.from(used, (p) => p.loss),
    logY: Float64Array.from(used, (p) => Math.log(p.loss))
  }
  const [lo, hi] = alphaRange
  const h = (hi - lo) / (gridPoints - 1)
  const grid = Array.from({ length: gridPoints }, (_, k) => profile(d, lo + k * h))
  let k = 0
  for (let j = 1; j < gridPoints; j++) if (grid[j]!.cost < grid[k]!.cost) k = j
  let best = grid[k]!
  // Golden section between the neighbours of the best grid point.
  let a = lo + Math.max(0, k - 1) * h
  let b = lo + Math.min(gridPoints - 1, k + 1) * h
  const phi = (Math.sqrt(5) - 1) / 2
  let x1 = b - phi * (b - a)
  let x2 = a + phi * (b - a)
  let f1 = profile(d, x1)
  let f2 = profile(d, x2)
  while (b - a > 1e-7) {
    if (f1.cost <= f2.cost) {
      ;[b, x2, f2] = [x2, x1, f1]
      x1 = b - phi * (b - a)
      f1 = profile(d, x1)
    } else {
      ;[a, x1, f1] = [x1, x2, f2]
      x2 = a + phi * (b - a)
      f2 = profile(d, x2)
    }
    for (const f of [f1, f2]) if (f.cost < best.cost) best = f
  }
  const params: LossLaw = { L0: best.beta[0], A: best.beta[1], alpha: best.alpha, C: best.beta[2] }
  let sse = 0
  let mean = 0
  for (let i = 0; i < d.logY.length; i++) mean += d.logY[i]! / d.logY.length
  let sst = 0
  for (let i = 0; i < d.logY.length; i++) {
    const r = Math.log(params.L0 + params.A * Math.exp(-params.alpha * d.logS1[i]!) - params.C * d.s2[i]!) - d.logY[i]!
    sse += r * r
    sst += (d.logY[i]! - mean) ** 2
  }
  return { params, rmseLog: Math.sqrt(sse / used.length), r2Log: sst > 0 ? 1 - sse / sst : Number.NaN, points: used.length }
}
