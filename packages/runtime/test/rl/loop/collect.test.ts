import { assert, beforeAll, describe, it } from "@effect/vitest"
import { starters } from "../../../src/backend/Backend.ts"
import { createRng } from "../../../src/data/random.ts"
import type { EnvSpec } from "../../../src/rl/env/env.ts"
import { VectorEnv } from "../../../src/rl/env/vector.ts"
import { collectRollout, evaluatePolicy } from "../../../src/rl/loop/collect.ts"
import { collectEpisodes } from "../../../src/rl/loop/episodic.ts"
import { createActorCritic } from "../../../src/rl/policy/actorCritic.ts"

/** Observation = [step within the episode, action sum]; never terminates; action 1 ends it early in "stop" mode. */
const counter = (maxEpisodeSteps: number | undefined): EnvSpec<{ readonly t: number; readonly sum: number }> => ({
  id: "counter",
  observationSize: 2,
  actions: 2,
  maxEpisodeSteps,
  categories: [],
  params: {},
  reset: () => ({ t: 0, sum: 0 }),
  step: (s, a) => ({ state: { t: s.t + 1, sum: s.sum + a }, reward: a, terminated: maxEpisodeSteps === undefined && s.t + 1 >= 2 && a === 1 }),
  observe: (s, out, offset) => {
    out[offset] = s.t
    out[offset + 1] = s.sum
  }
})

describe("rollout collection", () => {
  beforeAll(() => starters.cpu())

  it("collectRollout keeps π_old and V_old of the observation each action was taken from, time-major", () => {
    const env = new VectorEnv(counter(3), { numEnvs: 2, seed: 0 })
    env.reset()
    const policy = createActorCritic({ observationSize: 2, actions: 2, hidden: [8], seed: 1 })
    const r = collectRollout(env, policy, 7, createRng(5), true)
    const again = evaluatePolicy(policy, r.observations, 14)
    for (let k = 0; k < 14; k++) {
      assert.strictEqual(r.logProbs[k], again.logProbs[k * 2 + r.actions[k]!], `logProb ${k}`)
      assert.strictEqual(r.values[k], again.values[k], `value ${k}`)
      // Time-major: step t of copy i at t·N + i; observation[0] counts the steps within the episode.
      assert.strictEqual(r.observations[k * 2], Math.floor(k / 2) % 3)
      assert.strictEqual(r.truncated[k], Math.floor(k / 2) % 3 === 2 ? 1 : 0)
      assert.strictEqual(r.rewards[k], r.actions[k])
    }
    // Values of truncated final observations exist only where there was a truncation.
    for (let k = 0; k < 14; k++) assert.strictEqual(r.finalValues[k] !== 0, r.truncated[k] === 1, `finalValues ${k}`)
    assert.strictEqual(r.episodes.length, 4)
    const last = evaluatePolicy(policy, env.observation(), 2).values
    assert.deepStrictEqual(Array.from(r.lastValues), Array.from(last))
    policy.dispose()
  })

  it("collectEpisodes plays one padded episode per copy and cuts at maxSteps", () => {
    const env = new VectorEnv(counter(undefined), { numEnvs: 3, seed: 0, autoReset: false })
    const policy = createActorCritic({ observationSize: 2, actions: 2, hidden: [8], seed: 2 })
    const b = collectEpisodes(env, policy, createRng(1), 50)
    assert.strictEqual(b.episodes.length, 3)
    for (const e of b.episodes) {
      let steps = 0
      for (let t = 0; t < b.steps; t++) steps += b.active[t * 3 + e.env]!
      assert.strictEqual(steps, e.length)
      assert.strictEqual(b.terminated[(e.length - 1) * 3 + e.env], 1)
    }
    const cut = collectEpisodes(env, policy, createRng(1), 1)
    assert.strictEqual(cut.steps, 1)
    assert.deepStrictEqual(Array.from(cut.truncated), [1, 1, 1])
    policy.dispose()
  })
})
