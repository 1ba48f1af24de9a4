import { assert, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { Effect, Result } from "effect"
import type { RunIR } from "@lrs/compiler"
import { Backend } from "../../src/backend/Backend.ts"
import { backendHints } from "../../src/backend/hints.ts"
import { isWasmMatMulFixInstalled } from "../../src/backend/wasmMatMulFix.ts"

const backendName = Effect.gen(function*() {
  const backend = yield* Backend
  return { ...backend, tfBackend: tf.getBackend() }
})

// Deterministic inputs so cpu and wasm see the same numbers.
const filled = (shape: Array<number>, offset: number): tf.Tensor3D =>
  tf.tensor3d(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37 + offset)),
    shape as [number, number, number]
  )

const combos = [[false, false], [true, false], [false, true], [true, true]] as const

const matMuls = (): Array<Float32Array> =>
  combos.map(([ta, tb]) =>
    tf.tidy(() => {
      const a = filled(ta ? [2, 5, 3] : [2, 3, 5], 0)
      const b = filled(tb ? [2, 4, 5] : [2, 5, 4], 1)
      return tf.matMul(a, b, ta, tb).dataSync() as Float32Array
    })
  )

describe("Backend", () => {
  it.effect("cpu layer loads and reports its name", () =>
    Effect.gen(function*() {
      const { name, reason, tfBackend } = yield* backendName.pipe(Effect.provide(Backend.layer("cpu")))
      assert.strictEqual(name, "cpu")
      assert.strictEqual(tfBackend, "cpu")
      assert.isTrue(reason.length > 0)
    }))

  it.effect("wasm layer loads, reports its name and installs the BatchMatMul fix", () =>
    Effect.gen(function*() {
      const { name, tfBackend } = yield* backendName.pipe(Effect.provide(Backend.layer("wasm")))
      assert.strictEqual(name, "wasm")
      assert.strictEqual(tfBackend, "wasm")
      assert.isTrue(isWasmMatMulFixInstalled())
    }))

  it.effect("wasm matMul with the fix equals cpu for all transpose combinations", () =>
    Effect.gen(function*() {
      const cpu = yield* Effect.sync(matMuls).pipe(Effect.provide(Backend.layer("cpu")))
      const before = tf.memory().numTensors
      const wasm = yield* Effect.sync(matMuls).pipe(Effect.provide(Backend.layer("wasm")))
      assert.strictEqual(tf.memory().numTensors, before)
      for (let c = 0; c < combos.length; c++) {
        const x = cpu[c]!
        const y = wasm[c]!
        assert.strictEqual(x.length, y.length)
        for (let i = 0; i < x.length; i++) assert.isTrue(Math.abs(x[i]! - y[i]!) <= 1e-5, `combo ${c} index ${i}`)
      }
    }))

  it.effect("gpu loads tfjs-node-gpu or webgpu, or fails naming why each could not start", () =>
    Effect.gen(function*() {
      const result = yield* backendName.pipe(Effect.provide(Backend.layer("gpu")), Effect.result)
      if (Result.isSuccess(result)) {
        assert.include(["tfjs-node-gpu", "webgpu"], result.success.name)
        assert.isTrue(result.success.gpu)
        if (result.success.name === "webgpu") assert.isDefined(result.success.adapter)
      } else {
        const error = result.failure
        assert.strictEqual(error._tag, "BackendUnavailable")
        assert.strictEqual(error.backend, "gpu")
        assert.include(error.message, "tfjs-node-gpu unavailable: ")
        assert.include(error.message, "webgpu unavailable: ")
        assert.isTrue(error.help.length > 0)
      }
    }))

  it.effect("auto picks a backend and says why", () =>
    Effect.gen(function*() {
      const { name, reason } = yield* backendName.pipe(Effect.provide(Backend.layer("auto")))
      assert.include(["tfjs-node-gpu", "webgpu", "wasm", "cpu"], name)
      assert.isTrue(reason.startsWith("auto: "))
      assert.include(reason, `${name} ready`)
    }))

  it.effect("auto leaves WebGPU out for a run it does not pay for, and says so", () =>
    Effect.gen(function*() {
      const { name, reason } = yield* backendName.pipe(Effect.provide(Backend.layer("auto", { webGpuPays: false, workload: "a run of an mlp" })))
      assert.notStrictEqual(name, "webgpu")
      assert.notInclude(reason, "webgpu unavailable")
      if (name !== "tfjs-node-gpu") assert.include(reason, "webgpu not tried: a run of an mlp is faster on wasm")
    }))

  it("asks WebGPU only for convolutional models", () => {
    const model = (kind: string) => ({ model: { kind } }) as unknown as RunIR
    assert.deepStrictEqual(backendHints(model("cnn")), { webGpuPays: true })
    assert.deepStrictEqual(backendHints(model("mlp")), { webGpuPays: false, workload: "a run of an mlp" })
    assert.deepStrictEqual(backendHints(model("gru")), { webGpuPays: false, workload: "a run of a gru" })
  })
})
