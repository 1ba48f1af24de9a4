import { deriveSeed, type Rng, rngFromState, type RngState } from "../../data/random.ts"
import type { OptimizerState } from "../../optim/Optimizer.ts"
import type { VectorEnv, VectorEnvState } from "../env/vector.ts"
import type { PolicyParameters, PolicyWeights } from "../policy/weights.ts"
import { type RlClock, startClock } from "./clock.ts"
import { createRlAdam, type RlAdamOptions, type RlOptimizer } from "./optimizer.ts"

/** The random streams of a loop, apart from the env's own. */
export interface LearnerRngs {
  /** Action (token) sampling during rollouts. */
  actions: Rng
  /** Minibatch shuffles of the update phase. */
  minibatches: Rng
}

/**
 * Everything one RL run mutates, in one place so a checkpoint can take all of it: the vectorised
 * env, the policy, its optimizer, the loop's random streams and the clock.
 */
export interface Learner<S, P extends Readonly<Record<string, number>>, Pol extends PolicyParameters> {
  readonly env: VectorEnv<S, P>
  readonly policy: Pol
  readonly optimizer: RlOptimizer
  readonly rngs: LearnerRngs
  clock: RlClock
}

export interface LearnerOptions<S, P extends Readonly<Record<string, number>>, Pol extends PolicyParameters> {
  readonly env: VectorEnv<S, P>
  readonly policy: Pol
  /** Seeds the loop's streams `"rl/actions"` and `"rl/minibatches"` (the env and policy take their own seeds). */
  readonly seed: number
  readonly adam?: RlAdamOptions
}

/**
 * A learner at clock 0. An auto-resetting env (continuing rollouts, PPO) is reset here once; an
 * episodic one (`autoReset = false`: REINFORCE, GRPO) is reset by each iteration.
 */
export const createLearner = <S, P extends Readonly<Record<string, number>>, Pol extends PolicyParameters>(
  options: LearnerOptions<S, P, Pol>
): Learner<S, P, Pol> => {
  if (options.env.autoReset) options.env.reset()
  return {
    env: options.env,
    policy: options.policy,
    optimizer: createRlAdam(options.policy.variables, options.adam),
    rngs: {
      actions: rngFromState(deriveSeed(options.seed, "rl/actions")),
      minibatches: rngFromState(deriveSeed(options.seed, "rl/minibatches"))
    },
    clock: startClock
  }
}

/** A learner's whole state between iterations: plain data (weights and slots as Float32Arrays). */
export interface LearnerState<S, P> {
  readonly env: VectorEnvState<S, P>
  readonly policy: PolicyWeights
  readonly optimizer: OptimizerState
  readonly rngs: { readonly actions: RngState; readonly minibatches: RngState }
  readonly clock: RlClock
}

export const saveLearner = async <S, P extends Readonly<Record<string, number>>, Pol extends PolicyParameters>(
  learner: Learner<S, P, Pol>
): Promise<LearnerState<S, P>> => {
  // `policy.state()` reads synchronously: fetched first, so it also works on a GPU (webgpu cannot read synchronously).
  await Promise.all(learner.policy.variables.map((v) => v.variable.data()))
  return {
    env: learner.env.state(),
    policy: learner.policy.state(),
    optimizer: await learner.optimizer.state(),
    rngs: { actions: learner.rngs.actions.state, minibatches: learner.rngs.minibatches.state },
    clock: learner.clock
  }
}

/** Puts a saved state into a learner built with the same env spec, options and architecture. */
export const restoreLearner = <S, P extends Readonly<Record<string, number>>, Pol extends PolicyParameters>(
  learner: Learner<S, P, Pol>,
  saved: LearnerState<S, P>
): void => {
  learner.env.restore(saved.env)
  learner.policy.restore(saved.policy)
  learner.optimizer.restore(saved.optimizer)
  learner.rngs.actions = rngFromState(saved.rngs.actions)
  learner.rngs.minibatches = rngFromState(saved.rngs.minibatches)
  learner.clock = saved.clock
}

/** Frees the policy's and optimizer's tensors. */
export const disposeLearner = <S, P extends Readonly<Record<string, number>>, Pol extends PolicyParameters>(learner: Learner<S, P, Pol>): void => {
  learner.optimizer.dispose()
  learner.policy.dispose()
}
