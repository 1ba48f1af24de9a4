import { assert, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import type { CnnIR, MlpIR, OptimizerIR, ScheduleIR } from "@lrs/compiler"
import { Effect } from "effect"
import { Backend } from "../../src/backend/Backend.ts"
import { createRng } from "../../src/data/random.ts"
import { createCnn } from "../../src/model/cnn.ts"
import { createModel, type Model } from "../../src/model/create.ts"
import { softmaxCrossEntropy } from "../../src/model/mlp.ts"
import { lossAndGradients } from "../../src/model/variables.ts"
import { createOptimizer } from "../../src/optim/createOptimizer.ts"
import { difference, onCpuAndWasm } from "../backend/compare.ts"

const span = { start: 0, end: 0 } as unknown as CnnIR["span"]
const constant = (value: number): ScheduleIR => ({ kind: "constant", value, span })
const cnn = (channels: Array<number>, dense: Array<number>, dropout = 0, kernel = 3): CnnIR => ({
  kind: "cnn",
  channels,
  kernel,
  dense,
  activation: "relu",
  dropout: constant(dropout),
  span
})
const mlp = (hidden: Array<number>, layerNorm: boolean, dropout: number): MlpIR => ({
  kind: "mlp",
  hidden,
  activation: "gelu",
  layerNorm,
  dropout: constant(dropout),
  span
})
const onCpu = <A, E>(body: Effect.Effect<A, E>) => body.pipe(Effect.provide(Backend.layer("cpu")))

/** `batch` seeded random 28x28 "images" in [0, 1) as `[batch, 784]` and labels in [0, 10). */
const images = (batch: number, seed: number) => {
  const rng = createRng(seed)
  return {
    x: Float32Array.from({ length: batch * 784 }, () => rng.uniform()),
    y: Int32Array.from({ length: batch }, () => rng.int(10))
  }
}

describe("createCnn", () => {
  it.effect("Fashion CNN: names, shapes, torch-style bounds, seeded", () =>
    onCpu(Effect.sync(() => {
      const a = createCnn(cnn([32, 64], [128]), [28, 28, 1], 10, 3)
      const b = createCnn(cnn([32, 64], [128]), [28, 28, 1], 10, 3)
      const c = createCnn(cnn([32, 64], [128]), [28, 28, 1], 10, 4)
      assert.strictEqual(a.flatFeatures, 7 * 7 * 64)
      assert.deepStrictEqual(a.variables.map((v) => [v.name, v.variable.shape]), [
        ["conv0.weight", [3, 3, 1, 32]], ["conv0.bias", [32]],
        ["conv1.weight", [3, 3, 32, 64]], ["conv1.bias", [64]],
        ["dense0.weight", [3136, 128]], ["dense0.bias", [128]],
        ["dense1.weight", [128, 10]], ["dense1.bias", [10]]
      ])
      const fanIns = [9, 9, 288, 288, 3136, 3136, 128, 128]
      a.variables.forEach((v, i) => {
        const values = v.variable.dataSync()
        const bound = 1 / Math.sqrt(fanIns[i]!)
        let max = 0
        for (const x of values) max = Math.max(max, Math.abs(x))
        assert.isTrue(max <= bound && (values.length < 1000 || max > 0.99 * bound), `${v.name}: max ${max}, bound ${bound}`)
        assert.deepStrictEqual(Array.from(values), Array.from(b.variables[i]!.variable.dataSync()))
      })
      assert.notDeepEqual(Array.from(a.variables[0]!.variable.dataSync()), Array.from(c.variables[0]!.variable.dataSync()))
      // [batch, 784] and [batch, 28, 28, 1] are the same input.
      const { x } = images(2, 0)
      const flat = a.forward(tf.tensor2d(x, [2, 784]), { training: false, step: 0 })
      const nhwc = a.forward(tf.tensor4d(x, [2, 28, 28, 1]), { training: false, step: 0 })
      assert.deepStrictEqual(flat.shape, [2, 10])
      assert.deepStrictEqual(Array.from(flat.dataSync()), Array.from(nhwc.dataSync()))
      tf.dispose([flat, nhwc])
      for (const m of [a, b, c]) m.dispose()
    })))

  it.effect("forward matches a plain-JS conv (same padding) -> relu -> 2x2 max-pool -> HWC flatten -> dense", () =>
    onCpu(Effect.sync(() => {
      // 5x4 image, 2 input channels, 2 filters of 3x3: odd height checks the pool's floor.
      const [H, W, C, F, K] = [5, 4, 2, 2, 3]
      const model = createCnn(cnn([F], []), [H, W, C], 3, 9)
      const [k, kb, dw, db] = model.variables.map((v) => Array.from(v.variable.dataSync()))
      const x = Array.from({ length: H * W * C }, (_, i) => Math.sin(i * 0.7))
      const at = (h: number, w: number, c: number) => (h < 0 || h >= H || w < 0 || w >= W ? 0 : x[(h * W + w) * C + c]!)
      const conv = (h: number, w: number, f: number) => {
        let s = kb![f]!
        for (let i = 0; i < K; i++) {
          for (let j = 0; j < K; j++) for (let c = 0; c < C; c++) s += at(h + i - 1, w + j - 1, c) * k![((i * K + j) * C + c) * F + f]!
        }
        return Math.max(s, 0)
      }
      const flat: Array<number> = []
      for (let h = 0; h < 2; h++) {
        for (let w = 0; w < 2; w++) {
          for (let f = 0; f < F; f++) {
            flat.push(Math.max(conv(2 * h, 2 * w, f), conv(2 * h + 1, 2 * w, f), conv(2 * h, 2 * w + 1, f), conv(2 * h + 1, 2 * w + 1, f)))
          }
        }
      }
      assert.strictEqual(model.flatFeatures, flat.length)
      const want = [0, 1, 2].map((o) => flat.reduce((s, v, i) => s + v * dw![3 * i + o]!, db![o]!))
      const logits = model.forward(tf.tensor2d(x, [1, H * W * C]), { training: false, step: 0 })
      const got = logits.dataSync()
      want.forEach((v, o) => assert.isTrue(Math.abs(got[o]! - v) < 1e-5, `logit ${o}: ${got[o]} vs ${v}`))
      logits.dispose()
      model.dispose()
    })))
})

describe("createModel", () => {
  it.effect("dispatches on the IR kind and flattens inputs for an MLP", () =>
    onCpu(Effect.sync(() => {
      const m = createModel(mlp([16], true, 0.5), [28, 28, 1], 10, 0)
      assert.deepStrictEqual(m.variables[0]!.variable.shape, [784, 16])
      const { x } = images(3, 1)
      const a = m.forward(tf.tensor2d(x, [3, 784]), { training: true, step: 2 })
      const b = m.forward(tf.tensor4d(x, [3, 28, 28, 1]), { training: true, step: 2 })
      assert.deepStrictEqual(Array.from(a.dataSync()), Array.from(b.dataSync()))
      tf.dispose([a, b])
      m.dispose()
      const c = createModel(cnn([4], [8]), [28, 28, 1], 10, 0)
      assert.strictEqual(c.variables[0]!.name, "conv0.weight")
      c.dispose()
      assert.throws(() => createModel(cnn([4], [8]), [784], 10, 0), /height, width, channels/)
    })))
})

/** One training step's loss and every gradient, as plain arrays. */
const step = (model: Model, batch: ReturnType<typeof images>, n: number, t: number) =>
  tf.tidy(() => {
    const x = tf.tensor2d(batch.x, [n, 784])
    const y = tf.tensor1d(batch.y, "int32")
    const { loss, grads } = lossAndGradients(
      () => softmaxCrossEntropy(model.forward(x, { training: true, step: t }), y),
      model.variables
    )
    const out: Record<string, Float32Array> = { loss: Float32Array.from(loss.dataSync()) }
    for (const [name, g] of Object.entries(grads)) out[name] = Float32Array.from(g.dataSync())
    return out
  })

describe("cpu vs wasm", () => {
  it.effect("a Fashion CNN training step (batch 8, dropout 0.3): loss and every gradient agree within 1e-5 relative", () =>
    Effect.gen(function*() {
      const batch = images(8, 42)
      const run = () => {
        const model = createCnn(cnn([32, 64], [128], 0.3), [28, 28, 1], 10, 42)
        const out = step(model, batch, 8, 3)
        model.dispose()
        return out
      }
      const { cpu, wasm } = yield* onCpuAndWasm(run)
      assert.deepStrictEqual(Object.keys(wasm), Object.keys(cpu))
      for (const name of Object.keys(cpu)) {
        const d = difference(cpu[name]!, wasm[name]!)
        console.log(`cnn step ${name}: max abs ${d.abs.toExponential(2)}, rel ${d.rel.toExponential(2)}`)
        assert.isTrue(d.rel <= 1e-5, `${name}: rel ${d.rel}`)
      }
    }))

  it.effect("an MLP with layer norm and dropout: loss and gradients agree within 1e-5 relative", () =>
    Effect.gen(function*() {
      const batch = images(16, 7)
      const run = () => {
        const model = createModel(mlp([64, 32], true, 0.25), [784], 10, 7)
        const out = step(model, batch, 16, 11)
        model.dispose()
        return out
      }
      const { cpu, wasm } = yield* onCpuAndWasm(run)
      for (const name of Object.keys(cpu)) {
        const d = difference(cpu[name]!, wasm[name]!)
        console.log(`mlp step ${name}: max abs ${d.abs.toExponential(2)}, rel ${d.rel.toExponential(2)}`)
        assert.isTrue(d.rel <= 1e-5, `${name}: rel ${d.rel}`)
      }
    }))
})

describe("no tensor leaks", () => {
  const c = (value: number) => constant(value)
  const adam: OptimizerIR = { kind: "adam", lr: c(1e-3), beta1: c(0.9), beta2: c(0.999), epsilon: 1e-8, weightDecay: c(0), span }
  const leakCheck = (make: () => Model, batchSize: number) =>
    Effect.sync(() => {
      const model = make()
      const opt = createOptimizer(adam, model.variables)
      const batch = images(batchSize, 5)
      const x = tf.tensor2d(batch.x, [batchSize, 784])
      const y = tf.tensor1d(batch.y, "int32")
      let counts: Array<number> = []
      const losses: Array<number> = []
      for (let t = 0; t < 50; t++) {
        const { loss, grads } = tf.tidy(() =>
          lossAndGradients(() => softmaxCrossEntropy(model.forward(x, { training: true, step: t }), y), model.variables)
        )
        opt.step(grads, t)
        losses.push(loss.dataSync()[0]!)
        tf.dispose([loss, ...Object.values(grads)])
        counts.push(tf.memory().numTensors)
      }
      counts = counts.slice(1)
      assert.isTrue(counts.every((n) => n === counts[0]), `numTensors ${counts[0]} -> ${counts.at(-1)}`)
      assert.isTrue(losses.every(Number.isFinite))
      tf.dispose([x, y])
      opt.dispose()
      model.dispose()
    })
  for (const backend of ["cpu", "wasm"] as const) {
    it.effect(`${backend}: 50 steps of an MLP with layer norm and dropout`, () =>
      leakCheck(() => createModel(mlp([32, 32], true, 0.2), [28, 28, 1], 10, 1), 16).pipe(Effect.provide(Backend.layer(backend))))
    it.effect(`${backend}: 50 steps of a CNN with dropout`, () =>
      // Small: cpu's own Conv2DBackpropFilter is a slow loop.
      leakCheck(() => createModel(cnn([4, 8], [16], 0.2), [28, 28, 1], 10, 1), 4).pipe(Effect.provide(Backend.layer(backend))))
  }
})
