import * as tf from "@tensorflow/tfjs"
import type { Activation, ScheduleIR } from "@lrs/compiler"
import { closedForm, type ScheduleReader } from "../schedule/ScheduleReader.ts"
import { deriveSeed, type Rng, rngFromState } from "../data/random.ts"

/** What `forward` needs to know about the step it runs in. */
export interface ForwardOptions {
  /** Dropout is active only while training (off for evaluation). */
  readonly training: boolean
  /** The update being computed (0-indexed, as schedules see it): picks the dropout probability and masks. */
  readonly step: number
  /** How the dropout schedule is read (the trainer's includes what a `plateau` reduced); closed form by default. */
  readonly read?: ScheduleReader
}

export const evaluation: ForwardOptions = { training: false, step: 0 }

const SQRT1_2 = Math.SQRT1_2

export const activations: Record<Activation, <T extends tf.Tensor>(x: T) => T> = {
  relu: (x) => tf.relu(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  // Exact (erf) GELU, as torch.nn.GELU's default; tfjs core has no gelu op.
  gelu: (x) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1))
}

/** `size` draws of `U(-bound, bound)` from `rng`, computed in float64, stored as float32. */
export const uniformValues = (rng: Rng, size: number, bound: number): Float32Array => {
  const out = new Float32Array(size)
  for (let i = 0; i < size; i++) out[i] = rng.uniformIn(-bound, bound)
  return out
}

/** A trainable variable holding `values` with `shape` (no tensor besides the variable survives). */
export const variableOf = (values: Float32Array, shape: ReadonlyArray<number>): tf.Variable =>
  tf.tidy(() => tf.variable(tf.tensor(values, [...shape], "float32"), true))

/**
 * A dense layer's weight `[fanIn, fanOut]` and bias, both drawn from U(-1/sqrt(fanIn), 1/sqrt(fanIn))
 * in that order (torch.nn.Linear's default init).
 */
export const denseVariables = (rng: Rng, fanIn: number, fanOut: number): { readonly weight: tf.Variable; readonly bias: tf.Variable } => {
  const bound = 1 / Math.sqrt(fanIn)
  const weight = variableOf(uniformValues(rng, fanIn * fanOut, bound), [fanIn, fanOut])
  const bias = variableOf(uniformValues(rng, fanOut, bound), [fanOut])
  return { weight, bias }
}

/** The init stream of a run seed (torch-style uniform draws for every layer, in order). */
export const initRng = (seed: number): Rng => rngFromState(deriveSeed(seed, "model/init"))

/**
 * The dropout probability at `step`: the schedule's value clamped to [0, 1]. An absent schedule
 * (an IR from before dropout existed) is 0.
 */
export const dropoutAt = (schedule: ScheduleIR | undefined, step: number, read: ScheduleReader = closedForm): number => {
  if (schedule === undefined) return 0
  const p = read(schedule, step)
  return Number.isFinite(p) ? Math.min(Math.max(p, 0), 1) : 0
}

/**
 * The inverted-dropout multiplier for `size` units of dropout site `site` at `step`: each entry
 * is 0 with probability `p` and `1 / (1 - p)` otherwise (torch.nn.Dropout), from our PRNG stream
 * `"model/dropout/{site}/{step}"` of `seed`. A pure function of (seed, site, step), so a replayed
 * or resumed step draws the same mask on any backend; independent of tfjs's RNG.
 */
export const dropoutMask = (seed: number, site: string, step: number, size: number, p: number): Float32Array => {
  const rng = rngFromState(deriveSeed(seed, `model/dropout/${site}/${step}`))
  const scale = 1 / (1 - p)
  const mask = new Float32Array(size)
  for (let i = 0; i < size; i++) mask[i] = rng.uniform() < p ? 0 : scale
  return mask
}

/**
 * Inverted dropout of `x` (any shape) with probability `p`: identity when `p` is 0 or not training,
 * all zeros when `p` is 1. The mask is a constant, so the gradient is the same mask.
 */
export const dropout = <T extends tf.Tensor>(x: T, p: number, seed: number, site: string, step: number): T => {
  if (p <= 0) return x
  if (p >= 1) return tf.zerosLike(x)
  const mask = tf.tensor(dropoutMask(seed, site, step, x.size, p), x.shape, "float32")
  return tf.mul(x, mask)
}

/**
 * torch.nn.LayerNorm over the last axis: `(x - mean) / sqrt(var + eps) * gain + bias` with the
 * biased variance, eps 1e-5.
 */
export const layerNorm = <T extends tf.Tensor>(x: T, gain: tf.Variable, bias: tf.Variable, eps = 1e-5): T => {
  const { mean, variance } = tf.moments(x, -1, true)
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gain), bias)
}
