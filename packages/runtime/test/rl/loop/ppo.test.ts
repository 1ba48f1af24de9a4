import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { starters } from "../../../src/backend/Backend.ts"
import { cartpole } from "../../../src/rl/env/cartpole.ts"
import { VectorEnv } from "../../../src/rl/env/vector.ts"
import type { RlClock } from "../../../src/rl/loop/clock.ts"
import { createLearner, disposeLearner, restoreLearner, saveLearner } from "../../../src/rl/loop/learner.ts"
import { CLEANRL_PPO, cleanrlAnnealedLr, ppoIteration, type PpoSettings } from "../../../src/rl/loop/ppo.ts"
import { createActorCritic } from "../../../src/rl/policy/actorCritic.ts"

const cartpoleLearner = (seed: number, options: { readonly policySeed?: number } = {}) =>
  createLearner({
    env: new VectorEnv(cartpole(), { numEnvs: 4, seed }),
    policy: createActorCritic({ observationSize: 4, actions: 2, seed: options.policySeed ?? seed }),
    seed
  })

/** A shorter rollout than CleanRL's keeps the bookkeeping tests fast; everything else is its default. */
const small: PpoSettings = { ...CLEANRL_PPO, steps: 32 }

describe("ppoIteration", () => {
  // wasm is ~4x faster than cpu here (bench/rl-cartpole.bench.ts) and gives the same numbers.
  beforeAll(() => starters.wasm())

  it("learns CartPole-v1 with CleanRL's defaults: last 20 episodes average > 150 after 51 200 steps", () => {
    const iterations = 100
    const learner = cartpoleLearner(1)
    const settings = { ...CLEANRL_PPO, lr: cleanrlAnnealedLr(2.5e-4, iterations) }
    const start = performance.now()
    const returns: Array<number> = []
    let first = Number.NaN
    for (let i = 0; i < iterations; i++) {
      const s = ppoIteration(learner, settings)
      if (i === 0) first = s.meanReturn
      returns.push(...s.returns)
    }
    const last = returns.slice(-20)
    const mean = last.reduce((a, b) => a + b, 0) / last.length
    console.log(`ppo cartpole: first iteration ${first.toFixed(1)}, last 20 episodes ${mean.toFixed(1)}, ${((performance.now() - start) / 1000).toFixed(1)} s on ${tf.getBackend()}`)
    // A random policy lasts ~22 steps; the first rollout is that policy.
    assert.isBelow(first, 30)
    assert.isAbove(mean, 150)
    assert.strictEqual(learner.clock.envSteps, iterations * 512)
    assert.strictEqual(learner.clock.updates, iterations * 16)
    disposeLearner(learner)
  })

  it("is deterministic: the same seed gives bit-identical statistics and weights", () => {
    const run = () => {
      const learner = cartpoleLearner(7)
      const stats = Array.from({ length: 3 }, () => ppoIteration(learner, small))
      const weights = learner.policy.state()
      disposeLearner(learner)
      return { stats, weights }
    }
    const a = run()
    const b = run()
    assert.deepStrictEqual(b, a)
    const other = cartpoleLearner(8)
    assert.notDeepEqual(ppoIteration(other, small).returns, a.stats[0]!.returns)
    disposeLearner(other)
  })

  it("resumes exactly: env, policy, optimizer, streams and clock restored into fresh objects continue identically", async () => {
    const learner = cartpoleLearner(3)
    for (let i = 0; i < 2; i++) ppoIteration(learner, small)
    const saved = structuredClone(await saveLearner(learner))
    const next = [ppoIteration(learner, small), ppoIteration(learner, small)]
    // Different seeds everywhere: everything that matters must come from the saved state.
    const fresh = cartpoleLearner(99, { policySeed: 42 })
    restoreLearner(fresh, saved)
    assert.deepStrictEqual([ppoIteration(fresh, small), ppoIteration(fresh, small)], next)
    assert.deepStrictEqual(fresh.policy.state(), learner.policy.state())
    assert.deepStrictEqual(await fresh.optimizer.state(), await learner.optimizer.state())
    disposeLearner(learner)
    disposeLearner(fresh)
  })

  it("counts the clock, reads a per-update lr before each update, and keeps no tensors", () => {
    const learner = cartpoleLearner(2)
    const seen: Array<RlClock> = []
    const lr = (clock: RlClock) => {
      seen.push(clock)
      return 1e-3 / (1 + clock.updates)
    }
    const s1 = ppoIteration(learner, { ...small, lr })
    assert.deepStrictEqual([s1.iterations, s1.updates, s1.envSteps, s1.epochs, s1.stoppedEarly], [1, 16, 128, 4, false])
    assert.deepStrictEqual(seen.map((c) => c.updates), Array.from({ length: 16 }, (_, u) => u))
    // The update phase runs after the rollout, so env steps already include it (SB3's reading).
    assert.isTrue(seen.every((c) => c.envSteps === 128 && c.iterations === 0))
    assert.strictEqual(s1.lr, 1e-3)
    const tensors = tf.memory().numTensors
    const s2 = ppoIteration(learner, { ...small, lr })
    assert.strictEqual(tf.memory().numTensors, tensors)
    assert.strictEqual(s2.lr, 1e-3 / 17)
    for (const k of ["entropy", "approxKl", "clipFraction", "explainedVariance", "gradNorm", "policyLoss", "valueLoss"] as const) assert.isTrue(Number.isFinite(s2[k]), k)
    assert.isAbove(s2.entropy, 0)
    assert.isAtMost(s2.entropy, Math.LN2 + 1e-6)
    disposeLearner(learner)
  })

  it("measures the FAU on the rollout and the first epoch's gradient SNR, scales the lr, and keeps no tensors", () => {
    const learner = cartpoleLearner(3)
    const plain = ppoIteration(learner, small)
    assert.isNaN(plain.snr)
    assert.isNaN(plain.fau)
    const tensors = tf.memory().numTensors
    const s = ppoIteration(learner, { ...small, lr: 1e-3, lrScale: 0.25, snr: true, fau: true })
    assert.strictEqual(tf.memory().numTensors, tensors)
    assert.strictEqual(s.lr, 1e-3 * 0.25)
    assert.isAbove(s.snr, 0)
    assert.isTrue(Number.isFinite(s.snr))
    // tanh units: about half positive at CleanRL's init.
    assert.isAbove(s.fau, 0.2)
    assert.isBelow(s.fau, 0.8)
    disposeLearner(learner)
  })

  it("target_kl stops after the epoch (CleanRL) or before the minibatch's step (SB3)", () => {
    const tiny = { ...small, lr: 1e-2, targetKl: 1e-12 }
    const a = cartpoleLearner(4)
    const cleanrl = ppoIteration(a, tiny)
    assert.deepStrictEqual([cleanrl.epochs, cleanrl.updates, cleanrl.stoppedEarly], [1, 4, true])
    const b = cartpoleLearner(4)
    const sb3 = ppoIteration(b, { ...tiny, targetKlConvention: "sb3" })
    // The first minibatch sees the rollout's own policy (KL ≈ 0); after one step of lr 1e-2 the
    // next exceeds the target and is not applied.
    assert.strictEqual(sb3.epochs, 1)
    assert.isTrue(sb3.stoppedEarly)
    assert.isAtMost(sb3.updates, 1)
    assert.isAbove(sb3.approxKl, 1e-12)
    disposeLearner(a)
    disposeLearner(b)
  })
})
