import { assert, beforeAll, describe, it } from "@effect/vitest"
import { starters } from "../../../src/backend/Backend.ts"
import { informativeGroups } from "../../../src/rl/dapo.ts"
import { rngFromState } from "../../../src/data/random.ts"
import { digitSum } from "../../../src/rl/env/digitSum.ts"
import { VectorEnv } from "../../../src/rl/env/vector.ts"
import { sampleGroups } from "../../../src/rl/loop/groups.ts"
import { createSequencePolicy } from "../../../src/rl/policy/sequence.ts"

/** 4 prompts x 8 answers of digit-sum (targets 1..9) and a fresh policy. */
const setup = (seed: number) => ({
  env: new VectorEnv(digitSum({ maxTarget: 9 }), { numEnvs: 32, groupSize: 8, autoReset: false, seed }),
  policy: createSequencePolicy({ promptSize: 9, vocab: 11, seed }),
  rng: rngFromState(seed)
})

describe("sampleGroups", () => {
  beforeAll(() => starters.wasm())

  it("without the filter: one batch, every group, rewards shaped by length", () => {
    const { env, policy, rng } = setup(1)
    const b = sampleGroups(env, policy, rng, 1, 64, { filter: false, maxGenerations: 1, shape: (n) => -n / 100 })
    assert.strictEqual(b.generations.length, 1)
    assert.strictEqual(b.dropped, 0)
    assert.strictEqual(b.tokens.length, 32)
    b.episodes.forEach((e, i) => assert.approximately(b.rewards[i]!, e.return - b.tokens[i]!.length / 100, 1e-12))
    assert.strictEqual(b.generatedTokens, b.tokens.reduce((a, t) => a + t.length, 0))
    assert.strictEqual(b.prompts.length, 32 * 9)
    policy.dispose()
  })

  it("with the filter: keeps only groups whose rewards differ, across batches, at most one batch of them", () => {
    const { env, policy, rng } = setup(2)
    const b = sampleGroups(env, policy, rng, 1, 64, { filter: true, maxGenerations: 3 })
    const kept = informativeGroups(b.rewards, 8)
    assert.isTrue(kept.every((k) => k))
    assert.isAtMost(b.tokens.length, 32)
    const zero = b.generations.reduce((n, g) => n + informativeGroups(g.rewards, 8).filter((k) => !k).length, 0)
    assert.strictEqual(b.dropped, zero)
    // Stopped as soon as a batch was full, or at the bound.
    assert.isTrue(b.tokens.length === 32 || b.generations.length === 3)
    // Near-greedy sampling: every group's answers agree, nothing is kept.
    const greedy = setup(3)
    const none = sampleGroups(greedy.env, greedy.policy, greedy.rng, 1e-6, 64, { filter: true, maxGenerations: 2 })
    assert.deepStrictEqual([none.generations.length, none.dropped, none.tokens.length, none.rewards.length], [2, 8, 0, 0])
    policy.dispose()
    greedy.policy.dispose()
  })
})
