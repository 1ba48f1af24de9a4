import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { starters } from "../../../src/backend/Backend.ts"
import { createActorCritic } from "../../../src/rl/policy/actorCritic.ts"

const obs = (rows: number, size: number) => tf.tensor2d(Float32Array.from({ length: rows * size }, (_, i) => Math.sin(i * 0.7)), [rows, size])

const run = (policy: ReturnType<typeof createActorCritic>, rows = 5) =>
  tf.tidy(() => {
    const { logits, values } = policy.forward(obs(rows, policy.observationSize))
    return { logits: Array.from(logits.dataSync()), values: Array.from(values.dataSync()), shapes: [logits.shape, values.shape] }
  })

describe("createActorCritic", () => {
  beforeAll(() => starters.cpu())

  it("has CleanRL's separate 64-64 trunks, critic first, with zero biases", () => {
    const p = createActorCritic({ observationSize: 4, actions: 2, seed: 0 })
    assert.deepStrictEqual(p.variables.map((v) => `${v.name}:${v.variable.shape}`), [
      "critic.layer0.weight:4,64", "critic.layer0.bias:64", "critic.layer1.weight:64,64", "critic.layer1.bias:64", "critic.head.weight:64,1", "critic.head.bias:1",
      "actor.layer0.weight:4,64", "actor.layer0.bias:64", "actor.layer1.weight:64,64", "actor.layer1.bias:64", "actor.head.weight:64,2", "actor.head.bias:2"
    ])
    for (const { name, variable } of p.variables) if (name.endsWith(".bias")) assert.isTrue(Array.from(variable.dataSync()).every((x) => x === 0), name)
    p.dispose()
  })

  it("scales each layer's orthogonal weights by its gain: sqrt(2) hidden, 0.01 policy head, 1 value head", () => {
    const p = createActorCritic({ observationSize: 4, actions: 2, seed: 3 })
    const frob = (name: string) => Math.sqrt(Array.from(p.variables.find((v) => v.name === name)!.variable.dataSync()).reduce((s, x) => s + x * x, 0))
    // ‖W‖_F² = gain² · min(fanIn, fanOut) for a semi-orthogonal W.
    assert.approximately(frob("actor.layer0.weight"), Math.SQRT2 * 2, 1e-5)
    assert.approximately(frob("critic.layer1.weight"), Math.SQRT2 * 8, 1e-4)
    assert.approximately(frob("actor.head.weight"), 0.01 * Math.SQRT2, 1e-7)
    assert.approximately(frob("critic.head.weight"), 1, 1e-6)
    // The 0.01 head makes the first policy nearly uniform.
    const { logits } = run(p)
    for (const l of logits) assert.isBelow(Math.abs(l), 0.05)
    p.dispose()
  })

  it("gives [B, actions] logits and [B] values; a shared trunk feeds both heads", () => {
    const sep = createActorCritic({ observationSize: 3, actions: 4, hidden: [8], seed: 1 })
    assert.deepStrictEqual(run(sep).shapes, [[5, 4], [5]])
    const shared = createActorCritic({ observationSize: 3, actions: 4, hidden: [8, 8], shared: true, activation: "relu", seed: 1 })
    assert.deepStrictEqual(shared.variables.map((v) => v.name), [
      "trunk.layer0.weight", "trunk.layer0.bias", "trunk.layer1.weight", "trunk.layer1.bias", "policy.head.weight", "policy.head.bias", "value.head.weight", "value.head.bias"
    ])
    assert.deepStrictEqual(run(shared).shapes, [[5, 4], [5]])
    sep.dispose()
    shared.dispose()
  })

  it("is seeded, and restore() makes another seed's policy compute the same outputs", () => {
    const a = createActorCritic({ observationSize: 4, actions: 2, seed: 11 })
    const b = createActorCritic({ observationSize: 4, actions: 2, seed: 11 })
    const c = createActorCritic({ observationSize: 4, actions: 2, seed: 12 })
    assert.deepStrictEqual(run(a), run(b))
    assert.notDeepEqual(run(a).values, run(c).values)
    c.restore(a.state())
    assert.deepStrictEqual(run(c), run(a))
    // The saved state is a copy: training a afterwards does not change it.
    const saved = a.state()
    a.variables[0]!.variable.assign(tf.zerosLike(a.variables[0]!.variable))
    assert.notDeepEqual(Array.from(saved["critic.layer0.weight"]!.values), Array.from(a.variables[0]!.variable.dataSync()))
    assert.throws(() => createActorCritic({ observationSize: 4, actions: 3, seed: 0 }).restore(saved), /shape/)
    for (const p of [a, b, c]) p.dispose()
  })

  it("measures the fraction of active units over both trunks' hidden layers", () => {
    const p = createActorCritic({ observationSize: 4, actions: 2, hidden: [8, 6], activation: "relu", seed: 5 })
    const x = obs(7, 4)
    const fau = p.activeFraction(x)
    // By hand: the ReLU outputs of every hidden layer, critic then actor, counted where positive.
    const weight = (name: string) => p.variables.find((v) => v.name === name)!.variable
    let active = 0
    for (const trunk of ["critic", "actor"]) {
      let h: tf.Tensor2D = x
      for (const l of [0, 1]) {
        h = tf.relu(tf.add(tf.matMul(h, weight(`${trunk}.layer${l}.weight`)), weight(`${trunk}.layer${l}.bias`)))
        active += Array.from(h.dataSync()).filter((v) => v > 0).length
      }
    }
    assert.closeTo(fau.dataSync()[0]!, active / (7 * (8 + 6) * 2), 1e-7)
    assert.isAbove(fau.dataSync()[0]!, 0.2)
    assert.isBelow(fau.dataSync()[0]!, 0.8)
    tf.dispose([fau, x])
    p.dispose()
  })

  it("leaks no tensors and dispose frees its variables", () => {
    const before = tf.memory().numTensors
    const p = createActorCritic({ observationSize: 4, actions: 2, seed: 0 })
    assert.strictEqual(tf.memory().numTensors, before + p.variables.length)
    run(p)
    p.restore(p.state())
    const x = obs(3, 4)
    const out = p.forward(x)
    tf.dispose([out.logits, out.values, x])
    assert.strictEqual(tf.memory().numTensors, before + p.variables.length)
    p.dispose()
    assert.strictEqual(tf.memory().numTensors, before)
  })
})
