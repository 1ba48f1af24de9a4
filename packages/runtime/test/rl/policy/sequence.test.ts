import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { starters } from "../../../src/backend/Backend.ts"
import { lossAndGradients } from "../../../src/model/variables.ts"
import { createSequencePolicy } from "../../../src/rl/policy/sequence.ts"

const B = 3
const T = 4
const prompts = () => tf.tensor2d(Float32Array.from({ length: B * 5 }, (_, i) => (i % 5 === i % 3 ? 1 : 0)), [B, 5])
const tokens = [[1, 2, 0, 3], [3, 3, 1, 0], [0, 1, 2, 3]]

describe("createSequencePolicy", () => {
  beforeAll(() => starters.cpu())

  it("names its variables in init order with the GRU's [in, 3H] gate blocks", () => {
    const p = createSequencePolicy({ promptSize: 5, vocab: 4, hidden: 8, embedding: 3, seed: 0 })
    assert.deepStrictEqual(p.variables.map((v) => `${v.name}:${v.variable.shape}`), [
      "prompt.weight:5,8", "prompt.bias:8", "embedding:5,3", "gru.input.weight:3,24", "gru.hidden.weight:8,24", "gru.input.bias:24", "gru.hidden.bias:24",
      "policy.head.weight:8,4", "policy.head.bias:4", "value.head.weight:8,1", "value.head.bias:1"
    ])
    assert.strictEqual(p.bos, 4)
    p.dispose()
  })

  it("the teacher-forced pass equals step-by-step decoding", () => {
    const p = createSequencePolicy({ promptSize: 5, vocab: 4, hidden: 8, embedding: 3, seed: 2 })
    const [whole, stepped] = tf.tidy(() => {
      const x = prompts()
      const { logits, values } = p.sequence(x, tf.tensor2d(tokens, [B, T], "int32"))
      const wholeOut = { logits: Array.from(logits.dataSync()), values: Array.from(values.dataSync()), shapes: [logits.shape, values.shape] }
      let h = p.initial(x)
      let prev = tf.fill([B], p.bos, "int32") as tf.Tensor1D
      const ls: Array<Float32Array> = []
      const vs: Array<Float32Array> = []
      for (let t = 0; t < T; t++) {
        const s = p.step(h, prev)
        h = s.state
        ls.push(s.logits.dataSync() as Float32Array)
        vs.push(s.values.dataSync() as Float32Array)
        prev = tf.tensor1d(tokens.map((row) => row[t]!), "int32")
      }
      // Re-lay [T][B, V] as [B, T, V].
      const logitsBT = tokens.flatMap((_, b) => ls.flatMap((l) => Array.from(l.subarray(b * 4, (b + 1) * 4))))
      const valuesBT = tokens.flatMap((_, b) => vs.map((v) => v[b]!))
      return [wholeOut, { logits: logitsBT, values: valuesBT }]
    }) as unknown as [{ logits: Array<number>; values: Array<number>; shapes: Array<Array<number>> }, { logits: Array<number>; values: Array<number> }]
    assert.deepStrictEqual(whole.shapes, [[B, T, 4], [B, T]])
    whole.logits.forEach((x, i) => assert.approximately(x, stepped.logits[i]!, 1e-5, `logits[${i}]`))
    whole.values.forEach((x, i) => assert.approximately(x, stepped.values[i]!, 1e-5, `values[${i}]`))
    p.dispose()
  })

  it("with step features: the teacher-forced pass equals step-by-step decoding fed the same features, which change the output", () => {
    const F = 3
    const p = createSequencePolicy({ promptSize: 5, vocab: 4, hidden: 8, embedding: 3, features: F, seed: 2 })
    assert.deepStrictEqual(p.variables.slice(-1).map((v) => `${v.name}:${v.variable.shape}`), ["gru.feature.weight:3,24"])
    // A one-hot at some steps only, as digit-sum gives after a check.
    const feats = Float32Array.from({ length: B * T * F }, (_, i) => (i % 7 === 0 ? 1 : 0))
    const [whole, stepped, plain] = tf.tidy(() => {
      const x = prompts()
      const toks = tf.tensor2d(tokens, [B, T], "int32")
      const wholeOut = Array.from(p.sequence(x, toks, tf.tensor3d(feats, [B, T, F])).logits.dataSync())
      const plainOut = Array.from(p.sequence(x, toks, tf.zeros([B, T, F]) as tf.Tensor3D).logits.dataSync())
      let h = p.initial(x)
      let prev = tf.fill([B], p.bos, "int32") as tf.Tensor1D
      const ls: Array<Float32Array> = []
      for (let t = 0; t < T; t++) {
        const f = tf.tensor2d(Array.from({ length: B }, (_, b) => Array.from(feats.subarray((b * T + t) * F, (b * T + t + 1) * F))))
        const s = p.step(h, prev, f)
        h = s.state
        ls.push(s.logits.dataSync() as Float32Array)
        prev = tf.tensor1d(tokens.map((row) => row[t]!), "int32")
      }
      return [wholeOut, tokens.flatMap((_, b) => ls.flatMap((l) => Array.from(l.subarray(b * 4, (b + 1) * 4)))), plainOut]
    })
    whole.forEach((x, i) => assert.approximately(x, stepped[i]!, 1e-5, `logits[${i}]`))
    assert.isAbove(Math.max(...whole.map((x, i) => Math.abs(x - plain[i]!))), 1e-4)
    assert.throws(() => tf.tidy(() => p.sequence(prompts(), tf.tensor2d(tokens, [B, T], "int32"))), /expects \[3, 4, 3\] step features, got none/)
    p.dispose()
  })

  it("features = 0 is the policy without features: same variables, same draws", () => {
    const a = createSequencePolicy({ promptSize: 5, vocab: 4, hidden: 8, seed: 3 })
    const b = createSequencePolicy({ promptSize: 5, vocab: 4, hidden: 8, features: 0, seed: 3 })
    const c = createSequencePolicy({ promptSize: 5, vocab: 4, hidden: 8, features: 2, seed: 3 })
    assert.deepStrictEqual(b.state(), a.state())
    // The feature weights are drawn last: every other variable is as without them.
    const shared = c.state()
    for (const [name, w] of Object.entries(a.state())) assert.deepStrictEqual(shared[name], w, name)
    for (const p of [a, b, c]) p.dispose()
  })

  it("an answer's first rows do not depend on its later tokens (causal)", () => {
    const p = createSequencePolicy({ promptSize: 5, vocab: 4, hidden: 8, seed: 4 })
    const rows = (toks: Array<Array<number>>, from: number, count: number) =>
      tf.tidy(() => Array.from(tf.slice(p.sequence(prompts(), tf.tensor2d(toks, [B, T], "int32")).logits, [0, from, 0], [B, count, 4]).dataSync()))
    const changed = tokens.map((row) => [row[0]!, row[1]!, 3 - row[2]!, 3 - row[3]!])
    // Row t sees tokens < t: rows 0..2 ignore tokens 2 and 3, row 3 sees the changed token 2.
    assert.deepStrictEqual(rows(changed, 0, 3), rows(tokens, 0, 3))
    assert.notDeepEqual(rows(changed, 3, 1), rows(tokens, 3, 1))
    p.dispose()
  })

  it("every variable but the value head gets a gradient from a token log-likelihood", () => {
    const p = createSequencePolicy({ promptSize: 5, vocab: 4, hidden: 8, seed: 5 })
    const norms = tf.tidy(() => {
      const toks = tf.tensor2d(tokens, [B, T], "int32")
      const { grads } = lossAndGradients(() => {
        const { logits, values } = p.sequence(prompts(), toks)
        return tf.add(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(toks, 4)))), tf.sum(tf.square(values))) as tf.Scalar
      }, p.variables)
      return Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, tf.norm(g).dataSync()[0]!]))
    })
    for (const [name, norm] of Object.entries(norms)) assert.isAbove(norm, 0, name)
    p.dispose()
  })

  it("is seeded, restores across seeds and leaks no tensors", () => {
    const before = tf.memory().numTensors
    const a = createSequencePolicy({ promptSize: 5, vocab: 4, seed: 1 })
    const b = createSequencePolicy({ promptSize: 5, vocab: 4, seed: 9 })
    const out = (p: typeof a) => tf.tidy(() => Array.from(p.sequence(prompts(), tf.tensor2d(tokens, [B, T], "int32")).logits.dataSync()))
    assert.notDeepEqual(out(b), out(a))
    b.restore(a.state())
    assert.deepStrictEqual(out(b), out(a))
    assert.strictEqual(tf.memory().numTensors, before + 2 * a.variables.length)
    a.dispose()
    b.dispose()
    assert.strictEqual(tf.memory().numTensors, before)
  })
})
