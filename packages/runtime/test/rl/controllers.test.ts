import { describe, expect, it } from "@effect/vitest"
import type { ScheduleIR } from "@lrs/compiler"
import { RlControllers } from "../../src/rl/controllers.ts"

const span = { file: "t.lrs", start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } }
const constant = (value: number): ScheduleIR => ({ kind: "constant", value, span })
const read = (s: ScheduleIR) => (s.kind === "constant" ? s.value : Number.NaN)

describe("RL controllers", () => {
  it("adaptive KL: beta * (1 + clip(KL / target - 1, -0.2, 0.2) * n / horizon)", () => {
    const c = new RlControllers({ kind: "adaptive_kl", initial: 0.1, target: 0.01, horizon: 1000, span }, constant(0))
    expect(c.beta(read, 0)).toBe(0.1)
    // KL 3x the target: the error clips at 0.2; 100 answers of a 1000 horizon: x1.02.
    c.observe({ kl: 0.03, entropy: 1, answers: 100 })
    expect(c.beta(read, 0)).toBeCloseTo(0.1 * 1.02, 15)
    // KL at half the target: error -0.5 clips at -0.2.
    c.observe({ kl: 0.005, entropy: 1, answers: 100 })
    expect(c.beta(read, 0)).toBeCloseTo(0.1 * 1.02 * 0.98, 15)
    // Inside the clip: KL 1.1x the target, +0.1 * 0.1.
    c.observe({ kl: 0.011, entropy: 1, answers: 100 })
    expect(c.beta(read, 0)).toBeCloseTo(0.1 * 1.02 * 0.98 * 1.01, 15)
    // No KL measured: unchanged.
    c.observe({ kl: Number.NaN, entropy: 1, answers: 100 })
    expect(c.beta(read, 0)).toBeCloseTo(0.1 * 1.02 * 0.98 * 1.01, 15)
  })

  it("adaptive entropy: the coefficient climbs while entropy is at or below target and applies only then", () => {
    const c = new RlControllers(constant(0), { kind: "adaptive_entropy", initial: 0.01, target: 0.5, delta: 0.005, min: 0, max: 0.02, span })
    expect(c.entropy(read, 0)).toBe(0.01)
    c.observe({ kl: Number.NaN, entropy: 0.4, answers: 8 })
    expect(c.entropy(read, 0)).toBeCloseTo(0.015, 15)
    c.observe({ kl: Number.NaN, entropy: 0.5, answers: 8 })
    expect(c.entropy(read, 0)).toBeCloseTo(0.02, 15)
    c.observe({ kl: Number.NaN, entropy: 0.1, answers: 8 })
    // Capped at max.
    expect(c.entropy(read, 0)).toBeCloseTo(0.02, 15)
    // Above target: the coefficient falls and the bonus is off for the next iteration.
    c.observe({ kl: Number.NaN, entropy: 0.9, answers: 8 })
    expect(c.entropy(read, 0)).toBe(0)
    expect(c.state().entropy).toEqual({ coef: 0.015, apply: false })
    const again = new RlControllers(constant(0), { kind: "adaptive_entropy", initial: 0.01, target: 0.5, delta: 0.005, min: 0, max: 0.02, span })
    again.restore(c.state())
    expect(again.state()).toEqual(c.state())
  })

  it("entropic: the target is read at t, alpha starts at 0 and keeps what the iteration left, in the state", () => {
    const target: ScheduleIR = { kind: "constant", value: 0.6, span }
    const c = new RlControllers(constant(0), constant(0), target)
    expect(c.entropic(read, 0)).toEqual({ target: 0.6, alpha: 0 })
    c.observe({ kl: Number.NaN, entropy: 0.9, answers: 8, entropyAlpha: 0.3 })
    expect(c.entropic(read, 10)).toEqual({ target: 0.6, alpha: 0.3 })
    // An iteration that measured nothing leaves it.
    c.observe({ kl: Number.NaN, entropy: Number.NaN, answers: 8, entropyAlpha: Number.NaN })
    expect(c.state()).toEqual({ entropyAlpha: 0.3 })
    const again = new RlControllers(constant(0), constant(0), target)
    again.restore(c.state())
    expect(again.entropic(read, 0)).toEqual({ target: 0.6, alpha: 0.3 })
    // Without a target: nothing to read or keep, whatever is observed.
    const none = new RlControllers(constant(0), constant(0))
    none.observe({ kl: Number.NaN, entropy: 0.9, answers: 8, entropyAlpha: 0.3 })
    expect(none.entropic(read, 0)).toBeUndefined()
    expect(none.state()).toEqual({})
  })

  it("plain schedules pass through, with nothing to keep", () => {
    const c = new RlControllers(constant(0.04), constant(0.001))
    c.observe({ kl: 1, entropy: 0, answers: 8 })
    expect([c.beta(read, 5), c.entropy(read, 5)]).toEqual([0.04, 0.001])
    expect(c.state()).toEqual({})
  })
})
