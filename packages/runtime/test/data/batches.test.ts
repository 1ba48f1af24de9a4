import { assert, describe, it } from "@effect/vitest"
import { createBatchSampler, gatherRows, restoreBatchSampler } from "../../src/data/batches.ts"

const draw = (sampler: { nextBatch(n: number): Int32Array }, sizes: Array<number>) =>
  sizes.map((s) => Array.from(sampler.nextBatch(s)))

describe("batch sampler", () => {
  it("is deterministic per seed and differs across seeds", () => {
    assert.deepStrictEqual(draw(createBatchSampler(50, 3), [8, 8, 8]), draw(createBatchSampler(50, 3), [8, 8, 8]))
    assert.notDeepEqual(draw(createBatchSampler(50, 3), [8]), draw(createBatchSampler(50, 4), [8]))
  })

  it("visits every index once per epoch and reshuffles each epoch", () => {
    const s = createBatchSampler(10, 1)
    const epoch1 = s.nextBatch(10)
    const epoch2 = s.nextBatch(10)
    const sorted = (xs: Int32Array) => Array.from(xs).sort((a, b) => a - b)
    assert.deepStrictEqual(sorted(epoch1), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert.deepStrictEqual(sorted(epoch2), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert.notDeepEqual(Array.from(epoch1), Array.from(epoch2))
    assert.strictEqual(s.state().epoch, 1)
  })

  it("keeps batches full across epoch ends", () => {
    const s = createBatchSampler(10, 1)
    assert.strictEqual(s.nextBatch(7).length, 7)
    assert.strictEqual(s.nextBatch(7).length, 7)
    assert.deepStrictEqual(s.state().cursor, 4)
  })

  it("resumes exactly from a saved state, also with varying batch sizes", () => {
    const a = createBatchSampler(37, 9)
    draw(a, [5, 11, 30])
    const b = restoreBatchSampler(37, a.state())
    assert.deepStrictEqual(draw(a, [7, 40, 3]), draw(b, [7, 40, 3]))
    assert.deepStrictEqual(a.state(), b.state())
    // The state is plain JSON.
    const c = restoreBatchSampler(37, JSON.parse(JSON.stringify(a.state())))
    assert.deepStrictEqual(draw(a, [9]), draw(c, [9]))
  })

  it("goes back in place to a state it gave, across epoch boundaries", () => {
    const a = createBatchSampler(37, 9)
    draw(a, [30])
    const saved = a.state()
    const first = draw(a, [20, 40])
    a.restore(saved)
    assert.deepStrictEqual(draw(a, [20, 40]), first)
    assert.notDeepEqual(draw(a, [20]), draw(createBatchSampler(37, 9), [20]))
  })

  it("gathers rows", () => {
    const split = { x: new Float32Array([0, 1, 10, 11, 20, 21]), y: new Int32Array([0, 1, 2]) }
    const { x, y } = gatherRows(split, 2, new Int32Array([2, 0]))
    assert.deepStrictEqual(Array.from(x), [20, 21, 0, 1])
    assert.deepStrictEqual(Array.from(y), [2, 0])
  })

  it("gathers into given buffers, and refuses buffers of the wrong size", () => {
    const split = { x: new Float32Array([0, 1, 10, 11, 20, 21]), y: new Int32Array([0, 1, 2]) }
    const into = { x: new Float32Array(4), y: new Int32Array(2) }
    const out = gatherRows(split, 2, new Int32Array([1, 2]), into)
    assert.strictEqual(out.x, into.x)
    assert.deepStrictEqual(Array.from(into.x), [10, 11, 20, 21])
    assert.deepStrictEqual(Array.from(into.y), [1, 2])
    assert.throws(() => gatherRows(split, 2, new Int32Array([1, 2, 0]), into), /batch buffers hold 2 rows/)
  })
})
