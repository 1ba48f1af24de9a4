import { deriveSeed, rngFromState, shuffleInPlace } from "./random.ts"
import type { RngState } from "./random.ts"

/**
 * Where a sampler stands: enough to rebuild it exactly. `permutationRng` is the rng state the
 * current epoch's permutation was drawn from, so the permutation itself is not stored.
 */
export interface BatchSamplerState {
  readonly epoch: number
  /** Next position in the current epoch's permutation. */
  readonly cursor: number
  readonly permutationRng: RngState
}

export interface BatchSampler {
  /** Train-set size the sampler draws from. */
  readonly n: number
  /**
   * The next `size` train indices. Each epoch visits every index once in a fresh seeded order;
   * a batch that runs past the end of an epoch continues in the next one, so batches are always full.
   */
  nextBatch(size: number): Int32Array
  state(): BatchSamplerState
  /** Goes back to a state `state()` gave: the next batches are the ones drawn after it. */
  restore(state: BatchSamplerState): void
}

/** A sampler over `n` examples, seeded from the run seed (stream `"data/batches"`). */
export const createBatchSampler = (n: number, seed: number): BatchSampler =>
  restoreBatchSampler(n, { epoch: 0, cursor: 0, permutationRng: deriveSeed(seed, "data/batches") })

/** Rebuilds a sampler from `state()`; it continues with exactly the batches the original would have drawn. */
export const restoreBatchSampler = (n: number, saved: BatchSamplerState): BatchSampler => {
  if (!(n > 0)) throw new Error(`batch sampler needs a non-empty train set (n = ${n})`)
  let { epoch, cursor, permutationRng } = saved
  let rng = rngFromState(permutationRng)
  const permute = (): Int32Array => shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), rng)
  let permutation = permute()
  return {
    n,
    nextBatch: (size) => {
      if (!Number.isInteger(size) || size <= 0) throw new Error(`batch size must be a positive integer, got ${size}`)
      const out = new Int32Array(size)
      for (let i = 0; i < size; i++) {
        if (cursor === n) {
          permutationRng = rng.state
          permutation = permute()
          epoch++
          cursor = 0
        }
        out[i] = permutation[cursor++]!
      }
      return out
    },
    state: () => ({ epoch, cursor, permutationRng }),
    restore: (state) => {
      ;({ epoch, cursor, permutationRng } = state)
      rng = rngFromState(permutationRng)
      permutation = permute()
    }
  }
}

/**
 * Copies the rows `indices` of a split into a batch (`x` row-major `[indices.length, features]`):
 * into `into` when given (the trainer reuses one pair of buffers, once the tensors made from the
 * previous batch are disposed), else into fresh arrays.
 */
export const gatherRows = (
  split: { readonly x: Float32Array; readonly y: Int32Array },
  features: number,
  indices: Int32Array,
  into?: { readonly x: Float32Array; readonly y: Int32Array }
): { readonly x: Float32Array; readonly y: Int32Array } => {
  const x = into?.x ?? new Float32Array(indices.length * features)
  const y = into?.y ?? new Int32Array(indices.length)
  if (x.length !== indices.length * features || y.length !== indices.length) {
    throw new Error(`batch buffers hold ${y.length} rows of ${x.length / Math.max(y.length, 1)}, not ${indices.length} of ${features}`)
  }
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i]!
    x.set(split.x.subarray(src * features, (src + 1) * features), i * features)
    y[i] = split.y[src]!
  }
  return { x, y }
}
