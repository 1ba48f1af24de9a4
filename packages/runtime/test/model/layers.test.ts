import { assert, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import type { MlpIR, ScheduleIR } from "@lrs/compiler"
import { Effect } from "effect"
import { Backend } from "../../src/backend/Backend.ts"
import { createMlp } from "../../src/model/mlp.ts"
import { dropoutAt, dropoutMask } from "../../src/model/layers.ts"
import { onCpuAndWasm, wave } from "../backend/compare.ts"

const span = { start: 0, end: 0 } as unknown as MlpIR["span"]
const constant = (value: number): ScheduleIR => ({ kind: "constant", value, span })
const mlp = (hidden: Array<number>, layerNorm: boolean, dropout: ScheduleIR): MlpIR => ({
  kind: "mlp",
  hidden,
  activation: "relu",
  layerNorm,
  dropout,
  span
})
const onCpu = <A, E>(body: Effect.Effect<A, E>) => body.pipe(Effect.provide(Backend.layer("cpu")))

describe("layer norm", () => {
  it.effect("names its gain and bias and matches a float64 torch.nn.LayerNorm reference", () =>
    onCpu(Effect.sync(() => {
      const model = createMlp(mlp([6], true, constant(0)), 4, 3, 11)
      assert.deepStrictEqual(model.variables.map((v) => v.name), [
        "layer0.weight", "layer0.bias", "layer0.norm.weight", "layer0.norm.bias", "layer1.weight", "layer1.bias"
      ])
      // Same seed without layer norm: the linear layers' init is unchanged.
      const plain = createMlp(mlp([6], false, constant(0)), 4, 3, 11)
      assert.deepStrictEqual(Array.from(plain.variables[2]!.variable.dataSync()), Array.from(model.variables[4]!.variable.dataSync()))
      plain.dispose()
      // Non-trivial gain and bias.
      const gain = Array.from({ length: 6 }, (_, j) => 0.5 + 0.25 * j)
      const beta = Array.from({ length: 6 }, (_, j) => 0.1 * j - 0.2)
      model.variables[2]!.variable.assign(tf.tensor1d(gain))
      model.variables[3]!.variable.assign(tf.tensor1d(beta))
      const xs = [[0.3, -1.2, 2.0, 0.7], [5.0, 4.0, -3.0, 0.01], [1e-3, 2e-3, -1e-3, 0]]
      const logits = model.forward(tf.tensor2d(xs), { training: true, step: 3 })
      const got = logits.arraySync()
      logits.dispose()
      const [w0, b0, w1, b1] = [0, 1, 4, 5].map((i) => Array.from(model.variables[i]!.variable.dataSync()))
      xs.forEach((x, r) => {
        const z = [0, 1, 2, 3, 4, 5].map((j) => x.reduce((s, xi, i) => s + xi * w0![6 * i + j]!, b0![j]!))
        const mean = z.reduce((a, b) => a + b, 0) / 6
        const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / 6
        const h = z.map((zj, j) => Math.max(0, ((zj - mean) / Math.sqrt(variance + 1e-5)) * gain[j]! + beta[j]!))
        const want = [0, 1, 2].map((k) => h.reduce((s, hj, j) => s + hj * w1![3 * j + k]!, b1![k]!))
        want.forEach((v, k) => assert.isTrue(Math.abs(got[r]![k]! - v) < 1e-5, `row ${r} logit ${k}: ${got[r]![k]} vs ${v}`))
      })
      model.dispose()
    })))
})

describe("dropout", () => {
  const hiddenOf = (p: ScheduleIR, options: { training: boolean; step: number }, seed = 5) => {
    // Identity first layer and an identity readout expose the dropped hidden activations.
    const model = createMlp(mlp([400], false, p), 400, 400, seed)
    model.variables[0]!.variable.assign(tf.eye(400))
    model.variables[1]!.variable.assign(tf.zeros([400]))
    model.variables[2]!.variable.assign(tf.eye(400))
    model.variables[3]!.variable.assign(tf.zeros([400]))
    const x = tf.tensor2d(wave(8 * 400, 0).map((v) => Math.abs(v) + 0.5), [8, 400])
    const y = model.forward(x, options)
    const out = { x: Float32Array.from(x.dataSync()), y: Float32Array.from(y.dataSync()) }
    tf.dispose([x, y])
    model.dispose()
    return out
  }

  it.effect("is the identity when not training (and when p is 0)", () =>
    onCpu(Effect.sync(() => {
      for (const o of [{ training: false, step: 4 }]) {
        const { x, y } = hiddenOf(constant(0.5), o)
        assert.deepStrictEqual(Array.from(y), Array.from(x))
      }
      const { x, y } = hiddenOf(constant(0), { training: true, step: 4 })
      assert.deepStrictEqual(Array.from(y), Array.from(x))
    })))

  it.effect("zeroes about p of the units and scales the rest by 1/(1-p)", () =>
    onCpu(Effect.sync(() => {
      for (const p of [0.1, 0.5, 0.8]) {
        const { x, y } = hiddenOf(constant(p), { training: true, step: 0 })
        let zeros = 0
        for (let i = 0; i < x.length; i++) {
          if (y[i] === 0) zeros++
          else assert.isTrue(Math.abs(y[i]! - x[i]! / (1 - p)) < 1e-5 * Math.abs(y[i]!))
        }
        const n = x.length
        const sd = Math.sqrt(n * p * (1 - p))
        assert.isTrue(Math.abs(zeros - n * p) < 4 * sd, `p ${p}: ${zeros} of ${n} zeroed`)
      }
      const { y } = hiddenOf(constant(1), { training: true, step: 0 })
      assert.isTrue(y.every((v) => v === 0))
    })))

  it.effect("masks are a function of seed and step, identical on cpu and wasm", () =>
    Effect.gen(function*() {
      const masks = () => [
        hiddenOf(constant(0.5), { training: true, step: 7 }).y,
        hiddenOf(constant(0.5), { training: true, step: 7 }).y,
        hiddenOf(constant(0.5), { training: true, step: 8 }).y,
        hiddenOf(constant(0.5), { training: true, step: 7 }, 6).y
      ]
      const { cpu, wasm } = yield* onCpuAndWasm(masks)
      const zeros = (y: Float32Array) => Array.from(y, (v) => v === 0)
      assert.deepStrictEqual(zeros(cpu[0]!), zeros(cpu[1]!))
      assert.notDeepEqual(zeros(cpu[0]!), zeros(cpu[2]!))
      assert.notDeepEqual(zeros(cpu[0]!), zeros(cpu[3]!))
      cpu.forEach((y, i) => assert.deepStrictEqual(zeros(wasm[i]!), zeros(y)))
      // Different layers draw different masks at the same step.
      assert.notDeepEqual(Array.from(dropoutMask(1, "layer0", 3, 64, 0.5)), Array.from(dropoutMask(1, "layer1", 3, 64, 0.5)))
    }))

  it("p follows its schedule: linear 0.5 -> 0 over 10 steps is 0.25 at step 5", () => {
    const linear: ScheduleIR = { kind: "curve", shape: "linear", from: 0.5, to: 0, steps: 10, options: {}, continues: false, span }
    assert.strictEqual(dropoutAt(linear, 0), 0.5)
    assert.strictEqual(dropoutAt(linear, 5), 0.25)
    assert.strictEqual(dropoutAt(linear, 10), 0)
    assert.strictEqual(dropoutAt(linear, 50), 0)
  })

  it.effect("the model reads p at options.step: half the step-0 zero rate at step 5", () =>
    onCpu(Effect.sync(() => {
      const linear: ScheduleIR = { kind: "curve", shape: "linear", from: 0.5, to: 0, steps: 10, options: {}, continues: false, span }
      const { x, y } = hiddenOf(linear, { training: true, step: 5 })
      let zeros = 0
      for (let i = 0; i < x.length; i++) {
        if (y[i] === 0) zeros++
        else assert.isTrue(Math.abs(y[i]! - x[i]! / 0.75) < 1e-5 * Math.abs(y[i]!))
      }
      const n = x.length
      assert.isTrue(Math.abs(zeros - 0.25 * n) < 4 * Math.sqrt(n * 0.25 * 0.75), `${zeros} of ${n}`)
      const late = hiddenOf(linear, { training: true, step: 10 })
      assert.deepStrictEqual(Array.from(late.y), Array.from(late.x))
    })))
})
