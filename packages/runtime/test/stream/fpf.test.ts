import { describe, expect, it } from "@effect/vitest"
import type { MlpIR } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import { createModel } from "../../src/model/create.ts"
import { fineTune, fpfPoints, moduleVariables } from "../../src/stream/fpf.ts"

const span = { file: "t.lrs", start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } }
const mlp: MlpIR = { kind: "mlp", hidden: [6, 5], activation: "relu", layerNorm: false, dropout: { kind: "constant", value: 0, span }, span }

describe("k-FPF", () => {
  it("fine-tunes k times evenly over the run, the last at its end", () => {
    expect([...fpfPoints(1000, 4)]).toEqual([250, 500, 750, 1000])
    expect([...fpfPoints(10, 3)]).toEqual([3, 7, 10])
    expect([...fpfPoints(2, 5)]).toEqual([1, 2])
  })

  it("finds a module's variables by layer name, `output` being the last layer, and says which names match nothing", () => {
    const model = createModel(mlp, [4], 3, 0)
    expect(moduleVariables(model.variables, ["output"]).selected.map((v) => v.name)).toEqual(["layer2.weight", "layer2.bias"])
    expect(moduleVariables(model.variables, ["layer0", "output"]).selected.map((v) => v.name)).toEqual(["layer0.weight", "layer0.bias", "layer2.weight", "layer2.bias"])
    expect(moduleVariables(model.variables, ["layer7", "conv0", "layer1"]).missing).toEqual(["layer7", "conv0"])
    model.dispose()
  })

  it("changes only the chosen modules, by plain SGD on the buffer's batches, lowering their loss", () => {
    const model = createModel(mlp, [4], 3, 0)
    const before = model.variables.map((v) => Float32Array.from(v.variable.dataSync()))
    const batch = { x: Float32Array.from({ length: 8 * 4 }, (_, i) => Math.sin(i)), y: Int32Array.from({ length: 8 }, (_, i) => i % 3), mask: undefined }
    const { selected } = moduleVariables(model.variables, ["output"])
    const first = fineTune(model, selected, () => batch, { features: 4, outputs: 3 }, 0.5, 1, 0)
    const later = fineTune(model, selected, () => batch, { features: 4, outputs: 3 }, 0.5, 30, 0)
    const [a] = first.dataSync()
    const [b] = later.dataSync()
    expect(b!).toBeLessThan(a!)
    model.variables.forEach((v, i) => {
      const same = v.variable.dataSync().every((x, j) => x === before[i]![j])
      expect(same).toBe(!v.name.startsWith("layer2"))
    })
    // One step by hand: w <- w - lr * dL/dw for the output bias.
    const fresh = createModel(mlp, [4], 3, 0)
    const bias = fresh.variables.find((v) => v.name === "layer2.bias")!
    const start = Float32Array.from(bias.variable.dataSync())
    const grad = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [8, 4])
      const y = tf.oneHot(tf.tensor1d(batch.y, "int32"), 3)
      const g = tf.grad((b: tf.Tensor) => {
        const hidden = fresh.forward(x, { training: false, step: 0 })
        const logits = tf.add(tf.sub(hidden, bias.variable), b)
        return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1)))
      })(bias.variable)
      return Float32Array.from(g.dataSync())
    })
    fineTune(fresh, [bias], () => batch, { features: 4, outputs: 3 }, 0.1, 1, 0).dispose()
    Array.from(bias.variable.dataSync()).forEach((w, j) => expect(w).toBeCloseTo(start[j]! - 0.1 * grad[j]!, 6))
    for (const s of [first, later]) s.dispose()
    model.dispose()
    fresh.dispose()
  })
})
