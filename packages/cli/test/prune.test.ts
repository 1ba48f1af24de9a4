import { describe, expect, it } from "@effect/vitest"
import type { PruneRule } from "@lrs/compiler"
import { Pruner } from "../src/sweep/prune.ts"

/** Evaluation rows of a trial: `values[k]` at update `k * every`. */
const rows = (values: ReadonlyArray<number>, every = 100, metric = "accuracy") =>
  values.map((v, k) => ({ kind: "eval", step: k * every, split: "test", [metric]: v }))

describe("sweep pruning", () => {
  it("median: stops a trial whose best so far is below the others' median, once enough others got there", () => {
    const p = new Pruner({ kind: "median", metric: "test.accuracy", every: 100, after: 100, trials: 2 })
    expect(p.report(0, rows([0.1, 0.5, 0.7]), 1000)).toBeUndefined()
    expect(p.report(1, rows([0.1, 0.6, 0.8]), 1000)).toBeUndefined()
    // At update 100: others 0.5, 0.6 (median 0.55); best so far 0.3 -> stop there.
    expect(p.report(2, rows([0.2, 0.3, 0.9]), 1000)).toEqual({ step: 100, value: 0.3, against: 0.55, rule: "median" })
    // A loss is better lower; its best so far counts, not its last value.
    const l = new Pruner({ kind: "median", metric: "test.loss", every: 100, after: 0, trials: 1 })
    expect(l.report(0, rows([1.0, 0.5], 100, "loss"), 1000)).toBeUndefined()
    expect(l.report(1, rows([0.9, 0.8], 100, "loss"), 1000)).toEqual({ step: 100, value: 0.8, against: 0.5, rule: "median" })
  })

  it("halving: at rungs min * factor^k, only the top 1 / factor of the trials there go on", () => {
    const rule: PruneRule = { kind: "halving", metric: "test.accuracy", min: 100, factor: 2 }
    const p = new Pruner(rule)
    // Rungs at 100, 200, 400 (300 is not one).
    expect(p.report(0, rows([0, 0.6, 0.7, 0.1, 0.8]), 1000)).toBeUndefined()
    // Two at rung 100 (0.6 and 0.4): the top half is 0.6, so this one stops there.
    expect(p.report(1, rows([0, 0.4, 0.9]), 1000)).toEqual({ step: 100, value: 0.4, against: 0.6, rule: "halving" })
    // Three at rung 100 (0.6, 0.4, 0.5): keep ceil(3 / 2) = 2, cutoff 0.5, so this one goes on.
    expect(p.report(2, rows([0, 0.5, 0.95]), 1000)).toBeUndefined()
    // Rung 100 (four: keep 2, cutoff 0.55) passes; rung 200 holds 0.7, 0.95 and this 0.6: keep 2, cutoff 0.7.
    expect(p.report(3, rows([0, 0.55, 0.6]), 1000)).toEqual({ step: 200, value: 0.6, against: 0.7, rule: "halving" })
    // The last update is never a checkpoint: the run is over.
    const q = new Pruner({ ...rule, min: 100 })
    q.report(0, rows([0, 0.9]), 200)
    expect(q.report(1, rows([0, 0.1]), 200)).toEqual({ step: 100, value: 0.1, against: 0.9, rule: "halving" })
    expect(new Pruner(rule).report(0, rows([0, 0.1]), 100)).toBeUndefined()
  })
})
