import { assert, beforeAll, describe, it } from "@effect/vitest"
import { starters } from "../../../src/backend/Backend.ts"
import { allocateRollouts, gradientSpread } from "../../../src/rl/curesAllocation.ts"
import { rngFromState } from "../../../src/data/random.ts"
import { digitSum } from "../../../src/rl/env/digitSum.ts"
import { VectorEnv } from "../../../src/rl/env/vector.ts"
import { answerShares, curesAllocation, probeOf } from "../../../src/rl/loop/allocate.ts"
import { generate } from "../../../src/rl/loop/generate.ts"
import { fixedGroups, sampleGroups } from "../../../src/rl/loop/groups.ts"
import { createSequencePolicy } from "../../../src/rl/policy/sequence.ts"
import { runSync } from "../../../src/run/reading.ts"

/** 6 prompts of digit-sum (targets 1..18, half of them hard for a fresh policy), room for 12 answers each. */
const setup = (seed: number) => ({
  env: new VectorEnv(digitSum({ maxTarget: 18 }), { numEnvs: 72, groupSize: 12, autoReset: false, seed }),
  policy: createSequencePolicy({ promptSize: 18, vocab: 11, seed }),
  rng: rngFromState(seed)
})

describe("groups of chosen sizes", () => {
  beforeAll(() => starters.wasm())

  it("a fixed size below the env's group decodes only that many answers per prompt", () => {
    const { env, policy, rng } = setup(1)
    const c = runSync(fixedGroups(3)(env, policy, rng, 1, 64))
    assert.deepStrictEqual(c.sizes, [3, 3, 3, 3, 3, 3])
    assert.deepStrictEqual(c.copies, [0, 1, 2, 12, 13, 14, 24, 25, 26, 36, 37, 38, 48, 49, 50, 60, 61, 62])
    assert.strictEqual(c.prompts.length, 18 * 18)
    c.episodes.forEach((e, i) => assert.strictEqual(e.env, c.copies[i]))
    policy.dispose()
  })

  it("CurES's allocation: probes, then each prompt's answers in all as allocateRollouts says, on the same prompt", () => {
    const { env, policy, rng } = setup(2)
    // A flat policy (temperature 3) answers right now and then: some groups have both outcomes.
    const c = runSync(curesAllocation({ min: 4, max: 12, total: 48 })(env, policy, rng, 3, 64))
    // The same draws made by hand: probes of 4, then the extra answers.
    const hand = setup(2)
    const probes = generate(hand.env, hand.policy, hand.rng, 3, 64, { sizes: new Array(6).fill(4) })
    const spreads = Array.from({ length: 6 }, (_, g) => gradientSpread([0, 1, 2, 3].map((j) => probeOf(probes, 4 * g + j))))
    assert.isTrue(spreads.some((s) => s > 0) && spreads.some((s) => s === 0))
    const sizes = allocateRollouts(spreads, 48, 4, 12)
    assert.deepStrictEqual(c.sizes, sizes)
    spreads.forEach((s, g) => s === 0 && assert.strictEqual(sizes[g], 4))
    // Rows lie group after group, probes first; every answer of a group had its group's target.
    assert.strictEqual(c.tokens.length, sizes.reduce((a, b) => a + b, 0))
    let at = 0
    sizes.forEach((n, g) => {
      const rows = c.copies.slice(at, at + n)
      assert.deepStrictEqual(rows, Array.from({ length: n }, (_, j) => 12 * g + j))
      const targets = new Set(c.episodes.slice(at, at + n).map((e) => e.info["target"]))
      assert.strictEqual(targets.size, 1)
      assert.strictEqual(c.episodes[at]!.info["target"], probes.episodes[4 * g]!.info["target"])
      at += n
    })
    // Through sampleGroups: the batch keeps every group at its size and counts every token, probes included.
    const again = setup(2)
    const b = sampleGroups(again.env, again.policy, again.rng, 3, 64, { filter: false, maxGenerations: 1, draw: curesAllocation({ min: 4, max: 12, total: 48 }) })
    assert.deepStrictEqual(b.sizes, sizes)
    assert.strictEqual(b.generatedTokens, c.tokens.reduce((a, t) => a + t.length, 0))
    assert.deepStrictEqual(answerShares([{ all: 30 }, { all: 10 }]), { n0: 0.75, n1: 0.25 })
    ;[policy, hand.policy, again.policy].forEach((p) => p.dispose())
  })
})
