import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { starters } from "../../../src/backend/Backend.ts"
import { rngFromState } from "../../../src/data/random.ts"
import { DIGIT_SUM_CHECK as W, DIGIT_SUM_EOS as EOS, digitSum } from "../../../src/rl/env/digitSum.ts"
import { VectorEnv } from "../../../src/rl/env/vector.ts"
import { generate } from "../../../src/rl/loop/generate.ts"
import { createSequencePolicy } from "../../../src/rl/policy/sequence.ts"

describe("generate with step features (digit-sum's checks)", () => {
  beforeAll(() => starters.wasm())

  it("feeds the remainder on the step after W, and the teacher-forced pass with those features reproduces the sampled log-probs", () => {
    const F = 9 + 2
    const env = new VectorEnv(digitSum({ maxTarget: 9, maxLength: 8, reflect: true }), { numEnvs: 32, groupSize: 8, autoReset: false, seed: 5 })
    const policy = createSequencePolicy({ promptSize: 9, vocab: 12, features: F, seed: 5 })
    const c = generate(env, policy, rngFromState(5), 1, 64)
    let checked = 0
    c.tokens.forEach((tokens, i) => {
      const target = c.episodes[i]!.info["target"]!
      assert.strictEqual(c.features[i]!.length, tokens.length * F)
      let sum = 0
      tokens.forEach((tok, t) => {
        // Step t is fed token t-1's features: the remainder one-hot right after a W, nothing otherwise.
        const fed = Array.from(c.features[i]!.subarray(t * F, (t + 1) * F))
        const expected = new Array<number>(F).fill(0)
        if (t > 0 && tokens[t - 1] === W) {
          expected[Math.max(target - sum, -1) + 1] = 1
          checked++
        }
        assert.deepStrictEqual(fed, expected, `copy ${i} step ${t}`)
        if (tok < EOS) sum += tok
      })
    })
    // A uniform-ish first policy emits W often enough to test the remainder many times.
    assert.isAbove(checked, 10)
    const T = Math.max(...c.tokens.map((t) => t.length))
    const tokens = new Int32Array(32 * T)
    const features = new Float32Array(32 * T * F)
    c.tokens.forEach((row, i) => {
      tokens.set(row, i * T)
      features.set(c.features[i]!, i * T * F)
    })
    const teacher = tf.tidy(() => {
      const { logits } = policy.sequence(tf.tensor2d(c.prompts, [32, 9]), tf.tensor2d(tokens, [32, T], "int32"), tf.tensor3d(features, [32, T, F]))
      return tf.logSoftmax(logits).arraySync() as Array<Array<Array<number>>>
    })
    c.tokens.forEach((row, i) => row.forEach((tok, t) => assert.approximately(teacher[i]![t]![tok]!, c.logProbs[i]![t]!, 1e-5, `copy ${i} step ${t}`)))
    policy.dispose()
  })

  it("refuses a policy whose feature width is not the env's", () => {
    const env = new VectorEnv(digitSum({ maxTarget: 9, reflect: true }), { numEnvs: 8, groupSize: 8, autoReset: false, seed: 1 })
    const policy = createSequencePolicy({ promptSize: 9, vocab: 12, seed: 1 })
    assert.throws(() => generate(env, policy, rngFromState(1), 1, 64), /policy reads 0 step features, env digit_sum gives 11/)
    policy.dispose()
  })
})
