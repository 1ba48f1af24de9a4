import { describe, expect, it } from "@effect/vitest"
import { rngFromState } from "../../src/data/random.ts"
import { classBalancedBuffer, reservoirBuffer } from "../../src/stream/buffer.ts"

const rngOf = (seed: number) => {
  const rng = rngFromState(seed)
  return () => rng
}

describe("replay buffers", () => {
  it("reservoir: fills in order, then keeps each of n offered examples with probability capacity / n", () => {
    const kept = new Array(100).fill(0)
    for (let trial = 0; trial < 400; trial++) {
      const b = reservoirBuffer(10, rngOf(trial))
      for (let row = 0; row < 100; row++) b.add(row, 0, 0)
      expect(b.size).toBe(10)
      for (let i = 0; i < b.size; i++) kept[b.entry(i).row]++
    }
    // Each row kept in about 10% of 400 trials: the first rows are not favoured.
    expect(Math.max(...kept)).toBeLessThan(75)
    expect(Math.min(...kept)).toBeGreaterThan(15)
    const early = reservoirBuffer(5, rngOf(1))
    for (let row = 0; row < 3; row++) early.add(row, 2, 0)
    expect(Array.from(early.state().index)).toEqual([0, 1, 2])
    expect(Array.from(early.state().task)).toEqual([2, 2, 2])
  })

  it("class-balanced: the capacity split evenly among the classes seen so far, the remainder to the first", () => {
    const b = classBalancedBuffer(10, rngOf(3))
    for (let row = 0; row < 50; row++) b.add(row, 0, 0)
    expect(b.size).toBe(10)
    for (let row = 50; row < 100; row++) b.add(row, 1, 1)
    for (let row = 100; row < 150; row++) b.add(row, 2, 2)
    const state = b.state()
    // 10 over three classes: 4, 3, 3 in the order they came.
    expect(Array.from(state.classes!)).toEqual([0, 1, 2])
    expect(Array.from(state.counts!)).toEqual([4, 3, 3])
    expect(b.size).toBe(10)
    const labelOfRow = (row: number) => Math.floor(row / 50)
    for (let i = 0; i < 10; i++) expect(labelOfRow(b.entry(i).row)).toBe(b.entry(i).task)
  })

  it("class-balanced: each class keeps a uniform sample of its examples, also after shrinking", () => {
    const kept = new Array(60).fill(0)
    for (let trial = 0; trial < 300; trial++) {
      const b = classBalancedBuffer(12, rngOf(1000 + trial))
      for (let row = 0; row < 60; row++) b.add(row, 0, 0)
      for (let row = 60; row < 70; row++) b.add(row, 1, 1)
      // Class 0 now holds 6 of its 60: each about 10% of the time.
      const s = b.state()
      for (let i = 0; i < s.counts![0]!; i++) kept[s.index[i]!]++
    }
    expect(Math.max(...kept)).toBeLessThan(60)
    expect(Math.min(...kept)).toBeGreaterThan(8)
  })

  it("both come back from their state and go on identically", () => {
    for (const make of [reservoirBuffer, classBalancedBuffer]) {
      const rngA = rngFromState(9)
      const a = make(8, () => rngA)
      for (let row = 0; row < 40; row++) a.add(row, row % 3, row % 4)
      const rngB = rngFromState(rngA.state)
      const b = make(8, () => rngB)
      b.restore(a.state())
      for (let row = 40; row < 80; row++) {
        a.add(row, row % 3, row % 5)
        b.add(row, row % 3, row % 5)
      }
      expect(b.state()).toEqual(a.state())
    }
  })
})
