import * as tf from "@tensorflow/tfjs"
import type { ScheduleIR } from "@lrs/compiler"
import type { Span } from "@lrs/dsl"
import type { NamedVariable } from "../../model/variables.ts"
import { createAdam } from "../../optim/adam.ts"
import { globalNorm, scaleToNorm } from "../../optim/common.ts"
import { withProjection } from "../../optim/project.ts"
import type { PolicyParameters } from "../policy/weights.ts"
import { read, type Reading, runSync } from "../../run/reading.ts"
import { type PerUpdate, readPerUpdate } from "./clock.ts"
import type { GradientMoments } from "./gradientMoments.ts"
import type { Learner } from "./learner.ts"
import type { OptimizerState } from "../../optim/Optimizer.ts"
import { closedForm, type ScheduleReader } from "../../schedule/ScheduleReader.ts"

export interface RlAdamOptions {
  readonly beta1?: number
  readonly beta2?: number
  /** CleanRL's PPO and SB3's policies use 1e-5 (torch's default is 1e-8). */
  readonly epsilon?: number
  /** Normalize-and-Project: every weight matrix a layer norm follows back to its norm at creation after each update (`withProjection`). */
  readonly project?: boolean
}

/** The repo's Adam with the learning rate given per update by the caller, not by a ScheduleIR. */
export interface RlOptimizer {
  /** Applies one update with learning rate `lr`; the caller keeps (and disposes) `grads`. */
  step(grads: Readonly<Record<string, tf.Tensor>>, lr: number): void
  state(): Promise<OptimizerState>
  restore(state: OptimizerState): void
  dispose(): void
}

/**
 * The weight matrices a layer norm follows (`<layer>.weight` beside `<layer>.norm.weight`): only
 * there is a matrix's scale not the function's. The heads are left free: a value head held at its
 * initial norm cannot reach returns in the hundreds, nor a policy head at gain 0.01 leave the
 * uniform policy (measured: PPO on CartPole stays at a return of 35 with every matrix projected).
 */
export const normalised = (variables: ReadonlyArray<NamedVariable>): Array<NamedVariable> => {
  const names = new Set(variables.map((v) => v.name))
  return variables.filter((v) => v.name.endsWith(".weight") && !v.name.endsWith(".norm.weight") && names.has(v.name.replace(/\.weight$/, ".norm.weight")))
}

const span: Span = { file: "<rl>", start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } }
const constant = (value: number): ScheduleIR => ({ kind: "constant", value, span })

/**
 * `createAdam` (torch.optim.Adam, our implementation) whose lr schedule is a placeholder the reader
 * answers with the value passed to `step`: the RL loop reads its schedules itself (on the update or
 * env-step clock) and hands the number over, while the moments, bias correction and checkpoint
 * format stay the runtime's.
 */
export const createRlAdam = (variables: ReadonlyArray<NamedVariable>, options: RlAdamOptions = {}): RlOptimizer => {
  let lr = Number.NaN
  const lrSchedule = constant(Number.NaN)
  const read: ScheduleReader = (s, t) => (s === lrSchedule ? lr : closedForm(s, t))
  const plain = createAdam(
    { kind: "adam", lr: lrSchedule, beta1: constant(options.beta1 ?? 0.9), beta2: constant(options.beta2 ?? 0.999), epsilon: options.epsilon ?? 1e-5, weightDecay: constant(0), span },
    variables,
    read
  )
  // Created before any restore: the norms projected to are the seeded init's, as on a resume.
  const adam = options.project === true ? withProjection(plain, normalised(variables)) : plain
  return {
    step: (grads, value) => {
      if (!Number.isFinite(value) || value < 0) throw new Error(`learning rate must be a finite non-negative number, got ${value}`)
      lr = value
      adam.step(grads, 0)
    },
    state: () => adam.state(),
    restore: (s) => adam.restore(s),
    dispose: () => adam.dispose()
  }
}

/**
 * `torch.nn.utils.clip_grad_norm_`: the global L2 norm over all gradients, and when `maxNorm` is
 * given every gradient scaled by `min(1, maxNorm / (norm + 1e-6))` (the supervised trainer's
 * `clip_norm`, shared). Replaces (and disposes) the entries of `grads` it scales; returns the norm
 * before clipping.
 */
export const clipGlobalNorm = (grads: Record<string, tf.Tensor>, maxNorm: number | undefined): number => runSync(clipGlobalNormOf(grads, maxNorm))

/** `clipGlobalNorm` as a Reading (the norm awaited on a GPU). */
export function* clipGlobalNormOf(grads: Record<string, tf.Tensor>, maxNorm: number | undefined): Reading<number> {
  const norm = globalNorm(Object.values(grads))
  let value: number
  try {
    value = (yield* read(norm))[0]![0]!
  } finally {
    norm.dispose()
  }
  if (maxNorm !== undefined) scaleToNorm(grads, value, maxNorm)
  return value
}

/**
 * One optimizer update of an RL iteration: gradients clipped to `maxNorm`, the lr read on the
 * clock (before the update) and multiplied by `lrScale` (OBLR-PO's SNR factor; default 1), Adam
 * applied, the gradients disposed and the update counted. `moments`, when given, keeps the
 * gradients before clipping (for the SNR). Returns the norm before clipping and the lr used.
 */
export const applyRlUpdate = <S, P extends Readonly<Record<string, number>>, Pol extends PolicyParameters>(
  learner: Learner<S, P, Pol>,
  grads: Record<string, tf.Tensor>,
  lr: PerUpdate,
  maxNorm: number | undefined,
  extra: RlUpdateExtras = {}
): { readonly norm: number; readonly lr: number } => runSync(rlUpdate(learner, grads, lr, maxNorm, extra))

export interface RlUpdateExtras {
  readonly lrScale?: number
  readonly moments?: GradientMoments | undefined
}

/** `applyRlUpdate` as a Reading (the norm awaited on a GPU). */
export function* rlUpdate<S, P extends Readonly<Record<string, number>>, Pol extends PolicyParameters>(
  learner: Learner<S, P, Pol>,
  grads: Record<string, tf.Tensor>,
  lr: PerUpdate,
  maxNorm: number | undefined,
  extra: RlUpdateExtras = {}
): Reading<{ readonly norm: number; readonly lr: number }> {
  extra.moments?.add(grads)
  const norm = yield* clipGlobalNormOf(grads, maxNorm)
  const value = readPerUpdate(lr, learner.clock) * (extra.lrScale ?? 1)
  learner.optimizer.step(grads, value)
  tf.dispose(Object.values(grads))
  learner.clock = { ...learner.clock, updates: learner.clock.updates + 1 }
  return { norm, lr: value }
}
