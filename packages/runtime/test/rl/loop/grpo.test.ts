import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { starters } from "../../../src/backend/Backend.ts"
import { digitSum } from "../../../src/rl/env/digitSum.ts"
import { VectorEnv } from "../../../src/rl/env/vector.ts"
import { grpoIteration, type GrpoSettings } from "../../../src/rl/loop/grpo.ts"
import { createLearner, disposeLearner, restoreLearner, saveLearner } from "../../../src/rl/loop/learner.ts"
import { createSequencePolicy } from "../../../src/rl/policy/sequence.ts"

/** Digit-sum with targets 1..9 (one digit and EOS is the shortest answer), 16 prompts x 8 answers. */
const learnerOf = (seed: number, prompts = 16) =>
  createLearner({
    env: new VectorEnv(digitSum({ maxTarget: 9 }), { numEnvs: prompts * 8, groupSize: 8, autoReset: false, seed }),
    policy: createSequencePolicy({ promptSize: 9, vocab: 11, seed }),
    seed
  })

const settings: GrpoSettings = { lr: 3e-3, epsilonLow: 0.2, epochs: 2, minibatches: 4 }

describe("grpoIteration", () => {
  beforeAll(() => starters.wasm())

  it("learns digit-sum: accuracy goes from ~0 to above 0.5 in 40 iterations", () => {
    const learner = learnerOf(1)
    const start = performance.now()
    const stats = Array.from({ length: 40 }, () => grpoIteration(learner, settings))
    const acc = stats.map((s) => s.accuracy)
    console.log(`grpo digit-sum accuracy: ${acc.filter((_, i) => i % 4 === 0 || i === 39).map((a) => a.toFixed(2)).join(" ")}; ` +
      `length ${stats[0]!.length.toFixed(2)} -> ${stats[39]!.length.toFixed(2)}; entropy ${stats[0]!.entropy.toFixed(2)} -> ${stats[39]!.entropy.toFixed(2)} ` +
      `(${((performance.now() - start) / 1000).toFixed(1)} s on ${tf.getBackend()})`)
    assert.isBelow(acc[0]!, 0.05)
    const late = acc.slice(-5).reduce((a, b) => a + b, 0) / 5
    assert.isAbove(late, 0.5)
    assert.isAbove(stats[39]!.meanReturn, stats[0]!.meanReturn + 0.5)
    // The uniform-ish first policy hardly emits EOS: the first answers are long.
    assert.isAbove(stats[0]!.length, stats[39]!.length)
    disposeLearner(learner)
  })

  it("Entrocraft's band: only negative advantages below it keep entropy up, only positive ones above it bring it down", () => {
    const run = (band: GrpoSettings["entropyBand"]) => {
      const learner = learnerOf(3, 8)
      const stats = Array.from({ length: 12 }, () => grpoIteration(learner, { ...settings, ...(band === undefined ? {} : { entropyBand: band }) }))
      disposeLearner(learner)
      return stats
    }
    const plain = run(undefined)
    const below = run({ low: 100, high: 200 })
    const above = run({ low: -2, high: -1 })
    assert.deepStrictEqual(plain.map((s) => s.band), plain.map(() => 0))
    assert.deepStrictEqual(below.map((s) => s.band), below.map(() => -1))
    assert.deepStrictEqual(above.map((s) => s.band), above.map(() => 1))
    // The first batch is the same policy's; after it, rejecting positives keeps entropy highest.
    assert.strictEqual(below[0]!.entropy, plain[0]!.entropy)
    assert.isAbove(below.at(-1)!.entropy, plain.at(-1)!.entropy)
    assert.isAbove(below.at(-1)!.entropy, above.at(-1)!.entropy)
  })

  it("reports a batch's bookkeeping and KL to a reference (0 against itself at the start)", () => {
    const learner = learnerOf(2, 4)
    const reference = createSequencePolicy({ promptSize: 9, vocab: 11, seed: 0 })
    reference.restore(learner.policy.state())
    const s1 = grpoIteration(learner, { ...settings, beta: 0.04 }, reference)
    assert.strictEqual(s1.updates, 8)
    assert.strictEqual(s1.episodes, 32)
    assert.strictEqual(s1.envSteps, s1.lengths.reduce((a, b) => a + b, 0))
    assert.approximately(s1.kl, 0, 1e-6)
    assert.isAtLeast(s1.zeroVarianceGroups, 0)
    assert.isAtMost(s1.zeroVarianceGroups, 1)
    let last = s1
    for (let i = 0; i < 3; i++) last = grpoIteration(learner, { ...settings, beta: 0.04 }, reference)
    assert.isAbove(last.kl, 1e-6)
    assert.throws(() => grpoIteration(learner, { ...settings, beta: 0.04 }), /reference/)
    reference.dispose()
    disposeLearner(learner)
  })

  it("runs every loss normalisation, and is deterministic and resumable", async () => {
    for (const normalization of ["sequence", "token", "constant"] as const) {
      const l = learnerOf(3, 2)
      assert.isTrue(Number.isFinite(grpoIteration(l, { ...settings, normalization, maxLength: 8 }).loss), normalization)
      disposeLearner(l)
    }
    const learner = learnerOf(4, 4)
    grpoIteration(learner, settings)
    const saved = structuredClone(await saveLearner(learner))
    const next = [grpoIteration(learner, settings), grpoIteration(learner, settings)]
    const fresh = learnerOf(77, 4)
    restoreLearner(fresh, saved)
    assert.deepStrictEqual([grpoIteration(fresh, settings), grpoIteration(fresh, settings)], next)
    const tensors = tf.memory().numTensors
    grpoIteration(fresh, settings)
    assert.strictEqual(tf.memory().numTensors, tensors)
    disposeLearner(learner)
    disposeLearner(fresh)
  })
})
