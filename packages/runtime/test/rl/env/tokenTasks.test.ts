import { assert, describe, it } from "@effect/vitest"
import { copyReverse, gradeCopyReverse } from "../../../src/rl/env/copyReverse.ts"
import { DIGIT_SUM_CHECK as W, DIGIT_SUM_EOS as EOS, DIGIT_SUM_VOCAB, digitSum, digitSumReward, gradeDigitSum, minimalDigitSumLength } from "../../../src/rl/env/digitSum.ts"
import { VectorEnv } from "../../../src/rl/env/vector.ts"

describe("digit-sum", () => {
  it("grades answers: correct, format, length score against the budget", () => {
    assert.deepStrictEqual(gradeDigitSum(10, [9, 1, EOS], 8), { correct: 1, format: 1, lengthScore: 1, length: 3 })
    // 5 tokens against a budget of 3: 1 − (5 − 3)/3 = 1/3.
    const padded = gradeDigitSum(10, [1, 9, 0, 0, EOS], 3)
    assert.deepStrictEqual(padded, { correct: 1, format: 1, lengthScore: 1 - 2 / 3, length: 5 })
    assert.closeTo(digitSumReward(padded), 1 + 0.5 / 3 + 0.2, 1e-12)
    assert.strictEqual(gradeDigitSum(10, [1, 9, 0, 0, 0, 0, 0, EOS], 3).lengthScore, 0) // ≥ 2B: no length credit
    assert.closeTo(digitSumReward(gradeDigitSum(10, [9, 1, EOS], 8)), 1.7, 1e-12)
    assert.closeTo(digitSumReward(gradeDigitSum(10, [9, 2, EOS], 8)), 0.2, 1e-12) // wrong sum: format only
    assert.strictEqual(digitSumReward(gradeDigitSum(10, [9, 1], 8)), 0) // cut before EOS: nothing
    assert.deepStrictEqual([1, 9, 10, 18, 19, 27].map(minimalDigitSumLength), [2, 2, 3, 3, 4, 4])
  })

  it("pays the reward on the last step only, and caps answers at lengthLimit (terminated, capped)", () => {
    const env = new VectorEnv(digitSum(), { numEnvs: 1, seed: 4 })
    env.reset()
    const target = env.envState(0).target
    const digits = [...Array(Math.floor(target / 9)).fill(9), ...(target % 9 === 0 ? [] : [target % 9])]
    for (const d of digits) {
      const s = env.step([d])
      assert.deepStrictEqual([s.reward[0], s.terminated[0]], [0, 0])
    }
    const end = env.step([EOS])
    assert.deepStrictEqual([end.terminated[0], end.truncated[0]], [1, 0])
    assert.closeTo(end.reward[0]!, 1.7, 1e-12)
    assert.deepStrictEqual(end.episodes[0]!.info, { target, correct: 1, format: 1, length: digits.length + 1, capped: 0, minimalLength: digits.length + 1 })

    env.setParams({ lengthLimit: 3, budget: 2 })
    env.step([0])
    env.step([0])
    const capped = env.step([0])
    assert.deepStrictEqual([capped.terminated[0], capped.reward[0], capped.episodes[0]!.info["capped"]], [1, 0, 1])
    assert.throws(() => {
      env.setParams({ lengthLimit: 9 })
      env.step([0])
    }, /lengthLimit must be an integer in \[1, 8\]/)
  })

  it("observes [one-hot S | one-hot position | one-hot prefix] with no running sum", () => {
    const spec = digitSum({ maxTarget: 27, maxLength: 8 })
    assert.strictEqual(spec.observationSize, 27 + 8 + 8 * DIGIT_SUM_VOCAB)
    const out = new Float32Array(spec.observationSize)
    spec.observe({ target: 12, tokens: [3, 4] }, out, 0)
    const ones = [...out.keys()].filter((i) => out[i] === 1)
    assert.deepStrictEqual(ones, [11, 27 + 2, 35 + 3, 35 + DIGIT_SUM_VOCAB + 4])
  })
})

