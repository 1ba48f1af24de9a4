/**
 * Schedule refinement (Defazio, Cutkosky, Mehta, Mishchenko, "When, Why and How Much? Adaptive
 * Learning Rate Scheduling by Refinement", arXiv 2310.07831): a learning-rate shape derived from
 * the gradient norms a previous run logged. Pure arithmetic; reading the run is `refined.ts`'s job.
 */

/**
 * The authors' median filter (their README): width `2 * floor(floor(smoothing * n) / 2) + 1`; the
 * sequence is reflect-padded at its end by twice the width (numpy `mode="reflect"`: mirrored
 * without repeating the edge), filtered with edges extended by their nearest value (scipy
 * `median_filter(mode="nearest")`), and the padding cropped. Width 1 returns the input.
 */
export const medianSmooth = (values: ReadonlyArray<number>, smoothing: number): Array<number> => {
  const n = values.length
  const width = 2 * Math.floor(Math.floor(smoothing * n) / 2) + 1
  if (width <= 1 || n === 0) return [...values]
  const pad = 2 * width
  // numpy's reflect pad: indices n, n+1, ... mirror back with period 2(n - 1).
  const padded = Array.from({ length: n + pad }, (_, i) => {
    if (i < n || n === 1) return values[Math.min(i, n - 1)]!
    const period = 2 * (n - 1)
    const k = i % period
    return values[k < n ? k : period - k]!
  })
  const half = width >> 1
  const window: Array<number> = new Array(width)
  return values.map((_, i) => {
    for (let j = -half; j <= half; j++) window[j + half] = padded[Math.min(Math.max(i + j, 0), padded.length - 1)]!
    window.sort((a, b) => a - b)
    return window[half]!
  })
}

/**
 * `find_closed_form_schedule` of the authors' code: with weights `w_t = G_t^-2`, the step size at
 * `t` is `w_t * sum_{p > t} w_p` (0 at the last step), here scaled so its largest value is 1.
 * Constant norms give exactly linear decay `(T - 1 - t) / (T - 1)`.
 */
export const refinedShape = (norms: ReadonlyArray<number>): Array<number> => {
  const w = norms.map((g) => g ** -2)
  const tail = new Array<number>(w.length + 1).fill(0)
  for (let t = w.length - 1; t >= 0; t--) tail[t] = tail[t + 1]! + w[t]!
  const eta = w.map((wt, t) => wt * tail[t + 1]!)
  const max = Math.max(...eta)
  return eta.map((v) => (max > 0 ? v / max : 0))
}
