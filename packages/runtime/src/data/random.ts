/**
 * A small seeded PRNG (mulberry32) whose whole state is one uint32, so a checkpoint can store it
 * as a plain number and resume the exact stream. Independent of tfjs's RNG.
 */

/** The generator state: a uint32. */
export type RngState = number

/**
 * Maps any finite seed (including ones above 2^32 or negative) to a uint32 state by mixing its
 * low and high 32-bit words with the splitmix32 finaliser.
 */
export const seedState = (seed: number): RngState => {
  const low = seed >>> 0
  const high = Math.floor(seed / 4294967296) >>> 0
  return mix32(low ^ Math.imul(high, 0x9e3779b9))
}

/**
 * A seed for an independent stream (`"data"`, `"init"`, `"batches"`) derived from the run seed,
 * so adding draws to one consumer never shifts another's numbers. FNV-1a over the label.
 */
export const deriveSeed = (seed: number, label: string): RngState => {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193)
  return mix32(seedState(seed) ^ h)
}

const mix32 = (x: number): number => {
  let z = (x + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/** One mulberry32 step: `[uint32 output, next state]`. Pure. */
export const nextUint32 = (state: RngState): readonly [number, RngState] => {
  const a = (state + 0x6d2b79f5) | 0
  let t = Math.imul(a ^ (a >>> 15), 1 | a)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return [(t ^ (t >>> 14)) >>> 0, a >>> 0]
}

/** A mutable cursor over the pure stream; `state` can be saved and passed to `rngFromState`. */
export interface Rng {
  readonly state: RngState
  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number
  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number
  /** Integer uniform in [0, n), n <= 2^32 (multiply-shift; bias < n / 2^32, irrelevant here). */
  int(n: number): number
  /** Standard normal via Box-Muller; uses two uniforms per call (the sine half is dropped so the state stays one number). */
  normal(): number
}

export const rngFromState = (initial: RngState): Rng => {
  let state = initial >>> 0
  const uniform = (): number => {
    const [out, next] = nextUint32(state)
    state = next
    return out / 4294967296
  }
  return {
    get state() {
      return state
    },
    uniform,
    uniformIn: (lo, hi) => lo + (hi - lo) * uniform(),
    int: (n) => Math.floor(uniform() * n),
    normal: () => {
      const u1 = 1 - uniform() // (0, 1]: log stays finite
      const u2 = uniform()
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
    }
  }
}

export const createRng = (seed: number): Rng => rngFromState(seedState(seed))

/** In-place Fisher-Yates shuffle (from the last index down, `j = rng.int(i + 1)`). */
export const shuffleInPlace = <A extends { [i: number]: number; length: number }>(xs: A, rng: Rng): A => {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const tmp = xs[i]!
    xs[i] = xs[j]!
    xs[j] = tmp
  }
  return xs
}
