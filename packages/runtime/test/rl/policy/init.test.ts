import { assert, describe, it } from "@effect/vitest"
import { createRng } from "../../../src/data/random.ts"
import { orthogonalWeight } from "../../../src/rl/policy/init.ts"

/** Gram matrix of the columns (tall) or rows (wide) of a row-major [rows, cols] matrix. */
const gram = (w: Float32Array, rows: number, cols: number): Array<Array<number>> => {
  const byColumns = rows >= cols
  const n = byColumns ? cols : rows
  const len = byColumns ? rows : cols
  const at = (v: number, i: number) => (byColumns ? w[i * cols + v]! : w[v * cols + i]!)
  return Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => {
    let s = 0
    for (let i = 0; i < len; i++) s += at(a, i) * at(b, i)
    return s
  }))
}

describe("orthogonalWeight", () => {
  for (const [fanIn, fanOut, gain] of [[4, 64, Math.SQRT2], [64, 64, Math.SQRT2], [64, 2, 0.01], [64, 1, 1], [3, 5, 1]] as const) {
    it(`[${fanIn}, ${fanOut}] gain ${gain.toFixed(3)} is semi-orthogonal times the gain`, () => {
      const w = orthogonalWeight(createRng(7), fanIn, fanOut, gain)
      assert.strictEqual(w.length, fanIn * fanOut)
      const g = gram(w, fanIn, fanOut)
      g.forEach((row, a) => row.forEach((x, b) => assert.approximately(x, a === b ? gain * gain : 0, 1e-5 * Math.max(1, gain * gain), `G[${a}][${b}]`)))
    })
  }

  it("is a function of the stream: same seed, same weights; another seed, others", () => {
    const a = orthogonalWeight(createRng(1), 8, 6, 1)
    assert.deepStrictEqual(orthogonalWeight(createRng(1), 8, 6, 1), a)
    assert.notDeepEqual(Array.from(orthogonalWeight(createRng(2), 8, 6, 1)), Array.from(a))
  })
})
