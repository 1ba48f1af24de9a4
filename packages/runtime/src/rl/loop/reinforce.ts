import * as tf from "@tensorflow/tfjs"
import { categoricalEntropy, categoricalLogProb } from "../categorical.ts"
import { reinforceAdvantages, reinforceLoss, valueRegressionLoss } from "../reinforce.ts"
import { discountedReturns } from "../returns.ts"
import type { ActorCritic } from "../policy/actorCritic.ts"
import { explainedVariance } from "../statistics.ts"
import type { PerUpdate } from "./clock.ts"
import { read, type Reading, runSync } from "../../run/reading.ts"
import { episodesOf } from "./episodic.ts"
import { episodeStatistics, type EpisodeStatistics } from "./episodes.ts"
import type { Learner } from "./learner.ts"
import { lossAndGradients } from "../../model/variables.ts"
import { rlUpdate } from "./optimizer.ts"

export interface ReinforceSettings {
  readonly gamma: number
  readonly lr: PerUpdate
  /**
   * What is subtracted from G_t: "none"; "whiten" (pytorch/examples `reinforce.py`, batch mean and
   * std of the returns); "value" (learned baseline: the policy's value head, regressed on G_t).
   */
  readonly baseline: "none" | "whiten" | "value"
  /** Weight of the value regression when baseline = "value" (pytorch/examples `actor_critic.py` sums both: 1). */
  readonly valueCoef?: number
  /** Default "mse"; `actor_critic.py` uses "smooth_l1". */
  readonly valueLoss?: "mse" | "smooth_l1"
  /** Entropy bonus (0 in the references). */
  readonly entropyCoef?: number
  readonly maxGradNorm?: number | undefined
  /** Rollout cap for envs without a time limit; default: the env's `maxEpisodeSteps`. */
  readonly maxSteps?: number
}

export interface ReinforceStatistics extends EpisodeStatistics {
  readonly iterations: number
  readonly updates: number
  readonly envSteps: number
  readonly lr: number
  readonly policyLoss: number
  readonly valueLoss: number
  /** Mean entropy of the policy over the batch's steps. */
  readonly entropy: number
  readonly gradNorm: number
  /** Of the value head against the returns (meaningful with baseline = "value"; the head is untrained otherwise). */
  readonly explainedVariance: number
}

/**
 * One REINFORCE iteration: every copy of the episodic env plays one episode, the Monte-Carlo
 * returns G_t become advantages with the chosen baseline, and one update is taken on the mean of
 * `−A_t log π(a_t|s_t)` over the batch's steps (plus the baseline's regression and the entropy
 * bonus). With N copies this is pytorch/examples' `reinforce.py` with N episodes per update, mean
 * instead of sum so the step size does not grow with the batch.
 */
export const reinforceIteration = <S, P extends Readonly<Record<string, number>>>(learner: Learner<S, P, ActorCritic>, settings: ReinforceSettings): ReinforceStatistics =>
  runSync(reinforceIterationOf(learner, settings))

/** `reinforceIteration` as a Reading (its reads awaited on a GPU). */
export function* reinforceIterationOf<S, P extends Readonly<Record<string, number>>>(learner: Learner<S, P, ActorCritic>, settings: ReinforceSettings): Reading<ReinforceStatistics> {
  const { env, policy } = learner
  const maxSteps = settings.maxSteps ?? env.spec.maxEpisodeSteps
  if (maxSteps === undefined || !Number.isInteger(maxSteps) || maxSteps < 1) throw new Error(`reinforce needs a positive integer maxSteps for ${env.spec.id}`)
  const batch = yield* episodesOf(env, policy, learner.rngs.actions, maxSteps)
  const returns = discountedReturns(batch, settings.gamma)
  const rows = Int32Array.from(Array.from(batch.active).flatMap((a, k) => (a === 1 ? [k] : [])))
  const B = rows.length
  const O = policy.observationSize
  const G = Float64Array.from(rows, (k) => returns[k]!)
  const V = Float64Array.from(rows, (k) => batch.values[k]!)
  const advantages = settings.baseline === "none"
    ? reinforceAdvantages(G, { kind: "none" })
    : settings.baseline === "whiten"
    ? reinforceAdvantages(G, { kind: "whiten" })
    : reinforceAdvantages(G, { kind: "value", values: V })
  const obs = new Float32Array(B * O)
  rows.forEach((k, j) => obs.set(batch.observations.subarray(k * O, (k + 1) * O), j * O))
  const actions = Int32Array.from(rows, (k) => batch.actions[k]!)
  learner.clock = { ...learner.clock, envSteps: learner.clock.envSteps + B }

  // The loss terms, kept out of the tape and read after it.
  let kept: Array<tf.Tensor> = []
  const { loss, grads } = tf.tidy(() => {
    const x = tf.tensor2d(obs, [B, O])
    const a = tf.tensor1d(actions, "int32")
    return lossAndGradients(() => {
      const { logits, values } = policy.forward(x)
      const pg = reinforceLoss(categoricalLogProb(logits, a), advantages, "mean")
      const entropy = tf.mean(categoricalEntropy(logits)) as tf.Scalar
      let total = tf.sub(pg, tf.mul(settings.entropyCoef ?? 0, entropy)) as tf.Scalar
      kept = [pg, entropy].map((t) => tf.keep(t))
      if (settings.baseline === "value") {
        const v = valueRegressionLoss(values, G, settings.valueLoss ?? "mse", "mean")
        kept.push(tf.keep(v))
        total = tf.add(total, tf.mul(settings.valueCoef ?? 1, v)) as tf.Scalar
      }
      return total
    }, policy.variables, { unreached: "zeros" })
  })
  loss.dispose()
  let terms: { policy: number; value: number; entropy: number }
  try {
    const [pg, entropy, value] = yield* read(...kept)
    terms = { policy: pg![0]!, value: value === undefined ? Number.NaN : value[0]!, entropy: entropy![0]! }
  } finally {
    tf.dispose(kept)
  }
  const { norm: gradNorm, lr } = yield* rlUpdate(learner, grads, settings.lr, settings.maxGradNorm)
  learner.clock = { ...learner.clock, iterations: learner.clock.iterations + 1 }
  return {
    ...episodeStatistics(batch.episodes),
    iterations: learner.clock.iterations,
    updates: learner.clock.updates,
    envSteps: learner.clock.envSteps,
    lr,
    policyLoss: terms.policy,
    valueLoss: terms.value,
    entropy: terms.entropy,
    gradNorm,
    explainedVariance: explainedVariance(V, G)
  }
}
