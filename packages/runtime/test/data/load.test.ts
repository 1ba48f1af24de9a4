import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { loadData } from "../../src/data/load.ts"
import { makeSpirals } from "../../src/data/spirals.ts"
import { carveTest, carveValidation, gatherRows } from "../../src/data/split.ts"
import { spiralsIR } from "./fixtures.ts"

const sorted = (xs: ArrayLike<number>) => Array.from(xs).sort((a, b) => a - b)

describe("carving", () => {
  it("validation: round(n * fraction) rows, seeded, disjoint, train keeps its order", () => {
    const a = carveValidation(1001, 0.15, 42)
    assert.strictEqual(a.validation.length, Math.round(1001 * 0.15))
    assert.strictEqual(a.train.length, 1001 - 150)
    assert.deepStrictEqual(sorted([...a.train, ...a.validation]), Array.from({ length: 1001 }, (_, i) => i))
    assert.deepStrictEqual(Array.from(a.train), sorted(a.train))
    const same = carveValidation(1001, 0.15, 42)
    assert.deepStrictEqual(Array.from(same.validation), Array.from(a.validation))
    const other = carveValidation(1001, 0.15, 43)
    assert.notDeepEqual(Array.from(other.validation), Array.from(a.validation))
    const none = carveValidation(10, 0, 42)
    assert.deepStrictEqual(Array.from(none.train), Array.from({ length: 10 }, (_, i) => i))
    assert.strictEqual(none.validation.length, 0)
    assert.strictEqual(carveValidation(10, 0.04, 1).validation.length, 0) // round(0.4) = 0
    assert.strictEqual(carveValidation(10, 0.05, 1).validation.length, 1) // round(0.5) = 1
  })

  it("test: the last round(n * fraction) of a seeded shuffle; independent of the validation stream", () => {
    const t = carveTest(100, 0.3, 9)
    assert.strictEqual(t.test.length, 30)
    assert.deepStrictEqual(sorted([...t.train, ...t.test]), Array.from({ length: 100 }, (_, i) => i))
    assert.deepStrictEqual(Array.from(carveTest(100, 0.3, 9).test), Array.from(t.test))
    assert.notDeepEqual(Array.from(carveTest(100, 0.3, 10).test), Array.from(t.test))
    // different streams: the same seed does not pick the same tail
    assert.notDeepEqual(sorted(carveValidation(100, 0.3, 9).validation), sorted(t.test))
  })

  it("gatherRows copies float rows, or divides byte rows", () => {
    const f = gatherRows(new Float32Array([1, 2, 3, 4, 5, 6]), new Int32Array([7, 8, 9]), 2, [2, 0])
    assert.deepStrictEqual(Array.from(f.x), [5, 6, 1, 2])
    assert.deepStrictEqual(Array.from(f.y), [9, 7])
    const b = gatherRows(new Uint8Array([0, 255, 51, 102]), new Uint8Array([1, 2]), 2, [1], 255)
    assert.deepStrictEqual(Array.from(b.x), [Math.fround(0.2), Math.fround(0.4)])
    assert.strictEqual(b.n, 1)
  })
})

describe("loadData spirals", () => {
  it.effect("validation 0: exactly makeSpirals' splits, shape [2]", () =>
    Effect.gen(function*() {
      const d = yield* loadData(spiralsIR(), 11)
      const s = makeSpirals(spiralsIR(), 11)
      assert.deepStrictEqual(d.train, s.train)
      assert.deepStrictEqual(d.test, s.test)
      assert.isUndefined(d.validation)
      assert.deepStrictEqual(d.shape, [2])
      assert.strictEqual(d.features, 2)
      assert.strictEqual(d.classes, 3)
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("validation carved out of train: sizes, determinism, same test split", () =>
    Effect.gen(function*() {
      const ir = spiralsIR({ validationFraction: 0.25 })
      const d = yield* loadData(ir, 11)
      const s = makeSpirals(ir, 11)
      assert.strictEqual(d.validation!.n, Math.round(800 * 0.25))
      assert.strictEqual(d.train.n, 600)
      assert.deepStrictEqual(d.test, s.test)
      // train and validation rows together are makeSpirals' train rows
      const rows = (x: Float32Array, n: number) => Array.from({ length: n }, (_, i) => `${x[2 * i]},${x[2 * i + 1]}`)
      assert.deepStrictEqual([...rows(d.train.x, 600), ...rows(d.validation!.x, 200)].sort(), rows(s.train.x, 800).sort())
      const again = yield* loadData(ir, 11)
      assert.deepStrictEqual(again, d)
      const other = yield* loadData(ir, 12)
      assert.notDeepEqual(Array.from(other.validation!.x.slice(0, 10)), Array.from(d.validation!.x.slice(0, 10)))
    }).pipe(Effect.provide(NodeServices.layer)))
})
