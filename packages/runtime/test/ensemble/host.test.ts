import { describe, expect, it } from "@effect/vitest"
import { compile, type RunIR } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import { ReplicaHost, type Values, valueNodes } from "../../src/ensemble/host.ts"
import { meanOf } from "../../src/ensemble/pool.ts"

const irOf = (text: string): RunIR => {
  const r = compile(text, { file: "e.lrs" })
  if (r.ir === undefined) throw new Error(JSON.stringify(r.diagnostics))
  return r.ir
}

const ir = irOf(`lrs 1
experiment e {
  steps = 10
  batch = 8
  data = spirals(samples = 100)
  model = mlp(hidden = [8], dropout = 0.2)
  optimizer = adamw(lr = 1e-2)
  ensemble = hdet(replicas = 2, explore = [lr, dropout])
}
`)

describe("replica host", () => {
  it("reads every scheduled value the model and optimizer use from what it is sent", () => {
    expect(valueNodes(ir).map(([key]) => key).sort()).toEqual(["model.dropout", "optimizer.beta1", "optimizer.beta2", "optimizer.lr", "optimizer.weightDecay"])
  })

  it("trains its replicas from the same start with their own values, and leaks no tensors", async () => {
    const before = tf.memory().numTensors
    const host = new ReplicaHost({ ir, shape: [2], classes: 2, features: 2, replicas: [0, 1] })
    const shard = { x: new Float32Array([0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8]), y: new Int32Array([0, 1, 1, 0]) }
    const values = (lr: number): Values => ({ "model.dropout": 0, "optimizer.lr": lr, "optimizer.beta1": 0.9, "optimizer.beta2": 0.999, "optimizer.weightDecay": 0.01 })
    const first = host.step(0, [shard, shard], [values(1e-2), values(1e-2)])
    // The same weights and data: the same loss and gradients.
    expect(first.losses[0]).toBe(first.losses[1])
    expect(first.grads[0]).toEqual(first.grads[1])
    host.apply(0, first.grads[0]!, [values(1e-2), values(5e-2)])
    const [a, b] = host.weights()
    expect(a![0]).not.toEqual(b![0])
    const mean = a!.map((w, k) => meanOf([w, b![k]!]))
    host.setWeights(mean)
    expect(host.weights()[1]).toEqual(mean)
    const saved = await host.state()
    host.restore(saved)
    expect(host.weights()[0]).toEqual(mean)
    expect(() => host.step(1, [shard, shard], [{}, {}])).toThrow(/no value for model.dropout/)
    host.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it("averages in a fixed order in float64", () => {
    expect(Array.from(meanOf([new Float32Array([1, 2]), new Float32Array([2, 4]), new Float32Array([3, 9])]))).toEqual([2, 5])
  })
})
