import { assert, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { Backend } from "../../src/backend/Backend.ts"
import { installedWasmFallbacks, installWasmFallbacks, replacedWasmKernels } from "../../src/backend/wasmFallbacks.ts"
import { difference, onCpuAndWasm, wave } from "./compare.ts"

type Arrays = Record<string, Float32Array>

const read = (tensors: Record<string, tf.Tensor>): Arrays => {
  const out: Arrays = {}
  for (const [k, t] of Object.entries(tensors)) out[k] = Float32Array.from(t.dataSync())
  tf.dispose(Object.values(tensors))
  return out
}

const assertClose = (label: string, cpu: Arrays, wasm: Arrays, tolerance = 1e-5) => {
  assert.deepStrictEqual(Object.keys(wasm), Object.keys(cpu))
  for (const k of Object.keys(cpu)) {
    const d = difference(cpu[k]!, wasm[k]!)
    console.log(`${label} ${k}: max abs ${d.abs.toExponential(2)}, rel ${d.rel.toExponential(2)}`)
    assert.isTrue(d.rel <= tolerance, `${label} ${k}: rel ${d.rel}`)
  }
}

// Each computation: forward value and the gradients of a weighted sum of it (so every output
// element gets a different upstream gradient).
const dense = (): Arrays =>
  read(tf.tidy(() => {
    const x = tf.tensor2d(wave(16 * 20, 0), [16, 20])
    const w = tf.tensor2d(wave(20 * 12, 1), [20, 12])
    const b = tf.tensor1d(wave(12, 2))
    const up = tf.tensor2d(wave(16 * 12, 3), [16, 12])
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b)
    const [dx, dw, db] = tf.grads((x, w, b) => tf.sum(tf.mul(f(x!, w!, b!), up)))([x, w, b])
    return { y: f(x, w, b), dx: dx!, dw: dw!, db: db! }
  }))

const conv = (): Arrays =>
  read(tf.tidy(() => {
    const x = tf.tensor4d(wave(4 * 9 * 9 * 3, 0), [4, 9, 9, 3])
    const k = tf.tensor4d(wave(3 * 3 * 3 * 5, 1), [3, 3, 3, 5])
    const up = tf.tensor4d(wave(4 * 9 * 9 * 5, 2), [4, 9, 9, 5])
    const f = (x: tf.Tensor, k: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, "same")
    const [dx, dk] = tf.grads((x, k) => tf.sum(tf.mul(f(x!, k!), up)))([x, k])
    return { y: f(x, k), dx: dx!, dfilter: dk! }
  }))

// Other shapes: odd sizes, even kernels, stride 2 and explicit/valid padding (the native kernels'
// index arithmetic, and the stock/cpu paths they hand over to).
const convVariant = (kernel: number, stride: number, pad: "same" | "valid" | number) => (): Arrays =>
  read(tf.tidy(() => {
    const x = tf.tensor4d(wave(3 * 11 * 8 * 4, 0), [3, 11, 8, 4])
    const k = tf.tensor4d(wave(kernel * kernel * 4 * 6, 1), [kernel, kernel, 4, 6])
    const f = (x: tf.Tensor, k: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, stride, pad)
    const y = f(x, k)
    const up = tf.tensor(wave(y.size, 2), y.shape)
    const [dx, dk] = tf.grads((x, k) => tf.sum(tf.mul(f(x!, k!), up)))([x, k])
    return { y, dx: dx!, dfilter: dk! }
  }))

const depthwise = (): Arrays =>
  read(tf.tidy(() => {
    const x = tf.tensor4d(wave(2 * 7 * 7 * 3, 0), [2, 7, 7, 3])
    const k = tf.tensor4d(wave(3 * 3 * 3 * 2, 1), [3, 3, 3, 2])
    const up = tf.tensor4d(wave(2 * 7 * 7 * 6, 2), [2, 7, 7, 6])
    const f = (x: tf.Tensor, k: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, "same")
    const [dx, dk] = tf.grads((x, k) => tf.sum(tf.mul(f(x!, k!), up)))([x, k])
    return { y: f(x, k), dx: dx!, dfilter: dk! }
  }))

const embedding = (): Arrays =>
  read(tf.tidy(() => {
    const table = tf.tensor2d(wave(50 * 8, 0), [50, 8])
    // Repeated indices: their gradients must add up.
    const ids = tf.tensor1d([3, 7, 3, 49, 0, 7, 7, 12, 3, 30], "int32")
    const up = tf.tensor2d(wave(10 * 8, 1), [10, 8])
    const dTable = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), up)))(table)
    return { y: tf.gather(table, ids), dtable: dTable }
  }))

const segmentSum = (): Arrays =>
  read(tf.tidy(() => ({
    y: tf.unsortedSegmentSum(tf.tensor2d(wave(6 * 4, 0), [6, 4]), tf.tensor1d([2, 0, 2, 1, 0, 2], "int32"), 4)
  })))

const einsum = (): Arrays =>
  read(tf.tidy(() => ({
    y: tf.einsum("ij,jk->ik", tf.tensor2d(wave(5 * 6, 0), [5, 6]), tf.tensor2d(wave(6 * 3, 1), [6, 3]))
  })))

describe("wasm cpu fallbacks", () => {
  it.effect("the wasm layer installs a fallback for each training kernel wasm lacks, idempotently", () =>
    Effect.gen(function*() {
      yield* Effect.gen(function*() {
        const installed = installedWasmFallbacks()
        console.log(`wasm fallbacks: ${installed.join(", ")}`)
        for (const name of ["Conv2DBackpropFilter", "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput", "UnsortedSegmentSum"]) {
          assert.include(installed, name)
        }
        for (const name of ["Complex", "FFT", "Draw", "StaticRegexReplace"]) assert.notInclude(installed, name)
        assert.deepStrictEqual(replacedWasmKernels(), ["Conv2DBackpropInput"])
        assert.deepStrictEqual(installWasmFallbacks(), installed)
        assert.deepStrictEqual(replacedWasmKernels(), ["Conv2DBackpropInput"])
        const cpu = new Set(tf.getKernelsForBackend("cpu").map((k) => k.kernelName))
        for (const name of installed) assert.isTrue(cpu.has(name))
      }).pipe(Effect.provide(Backend.layer("wasm")))
    }))

  const cases = {
    dense,
    conv,
    "conv 2x2 same": convVariant(2, 1, "same"),
    "conv 3x3 stride 2 same": convVariant(3, 2, "same"),
    "conv 4x4 valid": convVariant(4, 1, "valid"),
    "conv 3x3 stride 2 valid": convVariant(3, 2, "valid"),
    "conv 5x5 pad 1": convVariant(5, 1, 1),
    depthwise,
    embedding,
    segmentSum,
    einsum
  } as const
  for (const [label, f] of Object.entries(cases)) {
    it.effect(`${label}: forward and gradients on wasm equal cpu within 1e-5 relative, no leaks`, () =>
      Effect.gen(function*() {
        const { cpu } = yield* onCpuAndWasm(f)
        const wasm = yield* Effect.sync(() => {
          const before = tf.memory().numTensors
          const out = f()
          f()
          assert.strictEqual(tf.memory().numTensors, before)
          return out
        }).pipe(Effect.provide(Backend.layer("wasm")))
        assertClose(label, cpu, wasm)
      }))
  }
})
