import type { SpiralsIR } from "@lrs/compiler"
import { deriveSeed, rngFromState, shuffleInPlace } from "./random.ts"

/** One split: `x` is row-major `[n, features]`, `y` the class of each row. */
export interface Split {
  readonly x: Float32Array
  readonly y: Int32Array
  readonly n: number
}

export interface Dataset {
  readonly train: Split
  readonly test: Split
  readonly features: number
  readonly classes: number
}

/**
 * K interleaved spiral arms in the plane (the CS231n spiral generalised to K arms and `turns`
 * turns, with noise on the coordinates instead of the angle). Exact recipe, so another
 * implementation can reproduce the bytes:
 *
 * 1. rng = mulberry32 seeded with `deriveSeed(seed, "data/spirals")` (see random.ts).
 * 2. Class k (0-based) gets `n_k = floor(N / K) + (k < N mod K ? 1 : 0)` examples.
 * 3. For k = 0..K-1, then j = 0..n_k-1 (this order, which is also the rng draw order):
 *    `r = n_k > 1 ? j / (n_k - 1) : 0`, `theta = 2*pi*turns*r + 2*pi*k/K`,
 *    `x = r*cos(theta) + noise*rng.normal()`, `y = r*sin(theta) + noise*rng.normal()`
 *    (x's normal is drawn before y's), computed in float64 and stored as float32.
 * 4. Shuffle the example order with Fisher-Yates on the same rng (shuffleInPlace).
 * 5. `nTest = round(N * testFraction)`; the first `N - nTest` shuffled examples are `train`,
 *    the last `nTest` are `test`.
 */
export const makeSpirals = (ir: SpiralsIR, seed: number): Dataset => {
  const { samples: total, classes: k, noise, turns } = ir
  const rng = rngFromState(deriveSeed(seed, "data/spirals"))
  const xs = new Float32Array(total * 2)
  const ys = new Int32Array(total)
  let row = 0
  for (let c = 0; c < k; c++) {
    const count = Math.floor(total / k) + (c < total % k ? 1 : 0)
    for (let j = 0; j < count; j++) {
      const r = count > 1 ? j / (count - 1) : 0
      const theta = 2 * Math.PI * turns * r + (2 * Math.PI * c) / k
      xs[2 * row] = r * Math.cos(theta) + noise * rng.normal()
      xs[2 * row + 1] = r * Math.sin(theta) + noise * rng.normal()
      ys[row] = c
      row++
    }
  }
  const order = shuffleInPlace(Int32Array.from({ length: total }, (_, i) => i), rng)
  const nTest = Math.round(total * ir.testFraction)
  const take = (from: number, to: number): Split => {
    const n = to - from
    const x = new Float32Array(n * 2)
    const y = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      const src = order[from + i]!
      x[2 * i] = xs[2 * src]!
      x[2 * i + 1] = xs[2 * src + 1]!
      y[i] = ys[src]!
    }
    return { x, y, n }
  }
  return { train: take(0, total - nTest), test: take(total - nTest, total), features: 2, classes: k }
}
