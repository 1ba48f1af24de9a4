/**
 * The loaded form of every data source, and the seeded carving of `validation` (and, for files,
 * `test`) splits out of a set of rows.
 *
 * Carving recipe (deterministic from the run seed, independent of every other random stream):
 *
 * - Validation: `nValidation = round(nTrain * validationFraction)`. A permutation of the training
 *   rows' positions `0..nTrain-1` is shuffled with Fisher-Yates (`shuffleInPlace`) on a mulberry32
 *   seeded with `deriveSeed(seed, "data/validation")`; its last `nValidation` entries, in that
 *   shuffled order, are the `validation` rows. The remaining rows stay `train`, in their original
 *   relative order (so a fraction of 0 leaves `train` exactly as it was).
 * - Test (CSV / JSONL only): `nTest = round(nRows * testFraction)`. The file's rows `0..nRows-1`
 *   (in file order, blank lines not counted) are shuffled the same way with
 *   `deriveSeed(seed, "data/test")`; the last `nTest` entries are `test`, the first
 *   `nRows - nTest` are `train`, both in that shuffled order. Validation is then carved from
 *   `train` as above.
 */
import type { Split } from "./spirals.ts"
import { deriveSeed, rngFromState, shuffleInPlace } from "./random.ts"

export type { Split } from "./spirals.ts"

/** What `loadData` returns. `x` rows are flat `[n, features]`; `shape` is one example's shape. */
export interface LoadedData {
  readonly train: Split
  /** Present exactly when the spec's `validationFraction` is above 0. */
  readonly validation?: Split
  readonly test: Split
  /** Values per example: the product of `shape`. */
  readonly features: number
  /** `[2]` for spirals, `[28, 28, 1]` (height, width, channels) for images, `[k]` for k tabular features. */
  readonly shape: ReadonlyArray<number>
  readonly classes: number
  /** A curriculum's score column for each training example (CSV / JSONL with `score = column(...)`). */
  readonly trainScores?: Float32Array
}

/** Where data files are looked for; the caller reads the environment, this module does not. */
export interface DataOptions {
  /** A directory of datasets, normally `$LRS_DATA_DIR`. */
  readonly dataDir?: string
  /** What relative `path`s in the spec are resolved against (normally the spec's directory); default: the working directory. */
  readonly baseDir?: string
}

/** Positions `0..n-1` shuffled with the stream `deriveSeed(seed, label)`. */
export const seededPermutation = (n: number, seed: number, label: string): Int32Array => {
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  return shuffleInPlace(order, rngFromState(deriveSeed(seed, label)))
}

/** `round(n * fraction)` examples held out as validation, and which (see the module doc). */
export const carveValidation = (
  n: number,
  fraction: number,
  seed: number
): { readonly train: Int32Array; readonly validation: Int32Array } => {
  const nValidation = Math.round(n * fraction)
  if (nValidation === 0) return { train: seededIdentity(n), validation: new Int32Array(0) }
  const order = seededPermutation(n, seed, "data/validation")
  const validation = order.slice(n - nValidation)
  const held = new Uint8Array(n)
  for (const i of validation) held[i] = 1
  const train = new Int32Array(n - nValidation)
  let t = 0
  for (let i = 0; i < n; i++) if (held[i] === 0) train[t++] = i
  return { train, validation }
}

/** `round(n * fraction)` rows held out as test, the rest train, both in the seeded shuffle's order. */
export const carveTest = (n: number, fraction: number, seed: number): { readonly train: Int32Array; readonly test: Int32Array } => {
  const nTest = Math.round(n * fraction)
  const order = seededPermutation(n, seed, "data/test")
  return { train: order.slice(0, n - nTest), test: order.slice(n - nTest) }
}

const seededIdentity = (n: number): Int32Array => {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  return out
}

/**
 * The rows `rows` of a row-major source of `features` values per row, as a float32 split;
 * values are divided by `divisor` (255 for image bytes, so pixels land in [0, 1]).
 */
export const gatherRows = (
  x: Float32Array | Uint8Array,
  y: Int32Array | Uint8Array,
  features: number,
  rows: ArrayLike<number>,
  divisor = 1
): Split => {
  const n = rows.length
  const outX = new Float32Array(n * features)
  const outY = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const src = rows[i]!
    const from = src * features
    const to = i * features
    if (divisor === 1) outX.set(x.subarray(from, from + features), to)
    else for (let j = 0; j < features; j++) outX[to + j] = x[from + j]! / divisor
    outY[i] = y[src]!
  }
  return { x: outX, y: outY, n }
}
