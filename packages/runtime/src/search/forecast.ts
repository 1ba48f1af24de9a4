/**
 * AutoLRS's forecaster: a trial's losses `L_0..L_{n-1}` (the loss of each trial update) fitted by
 * `L(i) = a * exp(b * i) + c` with `b <= 0`, read at `i = at`. For each `b` on a grid the best `a`
 * and `c` are a linear least-squares fit; the `b` with the smallest squared error wins (`b = 0`
 * is a constant fit: the mean). Losses are not negative, so neither is the asymptote `c`: a fit
 * that wants one below 0 is redone with `c = 0`. A trial whose losses are not all finite forecasts
 * +Infinity.
 */
export const forecastExponential = (losses: ReadonlyArray<number>, at: number): number => {
  const n = losses.length
  if (n === 0 || losses.some((l) => !Number.isFinite(l))) return Number.POSITIVE_INFINITY
  const mean = losses.reduce((s, l) => s + l, 0) / n
  let best = { sse: losses.reduce((s, l) => s + (l - mean) ** 2, 0), value: mean }
  if (n < 3) return mean
  // Decay rates from "halves over 10 trials" to "halves every step or two", log-spaced.
  for (let k = 0; k < 120; k++) {
    const b = -Math.exp(Math.log(0.05 / n) + (k / 119) * (Math.log(0.7) - Math.log(0.05 / n)))
    let sx = 0
    let sy = 0
    let sxx = 0
    let sxy = 0
    for (let i = 0; i < n; i++) {
      const x = Math.exp(b * i)
      sx += x
      sy += losses[i]!
      sxx += x * x
      sxy += x * losses[i]!
    }
    const det = n * sxx - sx * sx
    if (!(Math.abs(det) > 1e-12)) continue
    let a = (n * sxy - sx * sy) / det
    let c = (sy - a * sx) / n
    if (c < 0) {
      a = sxy / sxx
      c = 0
    }
    let sse = 0
    for (let i = 0; i < n; i++) sse += (a * Math.exp(b * i) + c - losses[i]!) ** 2
    if (sse < best.sse) best = { sse, value: a * Math.exp(b * at) + c }
  }
  return best.value
}
