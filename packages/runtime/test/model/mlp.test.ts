import { assert, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import type { Activation, MlpIR, OptimizerIR, SpiralsIR } from "@lrs/compiler"
import { Effect } from "effect"
import { Backend } from "../../src/backend/Backend.ts"
import { createBatchSampler, gatherRows } from "../../src/data/batches.ts"
import { makeSpirals } from "../../src/data/spirals.ts"
import { createMlp, softmaxCrossEntropy } from "../../src/model/mlp.ts"
import { lossAndGradients } from "../../src/model/variables.ts"
import { createOptimizer } from "../../src/optim/createOptimizer.ts"

const span = { start: 0, end: 0 } as unknown as MlpIR["span"]
const mlp = (hidden: Array<number>, activation: Activation = "relu"): MlpIR => ({
  kind: "mlp",
  hidden,
  activation,
  layerNorm: false,
  dropout: { kind: "constant", value: 0, span },
  span
})
const onCpu = <A, E>(body: Effect.Effect<A, E>) => body.pipe(Effect.provide(Backend.layer("cpu")))

describe("createMlp", () => {
  it.effect("names, shapes and seeded torch-style init", () =>
    onCpu(Effect.sync(() => {
      const a = createMlp(mlp([16, 8]), 2, 3, 7)
      const b = createMlp(mlp([16, 8]), 2, 3, 7)
      const c = createMlp(mlp([16, 8]), 2, 3, 8)
      assert.deepStrictEqual(a.variables.map((v) => v.name), [
        "layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias"
      ])
      assert.deepStrictEqual(a.variables.map((v) => v.variable.shape), [[2, 16], [16], [16, 8], [8], [8, 3], [3]])
      a.variables.forEach((v, i) => {
        const values = v.variable.dataSync()
        const bound = 1 / Math.sqrt(v.variable.shape.length === 2 ? v.variable.shape[0]! : [2, 16, 8][i >> 1]!)
        for (const x of values) assert.isTrue(Math.abs(x) <= bound)
        assert.deepStrictEqual(Array.from(values), Array.from(b.variables[i]!.variable.dataSync()))
      })
      assert.notDeepEqual(Array.from(a.variables[0]!.variable.dataSync()), Array.from(c.variables[0]!.variable.dataSync()))
      for (const m of [a, b, c]) m.dispose()
    })))

  for (const activation of ["relu", "tanh", "gelu", "sigmoid"] as const) {
    it.effect(`forward gives logits [batch, classes] with ${activation}`, () =>
      onCpu(Effect.sync(() => {
        const model = createMlp(mlp([4], activation), 2, 3, 1)
        const before = tf.memory().numTensors
        const logits = tf.tidy(() => model.forward(tf.tensor2d([[0.1, 0.2], [0.3, -0.4]])))
        assert.deepStrictEqual(logits.shape, [2, 3])
        // Check layer by layer against plain JS.
        const [w0, b0, w1, b1] = model.variables.map((v) => Array.from(v.variable.dataSync()))
        const f = {
          relu: (z: number) => Math.max(z, 0),
          tanh: Math.tanh,
          sigmoid: (z: number) => 1 / (1 + Math.exp(-z)),
          gelu: (z: number) => 0.5 * z * (1 + erf(z / Math.SQRT2))
        }[activation]
        const x = [0.3, -0.4]
        const h = [0, 1, 2, 3].map((j) => f(x[0]! * w0![j]! + x[1]! * w0![4 + j]! + b0![j]!))
        const out = [0, 1, 2].map((k) => h.reduce((s, hj, j) => s + hj * w1![3 * j + k]!, b1![k]!))
        const got = logits.arraySync()[1]!
        out.forEach((want, k) => assert.isTrue(Math.abs(got[k]! - want) < 1e-5, `${activation} logit ${k}`))
        logits.dispose()
        assert.strictEqual(tf.memory().numTensors, before)
        model.dispose()
      })))
  }
})

// Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7): enough for a 1e-5 check.
const erf = (x: number): number => {
  const t = 1 / (1 + 0.3275911 * Math.abs(x))
  const y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    * Math.exp(-x * x)
  return Math.sign(x) * y
}

describe("softmaxCrossEntropy", () => {
  it.effect("equals the mean negative log-softmax of the labels", () =>
    onCpu(Effect.sync(() => {
      const logits = [[1, 2, 0.5], [-1, 0, 3]]
      const labels = [1, 0]
      const loss = softmaxCrossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, "int32")).dataSync()[0]!
      const want = logits.reduce((s, row, i) => {
        const lse = Math.log(row.reduce((a, z) => a + Math.exp(z), 0))
        return s + (lse - row[labels[i]!]!)
      }, 0) / 2
      assert.isTrue(Math.abs(loss - want) < 1e-6)
    })))
})

describe("training smoke test", () => {
  it.effect("adam fits 3-class spirals (loss falls, no tensor leaks)", () =>
    onCpu(Effect.sync(() => {
      const spirals: SpiralsIR = { kind: "spirals", samples: 600, classes: 3, noise: 0.05, turns: 1, testFraction: 0.2, validationFraction: 0, span }
      const data = makeSpirals(spirals, 0)
      const model = createMlp(mlp([32, 32], "tanh"), 2, 3, 0)
      const c = (value: number) => ({ kind: "constant", value, span }) as const
      const adam: OptimizerIR = { kind: "adam", lr: c(0.02), beta1: c(0.9), beta2: c(0.999), epsilon: 1e-8, weightDecay: c(0), span }
      const opt = createOptimizer(adam, model.variables)
      const sampler = createBatchSampler(data.train.n, 0)
      const losses: Array<number> = []
      let tensorsAfterFirst = 0
      for (let t = 0; t < 300; t++) {
        const batch = gatherRows(data.train, 2, sampler.nextBatch(64))
        const { loss, grads } = tf.tidy(() => {
          const x = tf.tensor2d(batch.x, [64, 2])
          const y = tf.tensor1d(batch.y, "int32")
          return lossAndGradients(() => softmaxCrossEntropy(model.forward(x), y), model.variables)
        })
        opt.step(grads, t)
        losses.push(loss.dataSync()[0]!)
        tf.dispose([loss, ...Object.values(grads)])
        if (t === 0) tensorsAfterFirst = tf.memory().numTensors
      }
      assert.strictEqual(tf.memory().numTensors, tensorsAfterFirst)
      const mean = (xs: Array<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
      assert.isTrue(mean(losses.slice(-20)) < 0.5 * mean(losses.slice(0, 20)), `losses ${losses[0]} -> ${losses.at(-1)}`)
      opt.dispose()
      model.dispose()
    })))
})
