import { describe, expect, it } from "@effect/vitest"
import type { AutoLrsIR } from "@lrs/compiler"
import { evaluateSchedule } from "@lrs/compiler"
import { SearchController } from "../../src/search/autolrs.ts"
import { proposeNext } from "../../src/search/bayes.ts"
import { forecastExponential } from "../../src/search/forecast.ts"

const span = { file: "t.lrs", start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } }

describe("AutoLRS forecaster", () => {
  it("extrapolates an exponential decay to its asymptote", () => {
    const losses = Array.from({ length: 20 }, (_, i) => 2 * Math.exp(-0.1 * i) + 0.5)
    expect(forecastExponential(losses, 100)).toBeCloseTo(0.5 + 2 * Math.exp(-10), 2)
    expect(forecastExponential(losses, 19)).toBeCloseTo(losses[19]!, 2)
  })

  it("forecasts a flat curve as its mean, never below 0, and a diverged trial as +Infinity", () => {
    expect(forecastExponential([1, 1, 1, 1], 50)).toBeCloseTo(1, 12)
    // A steep fall that a free fit would carry below zero ends at an asymptote of 0.
    expect(forecastExponential([3, 1.5, 0.6, 0.2, 0.05], 100)).toBeGreaterThanOrEqual(0)
    expect(forecastExponential([1, 0.9, Number.NaN], 10)).toBe(Number.POSITIVE_INFINITY)
    expect(forecastExponential([], 10)).toBe(Number.POSITIVE_INFINITY)
  })
})

describe("Bayesian optimisation on [0, 1]", () => {
  it("homes in on the minimum of a smooth function and never proposes a tried point twice", () => {
    const f = (x: number) => (x - 0.3) ** 2
    const xs = [0.9, 0.6]
    const ys = xs.map(f)
    for (let k = 0; k < 8; k++) {
      const x = proposeNext(xs, ys)
      expect(xs).not.toContain(x)
      xs.push(x)
      ys.push(f(x))
    }
    expect(Math.abs(xs[ys.indexOf(Math.min(...ys))]! - 0.3)).toBeLessThan(0.03)
    // Deterministic: the same observations give the same proposal.
    expect(proposeNext(xs, ys)).toBe(proposeNext([...xs], [...ys]))
  })

  it("treats diverged trials as worse than every finite one", () => {
    const x = proposeNext([0.9, 0.1], [Number.POSITIVE_INFINITY, 1])
    expect(x).toBeLessThan(0.6)
  })
})

describe("AutoLRS controller", () => {
  const node: AutoLrsIR = { kind: "autolrs", min: 1e-4, max: 1, every: 100, trial: 10, trials: 8, span }

  it("tries candidates in [min, max], reads the candidate under trial, and keeps the best for its stage", () => {
    const search = new SearchController(node, 11)
    const read = (t: number) => evaluateSchedule(node, t, search.adaptive)
    expect(search.due(0)).toBe(true)
    const seen: Array<number> = []
    // Losses settle lowest at lr = 1e-2.
    const outcome = search.searchStage(0, 1000, (candidate, updates) => {
      expect(read(3)).toBe(candidate)
      expect(updates).toBe(10)
      seen.push(candidate)
      const floor = 0.1 + 0.2 * Math.log10(candidate / 1e-2) ** 2
      return Array.from({ length: updates }, (_, i) => Math.exp(-0.3 * i) + floor)
    })
    expect(seen).toEqual(outcome.candidates)
    expect(seen.every((c) => c >= 1e-4 && c <= 1)).toBe(true)
    expect(Math.abs(Math.log10(outcome.chosen / 1e-2))).toBeLessThan(0.4)
    expect(read(0)).toBe(outcome.chosen)
    expect(read(99)).toBe(outcome.chosen)
    expect(search.due(50)).toBe(false)
    expect(search.due(100)).toBe(true)
    // Restored from its state, a controller reads the same values.
    const again = new SearchController(node, 11)
    again.restore(JSON.parse(JSON.stringify(search.state())))
    expect(evaluateSchedule(node, 42, again.adaptive)).toBe(outcome.chosen)
  })

  it("draws the same candidates for the same seed and stage, others for another seed", () => {
    const candidates = (seed: number) =>
      new SearchController(node, seed).searchStage(0, 1000, (_c, updates) => new Array(updates).fill(1)).candidates
    expect(candidates(3)).toEqual(candidates(3))
    expect(candidates(3)).not.toEqual(candidates(4))
  })

  it("keeps the smallest value when every trial diverges, and shortens trials in a short last stage", () => {
    const search = new SearchController(node, 1)
    const outcome = search.searchStage(0, 1000, () => [Number.NaN])
    expect(outcome.chosen).toBe(1e-4)
    const last = search.searchStage(100, 105, (_c, updates) => {
      expect(updates).toBe(4)
      return new Array(updates).fill(1)
    })
    expect(last.stage).toBe(1)
  })
})
