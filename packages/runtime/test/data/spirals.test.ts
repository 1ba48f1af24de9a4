import { assert, describe, it } from "@effect/vitest"
import { makeSpirals } from "../../src/data/spirals.ts"
import { spiralsIR } from "./fixtures.ts"


const counts = (y: Int32Array, k: number): Array<number> => {
  const c = new Array<number>(k).fill(0)
  for (const v of y) c[v]!++
  return c
}

describe("makeSpirals", () => {
  it("same seed gives identical bytes", () => {
    const a = makeSpirals(spiralsIR(), 11)
    const b = makeSpirals(spiralsIR(), 11)
    assert.deepStrictEqual(Buffer.from(a.train.x.buffer), Buffer.from(b.train.x.buffer))
    assert.deepStrictEqual(Buffer.from(a.train.y.buffer), Buffer.from(b.train.y.buffer))
    assert.deepStrictEqual(Buffer.from(a.test.x.buffer), Buffer.from(b.test.x.buffer))
  })

  it("different seeds differ", () => {
    const a = makeSpirals(spiralsIR(), 1)
    const b = makeSpirals(spiralsIR(), 2)
    assert.notDeepEqual(Array.from(a.train.x.slice(0, 20)), Array.from(b.train.x.slice(0, 20)))
  })

  it("splits by testFraction and shapes match", () => {
    const d = makeSpirals(spiralsIR(), 0)
    assert.strictEqual(d.test.n, 200)
    assert.strictEqual(d.train.n, 800)
    assert.strictEqual(d.train.x.length, 1600)
    assert.strictEqual(d.test.y.length, 200)
    assert.strictEqual(d.features, 2)
    assert.strictEqual(d.classes, 3)
  })

  it("spreads examples evenly over classes (N mod K extra go to the first classes)", () => {
    const d = makeSpirals(spiralsIR({ samples: 1001 }), 0)
    const all = counts(d.train.y, 3).map((c, i) => c + counts(d.test.y, 3)[i]!)
    assert.deepStrictEqual(all, [334, 334, 333])
    // The shuffle keeps each split roughly balanced.
    for (const c of counts(d.train.y, 3)) assert.isTrue(Math.abs(c - d.train.n / 3) < 40)
  })

  it("without noise, points lie within the unit disc on their arm", () => {
    const d = makeSpirals(spiralsIR({ noise: 0, classes: 2, samples: 200, testFraction: 0 }), 0)
    assert.strictEqual(d.test.n, 0)
    for (let i = 0; i < d.train.n; i++) {
      const r = Math.hypot(d.train.x[2 * i]!, d.train.x[2 * i + 1]!)
      assert.isTrue(r <= 1 + 1e-6)
    }
  })
})
