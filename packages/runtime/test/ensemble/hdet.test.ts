import { describe, expect, it } from "@effect/vitest"
import type { EnsembleIR, ScheduleIR } from "@lrs/compiler"
import { HdetController, multipliers } from "../../src/ensemble/hdet.ts"
import { centreReader, replicaReader } from "../../src/ensemble/replicas.ts"

const span = { file: "t.lrs", start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } }
const ensemble = (over: Partial<EnsembleIR> = {}): EnsembleIR => ({
  kind: "hdet", replicas: 2, spread: 0.5, averageEvery: 10, metaFrom: 20, metaLr: 0.5, momentum: 0.9, temperature: 0.1, explore: ["lr"], span, ...over
})

describe("HDET", () => {
  it("spreads the multipliers evenly around 1 (the paper's rho_r)", () => {
    const eight = multipliers(8, 1 / 9)
    eight.forEach((rho, r) => expect(rho).toBeCloseTo(1 + ((1 / 9) * (r - 3.5)) / 3.5, 15))
    expect(eight.reduce((a, b) => a + b, 0)).toBeCloseTo(8, 12)
    expect(multipliers(2, 0.5)).toEqual([0.5, 1.5])
    expect(multipliers(3, 0.2)).toEqual([0.8, 1, 1.2])
  })

  it("moves the schedule toward the replicas with lower loss, through the momentum, from meta_from on", () => {
    const h = new HdetController(ensemble(), 5)
    expect([h.value("lr", 0, 0.1), h.value("lr", 1, 0.1)]).toEqual([0.05, 0.15000000000000002])
    h.observe([1.0, 0.9])
    const early = h.sync(10)
    expect(early.meta).toBe(false)
    expect(early.scales).toEqual({ lr: 1 })
    h.observe([1.0, 0.9])
    h.observe([1.0, 0.9])
    const outcome = h.sync(20)
    // softmax((0.95 - [1.0, 0.9]) / 0.1) = softmax([-0.5, 0.5]); delta = w . [0.5, 1.5] - 1
    const w1 = Math.exp(0.5) / (Math.exp(-0.5) + Math.exp(0.5))
    expect(outcome.losses).toEqual([1, 0.9])
    expect(outcome.weights[1]).toBeCloseTo(w1, 12)
    const delta = (1 - w1) * 0.5 + w1 * 1.5 - 1
    expect(outcome.scales["lr"]).toBeCloseTo(1 + 0.5 * (0.1 * delta), 12)
    expect(h.center("lr", 0.1)).toBeCloseTo(0.1 * (1 + 0.05 * delta), 12)
    // The multipliers are dealt out again: still one of each.
    expect([h.value("lr", 0, 1), h.value("lr", 1, 1)].map((v) => v / h.center("lr", 1)).sort()).toEqual([0.5, 1.5])
  })

  it("deals the multipliers by the seed, and restores exactly what it saved", () => {
    const run = (seed: number) => {
      const h = new HdetController(ensemble({ replicas: 6, metaFrom: 0 }), seed)
      const order: Array<Array<number>> = []
      for (let k = 1; k <= 4; k++) {
        h.observe([1, 2, 3, 4, 5, 6])
        h.sync(10 * k)
        order.push([0, 1, 2, 3, 4, 5].map((r) => h.value("lr", r, 1)))
      }
      return { order, h }
    }
    expect(run(1).order).toEqual(run(1).order)
    expect(run(1).order).not.toEqual(run(2).order)
    const { h } = run(3)
    const copy = new HdetController(ensemble({ replicas: 6, metaFrom: 0 }), 3)
    copy.restore(JSON.parse(JSON.stringify(h.snapshot())))
    h.observe([2, 1, 2, 1, 2, 1])
    copy.observe([2, 1, 2, 1, 2, 1])
    expect(copy.sync(50)).toEqual(h.sync(50))
  })

  it("reads explored schedules at each replica's multiple and the logs at the centre; others unchanged", () => {
    const lr: ScheduleIR = { kind: "constant", value: 0.1, span }
    const other: ScheduleIR = { kind: "constant", value: 0.1, span }
    const h = new HdetController(ensemble(), 1)
    const nodes = new Map([[lr, "lr" as const]])
    const base = (s: ScheduleIR) => (s.kind === "constant" ? s.value : 0)
    expect(replicaReader(base, nodes, h, 1)(lr, 0)).toBeCloseTo(0.15, 15)
    expect(replicaReader(base, nodes, h, 1)(other, 0)).toBe(0.1)
    expect(centreReader(base, nodes, h)(lr, 0)).toBe(0.1)
  })
})
