import { describe, expect, it } from "@effect/vitest"
import type { CurriculumIR } from "@lrs/compiler"
import { CurriculumSampler } from "../../src/curriculum/sampler.ts"

const span = { file: "t.lrs", start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } }
const curriculum = (over: Partial<CurriculumIR> = {}): CurriculumIR => ({
  score: { kind: "loss", every: 100 },
  order: "easy_to_hard",
  pacing: { kind: "constant", value: 1, span },
  sampler: "uniform",
  span,
  ...over
})
/** Example i has score (i * 37) mod 100: a scrambled order to sort. */
const scores = (n: number) => Float32Array.from({ length: n }, (_, i) => ((i * 37) % 100) + 1)

describe("curriculum sampler", () => {
  it("never draws outside the easiest ceil(n * fraction) examples, and draws distinct ones per batch", () => {
    const n = 100
    const s = new CurriculumSampler(curriculum(), n, 3)
    s.setScores(scores(n))
    const byScore = [...Array(n).keys()].sort((a, b) => scores(n)[a]! - scores(n)[b]!)
    for (const fraction of [0.05, 0.1, 0.33, 0.5, 1]) {
      const allowed = new Set(byScore.slice(0, Math.ceil(n * fraction)))
      for (let k = 0; k < 50; k++) {
        const batch = s.nextBatch(4, fraction)
        for (const i of batch) expect(allowed.has(i)).toBe(true)
        if (allowed.size >= 4) expect(new Set(batch).size).toBe(4)
      }
      expect(s.fraction).toBe(fraction)
    }
    // Fewer available than a batch: repeats are the only way to fill it.
    const tiny = s.nextBatch(8, 0.01)
    expect(new Set(tiny)).toEqual(new Set([byScore[0]]))
    expect(s.difficulty).toBe(scores(n)[byScore[0]!])
  })

  it("takes the hardest first for hard_to_easy, and a seeded order independent of the scores for random", () => {
    const n = 100
    const hard = new CurriculumSampler(curriculum({ order: "hard_to_easy" }), n, 3)
    hard.setScores(scores(n))
    for (const i of hard.nextBatch(10, 0.1)) expect(scores(n)[i]).toBeGreaterThan(90)
    const random = new CurriculumSampler(curriculum({ order: "random" }), n, 3)
    random.setScores(scores(n))
    const a = random.nextBatch(10, 0.1)
    const other = new CurriculumSampler(curriculum({ order: "random" }), n, 3)
    other.setScores(Float32Array.from(scores(n)).reverse())
    expect(other.nextBatch(10, 0.1)).toEqual(a)
  })

  it("weighted: draws an available set of the paced size, easy examples far more often, redrawn when the size changes", () => {
    const n = 1000
    const s = new CurriculumSampler(curriculum({ sampler: "weighted" }), n, 5)
    // Scores 1 (easy) for the first half, 100 (hard) for the second.
    s.setScores(Float32Array.from({ length: n }, (_, i) => (i < 500 ? 1 : 100)))
    const seen = new Set<number>()
    for (let k = 0; k < 200; k++) for (const i of s.nextBatch(10, 0.2)) seen.add(i)
    expect(seen.size).toBeLessThanOrEqual(200)
    const hardShare = [...seen].filter((i) => i >= 500).length / seen.size
    expect(hardShare).toBeLessThan(0.05)
    expect(s.state().set!.length).toBe(200)
    s.nextBatch(10, 0.4)
    expect(s.state().set!.length).toBe(400)
  })

  it("goes on with exactly the same batches from a saved state", () => {
    const n = 300
    for (const sampler of ["uniform", "weighted"] as const) {
      const a = new CurriculumSampler(curriculum({ sampler }), n, 9)
      a.setScores(scores(n))
      a.nextBatch(16, 0.3)
      const saved = a.state()
      const b = new CurriculumSampler(curriculum({ sampler }), n, 9)
      b.restore({ ...saved, scores: Float32Array.from(saved.scores), ...(saved.set === undefined ? {} : { set: Int32Array.from(saved.set) }) })
      for (const f of [0.3, 0.3, 0.6, 1]) expect(b.nextBatch(16, f)).toEqual(a.nextBatch(16, f))
    }
  })

  it("refuses to draw before it has scores", () => {
    expect(() => new CurriculumSampler(curriculum(), 10, 1).nextBatch(2, 1)).toThrow(/no scores yet/)
  })
})

