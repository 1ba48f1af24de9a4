import { assert, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { difference, wave } from "./compare.ts"
import { onBackend, readAll, softwareGpuUnavailable } from "./softwareGpu.ts"

const unavailable = await softwareGpuUnavailable()
if (unavailable !== undefined) console.warn(`software GPU tests skipped: ${unavailable}`)

/** addN of `count` tensors of 37 elements, and a scalar addN of as many sums (a gradient norm's shape). */
const sums = (count: number) => async () =>
  readAll(tf.tidy(() => {
    const xs = Array.from({ length: count }, (_, i) => tf.tensor1d(wave(37, i)))
    return [tf.addN(xs), tf.addN(xs.map((x) => tf.sum(tf.square(x))))]
  }))

describe.skipIf(unavailable !== undefined)("AddN on webgpu with more inputs than a shader may bind", () => {
  for (const count of [2, 3, 7, 8, 9, 20]) {
    it.effect(`${count} inputs: the same sums as cpu`, () =>
      Effect.gen(function*() {
        const cpu = yield* onBackend("cpu", sums(count))
        const gpu = yield* onBackend("gpu", sums(count))
        assert.strictEqual(tf.getBackend(), "webgpu")
        for (const [i, c] of cpu.entries()) assert.isBelow(difference(c, gpu[i]!).rel, 1e-6, `output ${i}`)
      }))
  }
})