describe("digit-sum with checks (reflect)", () => {
  it("grades W as length only: as correct as the digits alone, longer", () => {
    assert.deepStrictEqual(gradeDigitSum(22, [9, W, 9, W, 4, W, EOS], 8), { correct: 1, format: 1, lengthScore: 1, length: 7 })
    assert.deepStrictEqual(gradeDigitSum(22, [9, 9, 4, EOS], 8), { correct: 1, format: 1, lengthScore: 1, length: 4 })
    // 7 tokens against a budget of 4: 1 − 3/4.
    assert.closeTo(gradeDigitSum(22, [9, W, 9, W, 4, W, EOS], 4).lengthScore, 0.25, 1e-12)
    assert.strictEqual(gradeDigitSum(22, [9, W, 9, W, 5, EOS], 8).correct, 0)
  })

  it("tells the remainder S − Σ digits on the step after W only (overshoot in slot 0), and counts the checks", () => {
    const spec = digitSum({ maxTarget: 27, maxLength: 8, reflect: true })
    const F = 27 + 2
    assert.deepStrictEqual([spec.actions, spec.stepFeatures, spec.observationSize], [12, F, 27 + 8 + 8 * 12 + F])
    const featureOnes = (tokens: Array<number>) => {
      const out = new Float32Array(spec.observationSize)
      spec.observe({ target: 22, tokens }, out, 0)
      return [...out.subarray(spec.observationSize - F).keys()].filter((i) => out[spec.observationSize - F + i] === 1)
    }
    assert.deepStrictEqual(featureOnes([]), [])
    assert.deepStrictEqual(featureOnes([9]), [])
    assert.deepStrictEqual(featureOnes([9, W]), [13 + 1])
    assert.deepStrictEqual(featureOnes([9, W, 4]), []) // only right after W
    assert.deepStrictEqual(featureOnes([W]), [22 + 1])
    assert.deepStrictEqual(featureOnes([9, 9, 4, W]), [0 + 1])
    assert.deepStrictEqual(featureOnes([9, 9, 9, W]), [0]) // overshot by 5
    // The prefix block is 12 wide: W at position 1 sets entry 35 + 12 + 11.
    const out = new Float32Array(spec.observationSize)
    spec.observe({ target: 22, tokens: [9, W] }, out, 0)
    assert.strictEqual(out[35 + 12 + W], 1)

    const env = new VectorEnv(spec, { numEnvs: 1, seed: 4 })
    env.reset()
    const target = env.envState(0).target
    const digits = [...Array(Math.floor(target / 9)).fill(9), ...(target % 9 === 0 ? [] : [target % 9])]
    for (const d of digits) {
      env.step([d])
      env.step([W])
    }
    const end = env.step([EOS])
    assert.closeTo(end.reward[0]!, 1.7, 1e-12)
    assert.deepStrictEqual(end.episodes[0]!.info, { target, correct: 1, format: 1, length: 2 * digits.length + 1, capped: 0, minimalLength: digits.length + 1, checks: digits.length })
  })

  it("without reflect the task is unchanged: 11 tokens, no step features, no checks", () => {
    const spec = digitSum({ maxTarget: 27, maxLength: 8 })
    assert.deepStrictEqual([spec.actions, spec.stepFeatures, spec.observationSize], [11, undefined, 27 + 8 + 8 * 11])
    assert.notProperty(spec.summary!({ target: 3, tokens: [3, EOS] }), "checks")
  })
})

describe("copy / reverse", () => {
  it("grades exact matches and positional partial credit", () => {
    assert.strictEqual(gradeCopyReverse([1, 2, 3], [1, 2, 3, 4], 4, "exact"), 1)
    assert.strictEqual(gradeCopyReverse([1, 2, 3], [1, 2, 3], 4, "exact"), 0) // no EOS
    assert.strictEqual(gradeCopyReverse([1, 2, 3], [1, 0, 3, 4], 4, "positions"), 2 / 3)
    assert.strictEqual(gradeCopyReverse([1, 2, 3], [1, 2, 3, 0, 0, 4], 4, "positions"), 3 / 5) // extra symbols cost
    assert.strictEqual(gradeCopyReverse([1, 2, 3], [1, 2, 4], 4, "positions"), 2 / 3)
  })

  it("rewards reversing the prompt, with one category per prompt length", () => {
    const spec = copyReverse({ alphabet: 4, minLength: 2, maxLength: 5 })
    assert.deepStrictEqual(spec.categories, ["n=2", "n=3", "n=4", "n=5"])
    const env = new VectorEnv(spec, { numEnvs: 1, seed: 8 })
    env.setCategoryWeights([0, 0, 0, 1])
    env.reset()
    const prompt = env.envState(0).prompt
    assert.strictEqual(prompt.length, 5)
    let last = env.step([prompt[4]!])
    for (const t of [...prompt].reverse().slice(1)) last = env.step([t])
    assert.strictEqual(last.terminated[0], 0)
    last = env.step([4]) // EOS
    assert.deepStrictEqual([last.terminated[0], last.reward[0]], [1, 1])
    assert.deepStrictEqual(last.episodes[0]!.info, { promptLength: 5, correct: 1, positions: 1, length: 6, capped: 0 })
    const copy = copyReverse({ mode: "copy" })
    assert.strictEqual(copy.step({ prompt: [1, 2], tokens: [1, 2] }, 4, undefined as never, copy.params).reward, 1)
    assert.strictEqual(spec.step({ prompt: [1, 2], tokens: [1, 2] }, 4, undefined as never, spec.params).reward, 0)
  })
})