describe("sequential curriculum sampler", () => {
  it("hands out the available examples in order, round and round, and resumes mid-way", () => {
    const n = 10
    const s = new CurriculumSampler(curriculum({ sampler: "sequential", order: "hard_to_easy" }), n, 1)
    s.setScores(Float32Array.from({ length: n }, (_, i) => i + 1))
    expect(Array.from(s.nextBatch(4, 1))).toEqual([9, 8, 7, 6])
    const saved = s.state()
    expect(Array.from(s.nextBatch(4, 1))).toEqual([5, 4, 3, 2])
    const again = new CurriculumSampler(curriculum({ sampler: "sequential", order: "hard_to_easy" }), n, 1)
    again.restore(saved)
    expect(Array.from(again.nextBatch(4, 1))).toEqual([5, 4, 3, 2])
    expect(Array.from(again.nextBatch(4, 1))).toEqual([1, 0, 9, 8])
    // Within a smaller available prefix.
    expect(Array.from(again.nextBatch(3, 0.2))).toEqual([9, 8, 9])
  })
})

describe("bandit curriculum (Self-Evolving Curriculum)", () => {
  it("moves values by TD(0) on learning progress and samples with Boltzmann probabilities", async () => {
    const { Bandit } = await import("../../src/curriculum/bandit.ts")
    const b = new Bandit(3, 0.5, "progress")
    expect(b.probabilities(1)).toEqual([1 / 3, 1 / 3, 1 / 3])
    // Pull arm 0 (uniform 0.1 < 1/3): first loss, no reward yet; then its loss drops by 0.4.
    expect(b.choose(1, 0.1)).toBe(0)
    b.observe(2.0)
    expect(b.qValues).toEqual([0, 0, 0])
    b.choose(1, 0.1)
    b.observe(1.6)
    expect(b.qValues[0]).toBeCloseTo(0.5 * 0.4, 15)
    // Arm 2 gets worse: negative progress; with absolute progress it would count as positive.
    expect(b.choose(1, 0.99)).toBe(2)
    b.observe(1.0)
    b.choose(1, 0.99)
    b.observe(1.2)
    expect(b.qValues[2]).toBeCloseTo(-0.1, 15)
    const p = b.probabilities(0.5)
    const z = Math.exp(0.2 / 0.5) + 1 + Math.exp(-0.1 / 0.5)
    expect(p[0]).toBeCloseTo(Math.exp(0.2 / 0.5) / z, 15)
    const abs = new Bandit(1, 0.5, "absolute_progress")
    abs.choose(1, 0)
    abs.observe(1.0)
    abs.choose(1, 0)
    abs.observe(1.2)
    expect(abs.qValues[0]).toBeCloseTo(0.1, 15)
  })

  it("draws each batch from the chosen arm only: a class, or a bin of examples by score", () => {
    const labels = Int32Array.from({ length: 60 }, (_, i) => i % 3)
    const byClass = new CurriculumSampler(curriculum({ bandit: { arms: { kind: "classes" }, lr: 0.5, temperature: { kind: "constant", value: 1, span }, reward: "progress" } }), 60, 2, labels, 3)
    const { score: _omit, ...noScore } = curriculum()
    const classes = new CurriculumSampler({ ...noScore, bandit: { arms: { kind: "classes" }, lr: 0.5, temperature: { kind: "constant", value: 1, span }, reward: "progress" } }, 60, 2, labels, 3)
    expect(classes.scored).toBe(true)
    for (let k = 0; k < 30; k++) {
      const batch = classes.nextBatch(5, 1)
      expect(new Set(Array.from(batch, (i) => labels[i]))).toEqual(new Set([classes.bandit!.arm]))
    }
    expect(byClass.scored).toBe(false)
    const bins = new CurriculumSampler(curriculum({ bandit: { arms: { kind: "bins", count: 4 }, lr: 0.5, temperature: { kind: "constant", value: 1, span }, reward: "progress" } }), 100, 2)
    bins.setScores(Float32Array.from({ length: 100 }, (_, i) => 100 - i))
    for (let k = 0; k < 30; k++) {
      const batch = bins.nextBatch(5, 1)
      const arm = bins.bandit!.arm
      // Bin 0 holds the 25 lowest scores (examples 75..99), bin 3 the highest (0..24).
      for (const i of batch) expect(Math.floor((99 - i) / 25)).toBe(arm)
    }
  })
})
