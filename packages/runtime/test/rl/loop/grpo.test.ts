import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { starters } from "../../../src/backend/Backend.ts"
import { digitSum } from "../../../src/rl/env/digitSum.ts"
import { VectorEnv } from "../../../src/rl/env/vector.ts"
import { overlongPenalty } from "../../../src/rl/dapo.ts"
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

  it("Entrocraft's band: below it every wrong answer at -1 keeps entropy up, above it every right answer at +1 brings it down", () => {
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
    // The first batch is the same policy's; after it, pushing only on wrong answers keeps entropy highest.
    assert.strictEqual(below[0]!.entropy, plain[0]!.entropy)
    assert.isAbove(below.at(-1)!.entropy, plain.at(-1)!.entropy)
    assert.isAbove(below.at(-1)!.entropy, above.at(-1)!.entropy)
  })

  it("outside the band trains on the verifier's +-1, not GRPO's advantages: the first loss is the share of wrong (or minus right) answers", () => {
    // One pass, one minibatch: every ratio is 1, so the sequence-mean loss is -mean(A) over the answers.
    const first = (band: { low: number; high: number }) => {
      const learner = learnerOf(4, 8)
      const s = grpoIteration(learner, { ...settings, epochs: 1, minibatches: 1, entropyBand: band })
      disposeLearner(learner)
      return s
    }
    const below = first({ low: 100, high: 200 })
    assert.strictEqual(below.band, -1)
    assert.isAbove(1 - below.accuracy, 0.5)
    assert.approximately(below.loss, 1 - below.accuracy, 1e-4)
    const above = first({ low: -2, high: -1 })
    assert.strictEqual(above.band, 1)
    assert.approximately(above.loss, -above.accuracy, 1e-4)
  })

  it("Entrocraft's entropic: alpha moves by this batch's entropy minus the target, then weighs its advantages (first loss -alpha * mean |A|)", () => {
    // One pass, one minibatch: every ratio is 1, so the loss is -mean((1 + a) A+ + (1 - a) A-) = -a mean|A| (GRPO's A sum to 0 per group).
    const first = (entropic: { target: number; alpha: number }) => {
      const learner = learnerOf(4, 8)
      const s = grpoIteration(learner, { ...settings, epochs: 1, minibatches: 1, entropic })
      disposeLearner(learner)
      return s
    }
    const plain = (() => {
      const learner = learnerOf(4, 8)
      const s = grpoIteration(learner, { ...settings, epochs: 1, minibatches: 1 })
      disposeLearner(learner)
      return s
    })()
    assert.isNaN(plain.entropyAlpha)
    const mid = first({ target: plain.entropy - 0.1, alpha: 0.2 })
    assert.strictEqual(mid.entropy, plain.entropy)
    assert.approximately(mid.entropyAlpha, 0.3, 1e-12)
    // Targets 1..9 are one category: its mean |advantage| is the batch's.
    const meanAbs = plain.categoryAdvantage[0]!
    assert.isAbove(meanAbs, 0.1)
    assert.approximately(mid.loss, -0.3 * meanAbs, 1e-4)
    // Clipped: far below the target, alpha -1 and only wrong answers push (loss +mean|A|).
    const low = first({ target: 100, alpha: 0 })
    assert.strictEqual(low.entropyAlpha, -1)
    assert.approximately(low.loss, meanAbs, 1e-4)
    const both = learnerOf(4, 8)
    assert.throws(() => grpoIteration(both, { ...settings, entropic: { target: 1, alpha: 0 }, entropyBand: { low: 0, high: 1 } }), /not both/)
    disposeLearner(both)
  })

  it("Entrocraft's entropic: a target above the entropy (alpha -1) keeps it higher than one below (alpha +1)", () => {
    const run = (target: number) => {
      const learner = learnerOf(3, 8)
      let alpha = 0
      const stats = Array.from({ length: 12 }, () => {
        const s = grpoIteration(learner, { ...settings, entropic: { target, alpha } })
        alpha = s.entropyAlpha
        return s
      })
      disposeLearner(learner)
      return stats
    }
    const high = run(100)
    const low = run(0)
    assert.deepStrictEqual(high.map((s) => s.entropyAlpha), high.map(() => -1))
    assert.deepStrictEqual(low.map((s) => s.entropyAlpha), low.map(() => 1))
    assert.strictEqual(high[0]!.entropy, low[0]!.entropy)
    assert.isAbove(high.at(-1)!.entropy, low.at(-1)!.entropy)
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

  it("DAPO's dynamic sampling drops equal-reward groups and generates again to fill the batch, resumably", async () => {
    const learner = learnerOf(1)
    // After a few updates some groups' answers all score the same (all wrong or all right), others not.
    for (let i = 0; i < 8; i++) grpoIteration(learner, settings)
    const saved = structuredClone(await saveLearner(learner))
    const dapo = { ...settings, dynamicSampling: { maxGenerations: 4 } }
    const s = grpoIteration(learner, dapo)
    const groups = (s.episodes / 8)
    assert.isAbove(s.droppedGroups, 0)
    assert.strictEqual(s.droppedGroups, Math.round(s.zeroVarianceGroups * groups))
    assert.isAbove(s.generations, 1)
    assert.isAtMost(s.generations, 4)
    // Full when the bound was not hit; otherwise what the kept groups make.
    assert.strictEqual(s.trainedAnswers, Math.min(128, 8 * (groups - s.droppedGroups)))
    if (s.generations < 4) assert.strictEqual(s.trainedAnswers, 128)
    assert.strictEqual(s.episodes, 128 * s.generations)
    // Every generated token counts as an env step.
    assert.strictEqual(s.lengths.reduce((a, b) => a + b, 0), s.envSteps - saved.clock.envSteps)
    const fresh = learnerOf(9)
    restoreLearner(fresh, saved)
    assert.deepStrictEqual(grpoIteration(fresh, dapo), s)
    disposeLearner(learner)
    disposeLearner(fresh)
  })

  it("DAPO's dynamic sampling at its bound with nothing kept: no update, every batch counted", () => {
    const learner = learnerOf(8, 4)
    // Near-greedy sampling: a group's answers are all the same, so are their rewards.
    const s = grpoIteration(learner, { ...settings, temperature: 1e-6, dynamicSampling: { maxGenerations: 2 } })
    assert.deepStrictEqual([s.generations, s.droppedGroups, s.zeroVarianceGroups, s.trainedAnswers, s.trainedTokens, s.updates], [2, 8, 1, 0, 0, 0])
    assert.isNaN(s.gradNorm)
    assert.strictEqual(s.episodes, 64)
    disposeLearner(learner)
  })

  it("DAPO's overlong punishment: the mean penalty of the answers generated", () => {
    const learner = learnerOf(5, 4)
    const s = grpoIteration(learner, { ...settings, overlong: { maxLength: 8, cache: 4, factor: 0.5 } })
    const expected = s.lengths.reduce((a, n) => a + overlongPenalty(n, 8, 4, 0.5), 0) / s.lengths.length
    // The first policy's answers are long: most are punished.
    assert.isBelow(s.overlongPenalty, -0.1)
    assert.approximately(s.overlongPenalty, expected, 1e-12)
    assert.strictEqual(grpoIteration(learnerOf(5, 4), settings).overlongPenalty, 0)
    disposeLearner(learner)
  })

  it("D3S trains on the kept share of each group's answers and of the batch's tokens", () => {
    const run = (downSample: GrpoSettings["downSample"]) => {
      const l = learnerOf(6, 4)
      const s = grpoIteration(l, { ...settings, ...(downSample === undefined ? {} : { downSample }) })
      disposeLearner(l)
      return s
    }
    const plain = run(undefined)
    assert.deepStrictEqual([plain.trainedAnswers, plain.trainedTokens], [32, 1])
    // Half of each group of 8: 4 answers x 4 groups, every token of theirs.
    const answers = run({ answers: 0.5, tokens: 1 })
    assert.strictEqual(answers.trainedAnswers, 16)
    assert.isBelow(answers.trainedTokens, 1)
    // Every answer, the top half of the tokens: ceil(N / 2) of the N generated.
    const tokens = run({ answers: 1, tokens: 0.5 })
    const n = tokens.envSteps
    assert.strictEqual(tokens.trainedTokens, Math.ceil(n / 2) / n)
    // The same batch was generated each time; only what enters the loss differs.
    assert.deepStrictEqual([answers.lengths, tokens.lengths], [plain.lengths, plain.lengths])
    assert.notStrictEqual(tokens.loss, plain.loss)
  })

  it("ADORA: lambda = 1 is plain GRPO; lambda = 0 silences the groups without a length advantage", () => {
    const run = (adora: number | undefined) => {
      const l = learnerOf(7, 4)
      const s = grpoIteration(l, { ...settings, ...(adora === undefined ? {} : { adora }) })
      disposeLearner(l)
      return s
    }
    const plain = run(undefined)
    const one = run(1)
    assert.isNaN(plain.adoraDown)
    assert.deepStrictEqual({ ...one, adoraDown: Number.NaN }, plain)
    // The first policy is hardly ever right: no group has a correct answer, so none has the advantage.
    assert.strictEqual(one.adoraDown, 1)
    const zero = run(0)
    assert.strictEqual(zero.gradNorm, 0)
  })

  it("reflect: the checks' remainder trains the feature weights, checks are counted, it learns and resumes exactly", async () => {
    const reflectLearner = (seed: number) =>
      createLearner({
        env: new VectorEnv(digitSum({ maxTarget: 9, reflect: true }), { numEnvs: 8 * 8, groupSize: 8, autoReset: false, seed }),
        policy: createSequencePolicy({ promptSize: 9, vocab: 12, features: 11, seed }),
        seed
      })
    const learner = reflectLearner(1)
    const featureWeight = () => Array.from(learner.policy.variables.find((v) => v.name === "gru.feature.weight")!.variable.dataSync())
    const before = featureWeight()
    const start = performance.now()
    const stats = Array.from({ length: 32 }, () => grpoIteration(learner, { ...settings, entropyCoef: 0.02 }))
    console.log(`grpo digit-sum reflect: accuracy ${stats.filter((_, i) => i % 8 === 0 || i === 31).map((s) => s.accuracy.toFixed(2)).join(" ")}, ` +
      `checks ${stats.filter((_, i) => i % 8 === 0 || i === 31).map((s) => s.checks.toFixed(2)).join(" ")} (${((performance.now() - start) / 1000).toFixed(1)} s)`)
    assert.notDeepEqual(featureWeight(), before)
    // The first policy emits W about once in 12 tokens; the count is the batch's.
    assert.isAbove(stats[0]!.checks, 0)
    assert.approximately(stats[0]!.checks * stats[0]!.episodes, Math.round(stats[0]!.checks * stats[0]!.episodes), 1e-9)
    // It learns (0.05 -> about 0.25 in 32 small iterations), no more is asked of a unit test.
    const late = stats.slice(-5).reduce((a, s) => a + s.accuracy, 0) / 5
    assert.isAbove(late, 0.2)
    assert.isAbove(late, 3 * stats[0]!.accuracy)
    const saved = structuredClone(await saveLearner(learner))
    const next = [grpoIteration(learner, settings), grpoIteration(learner, settings)]
    const fresh = reflectLearner(77)
    restoreLearner(fresh, saved)
    assert.deepStrictEqual([grpoIteration(fresh, settings), grpoIteration(fresh, settings)], next)
    const tensors = tf.memory().numTensors
    grpoIteration(fresh, { ...settings, entropyCoef: 0.02 })
    assert.strictEqual(tf.memory().numTensors, tensors)
    disposeLearner(learner)
    disposeLearner(fresh)
    const plain = learnerOf(1, 2)
    assert.isNaN(grpoIteration(plain, settings).checks)
    disposeLearner(plain)
  })

  it("OBLR-PO's gradient-weighted baseline moves each group's centre off its mean reward", () => {
    const run = (weightedBaseline: boolean) => {
      const l = learnerOf(9, 4)
      const s = grpoIteration(l, { ...settings, weightedBaseline })
      disposeLearner(l)
      return s
    }
    const plain = run(false)
    const weighted = run(true)
    assert.isNaN(plain.baselineShift)
    assert.isTrue(Number.isFinite(weighted.baselineShift))
    assert.notStrictEqual(weighted.baselineShift, 0)
    // The same answers, other advantages.
    assert.deepStrictEqual(weighted.lengths, plain.lengths)
    assert.notStrictEqual(weighted.loss, plain.loss)
  })
})
