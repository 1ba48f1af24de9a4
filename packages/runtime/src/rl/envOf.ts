import type { EnvIR } from "@lrs/compiler"
import { deriveSeed, rngFromState } from "../data/random.ts"
import { bandit } from "./env/bandit.ts"
import { cartpole } from "./env/cartpole.ts"
import { copyReverse } from "./env/copyReverse.ts"
import { DIGIT_SUM_WEIGHTS, digitSum } from "./env/digitSum.ts"
import type { EnvSpec } from "./env/env.ts"
import { frozenLake } from "./env/frozenLake.ts"

/**
 * The environment an IR names. A bandit run is one problem: its q* come from the run's seed and
 * every copy pulls the same arms (a policy that sees a constant observation can only learn one
 * arm preference, so copies with problems of their own would leave it the arm best on average).
 */
export const envOf = (env: EnvIR, seed: number): EnvSpec<unknown> => {
  switch (env.kind) {
    case "cartpole":
      return cartpole() as EnvSpec<unknown>
    case "frozen_lake":
      return frozenLake({ map: env.map, slippery: env.slippery }) as EnvSpec<unknown>
    case "digit_sum":
      return digitSum({ minTarget: env.minTarget ?? 1, maxTarget: env.maxTarget, maxLength: env.maxLength, reflect: env.reflect === true, weights: { ...DIGIT_SUM_WEIGHTS, format: env.formatWeight ?? DIGIT_SUM_WEIGHTS.format } }) as unknown as EnvSpec<unknown>
    case "copy_reverse":
      return copyReverse({ mode: env.mode, alphabet: env.alphabet, minLength: env.minLength, maxLength: env.maxLength, reward: env.reward }) as unknown as EnvSpec<unknown>
    case "bandit": {
      const rng = rngFromState(deriveSeed(seed, "rl/bandit"))
      const q = Array.from({ length: env.arms }, () => env.mean + env.std * rng.normal())
      // A drifting problem walks alike in every copy: one stream, started the same in each.
      const drift = env.drift === undefined ? {} : { driftStd: env.drift, walkSeed: deriveSeed(seed, "rl/bandit/walk") }
      return bandit({ arms: env.arms, rewardStd: env.noise, q, ...drift }) as EnvSpec<unknown>
    }
  }
}

/** The length of a token task's prompt features: the first entries of its observation (digit-sum's one-hot target, copy/reverse's one-hot string). */
export const promptSizeOf = (env: EnvIR, spec: EnvSpec<unknown>): number =>
  env.kind === "digit_sum" ? env.maxTarget : env.kind === "copy_reverse" ? env.maxLength * env.alphabet : spec.observationSize
