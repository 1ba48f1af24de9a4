import { describe, expect, it } from "@effect/vitest"
import { annealingAreas, fitLossCurve, lawLrs, predictLoss } from "../../src/index.ts"

const T = 2400
/** Linear decay from 1e-3 to 0 over T updates: the kind of run the law is fitted to. */
const linear = Array.from({ length: T }, (_, t) => 1e-3 * (1 - t / T))
const truth = { L0: 0.25, A: 0.12, alpha: 0.45, C: 0.35 }

/** A fixed pseudo-random sequence (Park-Miller), so that the noisy fits are the same on every run. */
const noise = (seed: number) => () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5

describe("annealingAreas", () => {
  it("gives S1 = 7.5 and S2 = 0.5 * (1 + .999 + ... + .999^4) after [1]*5 + [0.5]*5", () => {
    const { s1, s2 } = annealingAreas([1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5], 0.999)
    expect(s1[10]).toBe(7.5)
    expect(s2[10]).toBeCloseTo(2.4950049975005, 12)
    expect(s2[10]).toBeCloseTo(0.5 * [0, 1, 2, 3, 4].reduce((a, k) => a + 0.999 ** k, 0), 14)
    // Index s is after s updates: nothing before the first, no annealing before the lr falls.
    expect([s1[0], s2[0], s1[5], s2[5], s2[6]]).toEqual([0, 0, 5, 0, 0.5])
  })

  it("counts a warmup at its peak, as the paper does", () => {
    expect(lawLrs([0, 0.5, 1, 1, 0.5])).toEqual([1, 1, 1, 1, 0.5])
    expect(lawLrs([1, 0.5, 0.25])).toEqual([1, 0.5, 0.25])
    expect(lawLrs([2, 2, 2])).toEqual([2, 2, 2])
  })
})

describe("predictLoss", () => {
  it("is L0 + A * S1^-alpha - C * S2 after each update, and NaN before the first", () => {
    const lrs = [1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5]
    const p = { L0: 1, A: 2, alpha: 0.5, C: 0.1 }
    const predicted = predictLoss(p, lrs, 0.999)
    expect(predicted).toHaveLength(11)
    expect(predicted[0]).toBeNaN()
    expect(predicted[4]).toBeCloseTo(1 + 2 / Math.sqrt(4), 14)
    expect(predicted[10]).toBeCloseTo(1 + 2 * 7.5 ** -0.5 - 0.1 * 2.4950049975005, 12)
  })

  it("predicts a lower final loss after annealing than at a constant lr of the same peak", () => {
    const constant = predictLoss(truth, linear.map(() => 1e-3))
    const annealed = predictLoss(truth, linear)
    expect(annealed[T]!).toBeLessThan(constant[T]!)
  })
})

describe("fitLossCurve", () => {
  const exact = predictLoss(truth, linear).map((loss, step) => ({ step, loss })).slice(1)

  it("recovers the parameters of a curve the law generated, quickly", () => {
    const started = performance.now()
    const fit = fitLossCurve(exact, linear)
    expect(performance.now() - started).toBeLessThan(1000)
    expect(fit.params.L0).toBeCloseTo(truth.L0, 5)
    expect(fit.params.A).toBeCloseTo(truth.A, 5)
    expect(fit.params.alpha).toBeCloseTo(truth.alpha, 5)
    expect(fit.params.C).toBeCloseTo(truth.C, 5)
    expect(fit.rmseLog).toBeLessThan(1e-6)
    expect(fit.r2Log).toBeCloseTo(1, 9)
    expect(fit.points).toBe(T)
  })

  it("recovers them from a noisy curve (1% multiplicative noise), and predicts another schedule", () => {
    const rand = noise(7)
    const noisy = exact.map((p) => ({ step: p.step, loss: p.loss * Math.exp(0.02 * rand()) }))
    const fit = fitLossCurve(noisy, linear)
    expect(Math.abs(fit.params.L0 - truth.L0)).toBeLessThan(0.02)
    expect(Math.abs(fit.params.alpha - truth.alpha)).toBeLessThan(0.03)
    expect(Math.abs(fit.params.C - truth.C) / truth.C).toBeLessThan(0.03)
    expect(fit.rmseLog).toBeGreaterThan(0.004)
    expect(fit.rmseLog).toBeLessThan(0.007)
    // The fit of one schedule predicts another: a step decay, at every step within 0.5%.
    const step = linear.map((_, t) => (t < T / 2 ? 1e-3 : 3e-4))
    const want = predictLoss(truth, step)
    const got = predictLoss(fit.params, step)
    for (let s = 10; s <= T; s++) expect(Math.abs(got[s]! / want[s]! - 1)).toBeLessThan(0.005)
  })

  it("is deterministic, leaves out step 0 and fits a few logged points", () => {
    const sparse = [{ step: 0, loss: 2.3 }, ...exact.filter((p) => p.step % 200 === 0)]
    const a = fitLossCurve(sparse, linear)
    expect(a).toEqual(fitLossCurve(sparse, linear))
    expect(a.points).toBe(12)
    expect(a.params.alpha).toBeCloseTo(truth.alpha, 4)
  })

  it("fits C = 0 when the lr never falls (no annealing area)", () => {
    const constant = linear.map(() => 1e-3)
    const fit = fitLossCurve(predictLoss({ ...truth, C: 0 }, constant).map((loss, step) => ({ step, loss })), constant)
    expect(fit.params.C).toBe(0)
    expect(fit.params.alpha).toBeCloseTo(truth.alpha, 5)
  })

  it("rejects points it cannot use", () => {
    expect(() => fitLossCurve(exact, linear.slice(0, 10))).toThrow(/step 11 is not one of the updates 1..10/)
    expect(() => fitLossCurve([...exact.slice(0, 10), { step: 11, loss: Number.NaN }], linear)).toThrow(/the loss at step 11 is NaN/)
    expect(() => fitLossCurve(exact.slice(0, 3), linear)).toThrow(/3 points/)
  })
})
