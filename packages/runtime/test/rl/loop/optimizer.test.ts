import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { starters } from "../../../src/backend/Backend.ts"
import { lossAndGradients } from "../../../src/model/variables.ts"
import { clipGlobalNorm, createRlAdam, normalised } from "../../../src/rl/loop/optimizer.ts"
import { createActorCritic } from "../../../src/rl/policy/actorCritic.ts"

describe("rl optimizer", () => {
  beforeAll(() => starters.cpu())

  it("createRlAdam takes torch Adam steps with the lr passed per step and eps 1e-5", () => {
    const w = tf.variable(tf.tensor1d([1, -2]))
    const opt = createRlAdam([{ name: "w", variable: w }])
    const g = tf.tensor1d([0.5, -0.25])
    opt.step({ w: g }, 0.1)
    // Step 1: m̂ = g, v̂ = g², so the update is lr · g / (|g| + eps).
    const after1 = Array.from(w.dataSync())
    assert.approximately(after1[0]!, 1 - 0.1 * 0.5 / (0.5 + 1e-5), 1e-6)
    assert.approximately(after1[1]!, -2 + 0.1 * 0.25 / (0.25 + 1e-5), 1e-6)
    opt.step({ w: g }, 0)
    assert.deepStrictEqual(Array.from(w.dataSync()), after1, "lr 0 leaves the weights")
    assert.throws(() => opt.step({ w: g }, Number.NaN), /learning rate/)
    opt.dispose()
    tf.dispose([w, g])
  })

  it("createRlAdam with project keeps every weight matrix a layer norm follows at its norm at creation (Normalize-and-Project); heads and vectors learn freely", () => {
    const policy = createActorCritic({ observationSize: 4, actions: 2, hidden: [8], activation: "relu", layerNorm: true, seed: 2 })
    const opt = createRlAdam(policy.variables, { project: true })
    const norm = (v: tf.Variable) => Math.hypot(...Array.from(v.dataSync()))
    const before = policy.variables.map((v) => norm(v.variable))
    const x = tf.tensor2d(Float32Array.from({ length: 24 }, (_, i) => Math.cos(i)), [6, 4])
    for (let k = 0; k < 3; k++) {
      const { loss, grads } = tf.tidy(() => lossAndGradients(() => {
        const { logits, values } = policy.forward(x)
        return tf.add(tf.sum(tf.square(logits)), tf.sum(tf.square(tf.sub(values, 3)))) as tf.Scalar
      }, policy.variables))
      opt.step(grads, 0.05)
      tf.dispose([loss, ...Object.values(grads)])
    }
    const kept = policy.variables.filter((v, i) => Math.abs(norm(v.variable) - before[i]!) <= 1e-4 * before[i]!).map((v) => v.name)
    assert.deepStrictEqual(kept, ["critic.layer0.weight", "actor.layer0.weight"])
    assert.deepStrictEqual(normalised(policy.variables).map((v) => v.name), kept)
    opt.dispose()
    policy.dispose()
    x.dispose()
  })

  it("clipGlobalNorm scales all gradients by max / (norm + 1e-6) only when the norm is above max", () => {
    const grads: Record<string, tf.Tensor> = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) }
    assert.approximately(clipGlobalNorm(grads, 10), 5, 1e-6)
    assert.deepStrictEqual(Array.from(grads["a"]!.dataSync()), [3, 0])
    assert.approximately(clipGlobalNorm(grads, 0.5), 5, 1e-6)
    const scale = 0.5 / (5 + 1e-6)
    assert.approximately(grads["a"]!.dataSync()[0]!, 3 * scale, 1e-6)
    assert.approximately(grads["b"]!.dataSync()[0]!, 4 * scale, 1e-6)
    tf.dispose(Object.values(grads))
  })

  it("lossAndGradients with unreached: zeros gives zeros to variables the loss does not reach (an error otherwise)", () => {
    const used = tf.variable(tf.tensor1d([2]))
    const unused = tf.variable(tf.tensor1d([7, 7]))
    const before = tf.memory().numTensors
    const { loss, grads } = tf.tidy(() => lossAndGradients(() => tf.sum(tf.square(used)) as tf.Scalar, [{ name: "u", variable: used }, { name: "x", variable: unused }], { unreached: "zeros" }))
    assert.deepStrictEqual(Array.from(grads["u"]!.dataSync()), [4])
    assert.deepStrictEqual(Array.from(grads["x"]!.dataSync()), [0, 0])
    tf.dispose([loss, ...Object.values(grads)])
    assert.strictEqual(tf.memory().numTensors, before)
    // Without the option an unreached variable is an error.
    assert.throws(() => tf.tidy(() => lossAndGradients(() => tf.sum(used) as tf.Scalar, [{ name: "u", variable: used }, { name: "x", variable: unused }]).loss), /no gradient for x/)
    tf.dispose([used, unused])
  })
})
