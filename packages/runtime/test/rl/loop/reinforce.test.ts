import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { starters } from "../../../src/backend/Backend.ts"
import { cartpole } from "../../../src/rl/env/cartpole.ts"
import { VectorEnv } from "../../../src/rl/env/vector.ts"
import { createLearner, disposeLearner, restoreLearner, saveLearner } from "../../../src/rl/loop/learner.ts"
import { reinforceIteration, type ReinforceSettings } from "../../../src/rl/loop/reinforce.ts"
import { createActorCritic } from "../../../src/rl/policy/actorCritic.ts"

const learnerOf = (seed: number, numEnvs = 8) =>
  createLearner({
    env: new VectorEnv(cartpole(), { numEnvs, seed, autoReset: false }),
    policy: createActorCritic({ observationSize: 4, actions: 2, seed }),
    seed
  })

/** pytorch/examples `reinforce.py`'s whitened returns, γ 0.99, Adam lr 1e-2, with 8 episodes per update. */
const whiten: ReinforceSettings = { gamma: 0.99, lr: 1e-2, baseline: "whiten", maxGradNorm: 0.5 }

describe("reinforceIteration", () => {
  beforeAll(() => starters.wasm())

  it("learns CartPole-v1 with whitened returns: the mean return of 8 episodes passes 300 within 20 updates", () => {
    const learner = learnerOf(1)
    const start = performance.now()
    const curve = Array.from({ length: 20 }, () => reinforceIteration(learner, whiten).meanReturn)
    console.log(`reinforce cartpole: ${curve.map((r) => r.toFixed(0)).join(" ")} (${((performance.now() - start) / 1000).toFixed(1)} s on ${tf.getBackend()})`)
    assert.isBelow(curve[0]!, 30)
    assert.isAbove(Math.max(...curve.slice(-5)), 300)
    disposeLearner(learner)
  })

  it("a value baseline trains the critic and also learns; with whitening the critic stays exactly as initialised", () => {
    const critic = (l: ReturnType<typeof learnerOf>) => Object.entries(l.policy.state()).filter(([name]) => name.startsWith("critic."))
    const valued = learnerOf(2)
    const init = critic(valued)
    const curve = Array.from({ length: 25 }, () => reinforceIteration(valued, { gamma: 0.99, lr: 1e-2, baseline: "value", valueCoef: 0.5, maxGradNorm: 0.5 }).meanReturn)
    assert.isAbove(Math.max(...curve.slice(-5)), 100)
    assert.notDeepEqual(critic(valued), init)
    const whitened = learnerOf(2)
    const before = critic(whitened)
    for (let i = 0; i < 3; i++) reinforceIteration(whitened, whiten)
    // No loss term reaches the critic: zero gradients, so Adam's moments and steps stay 0.
    assert.deepStrictEqual(critic(whitened), before)
    disposeLearner(valued)
    disposeLearner(whitened)
  })

  it("one update per iteration over every step of every episode; deterministic and resumable", async () => {
    const learner = learnerOf(3, 4)
    const s1 = reinforceIteration(learner, whiten)
    assert.strictEqual(s1.updates, 1)
    assert.strictEqual(s1.episodes, 4)
    assert.strictEqual(s1.envSteps, s1.lengths.reduce((a, b) => a + b, 0))
    const saved = structuredClone(await saveLearner(learner))
    const next = [reinforceIteration(learner, whiten), reinforceIteration(learner, whiten)]
    const fresh = learnerOf(50, 4)
    restoreLearner(fresh, saved)
    assert.deepStrictEqual([reinforceIteration(fresh, whiten), reinforceIteration(fresh, whiten)], next)
    const tensors = tf.memory().numTensors
    reinforceIteration(fresh, whiten)
    assert.strictEqual(tf.memory().numTensors, tensors)
    disposeLearner(learner)
    disposeLearner(fresh)
  })
})
