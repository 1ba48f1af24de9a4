import { assert, describe, it } from "@effect/vitest"
import { createRng, deriveSeed, nextUint32, rngFromState, seedState, shuffleInPlace } from "../../src/data/random.ts"

describe("random", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const draw = (seed: number) => {
      const rng = createRng(seed)
      return Array.from({ length: 8 }, () => rng.uniform())
    }
    assert.deepStrictEqual(draw(7), draw(7))
    assert.notDeepEqual(draw(7), draw(8))
    assert.notDeepEqual(draw(0), draw(2 ** 32)) // the high word of the seed matters
  })

  it("resumes exactly from a saved state", () => {
    const a = createRng(42)
    for (let i = 0; i < 5; i++) a.normal()
    const b = rngFromState(a.state)
    assert.deepStrictEqual(Array.from({ length: 5 }, () => a.normal()), Array.from({ length: 5 }, () => b.normal()))
  })

  it("nextUint32 is pure", () => {
    assert.deepStrictEqual(nextUint32(123), nextUint32(123))
    assert.isTrue(Number.isInteger(nextUint32(123)[0]))
  })

  it("uniforms lie in [0, 1) and normals have mean ~0, variance ~1", () => {
    const rng = createRng(1)
    let sum = 0
    let sq = 0
    const n = 20000
    for (let i = 0; i < n; i++) {
      const u = rng.uniform()
      assert.isTrue(u >= 0 && u < 1)
      const z = rng.normal()
      sum += z
      sq += z * z
    }
    assert.isTrue(Math.abs(sum / n) < 0.05)
    assert.isTrue(Math.abs(sq / n - 1) < 0.05)
  })

  it("derived streams differ by label", () => {
    assert.notStrictEqual(deriveSeed(1, "data/spirals"), deriveSeed(1, "data/batches"))
    assert.strictEqual(deriveSeed(1, "x"), deriveSeed(1, "x"))
    assert.strictEqual(seedState(5), seedState(5))
  })

  it("shuffle is a permutation", () => {
    const xs = shuffleInPlace(Int32Array.from({ length: 100 }, (_, i) => i), createRng(3))
    assert.deepStrictEqual(Array.from(xs).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i))
  })
})
