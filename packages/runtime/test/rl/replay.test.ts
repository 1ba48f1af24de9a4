import { assert, describe, it } from "@effect/vitest"
import { AdaptiveReplay } from "../../src/rl/replay.ts"

describe("the FAU-driven adaptive replay ratio", () => {
  const options = { low: 2, high: 8, every: 2, gap: 0.01 }

  it("switches once from low to high after the first window within `gap` of the previous one", () => {
    const replay = new AdaptiveReplay(options)
    // Window means 0.5, 0.6 (moved 0.1), 0.605 (moved 0.005: plateau).
    const switched = [0.5, 0.5, 0.6, 0.6, 0.6, 0.61].map((fau) => {
      const before = replay.epochs
      return [before, replay.observe(fau)] as const
    })
    assert.deepStrictEqual(switched, [[2, false], [2, false], [2, false], [2, false], [2, false], [2, true]])
    assert.strictEqual(replay.epochs, 8)
    // It never goes back, whatever the FAU does.
    replay.observe(0)
    replay.observe(1)
    assert.strictEqual(replay.epochs, 8)
  })

  it("needs a previous window to compare with, and skips iterations without a FAU", () => {
    const replay = new AdaptiveReplay(options)
    replay.observe(0.5)
    replay.observe(Number.NaN)
    assert.isFalse(replay.observe(0.5))
    assert.strictEqual(replay.epochs, 2)
    assert.isTrue(replay.observe(0.5) || replay.observe(0.5))
  })

  it("continues from a saved state mid-window exactly as without the save", () => {
    const trace = [0.3, 0.4, 0.45, 0.5, 0.52, 0.51, 0.515, 0.52]
    const whole = new AdaptiveReplay(options)
    const a = trace.map((f) => whole.observe(f))
    const first = new AdaptiveReplay(options)
    trace.slice(0, 3).forEach((f) => first.observe(f))
    const second = new AdaptiveReplay(options)
    second.restore(JSON.parse(JSON.stringify(first.state())))
    const b = [...trace.slice(0, 3).map(() => false), ...trace.slice(3).map((f) => second.observe(f))]
    assert.deepStrictEqual(b, a)
    assert.deepStrictEqual(second.state(), whole.state())
  })
})
