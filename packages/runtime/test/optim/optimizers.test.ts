import { assert, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import type { OptimizerIR, ScheduleIR } from "@lrs/compiler"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { Backend } from "../../src/backend/Backend.ts"
import type { NamedVariable } from "../../src/model/variables.ts"
import { createOptimizer } from "../../src/optim/createOptimizer.ts"

interface Fixture {
  readonly params: Record<string, { shape: Array<number>; values: Array<number> }>
  readonly grads: ReadonlyArray<Record<string, Array<number>>>
  readonly cases: ReadonlyArray<{
    readonly name: string
    readonly optimizer: Record<string, unknown>
    readonly expected: ReadonlyArray<Record<string, Array<number>>>
  }>
}

// Generated with PyTorch by test/fixtures/gen_optimizer_fixtures.py.
const fixture: Fixture = JSON.parse(
  readFileSync(new URL("../fixtures/optimizer-fixtures.json", import.meta.url), "utf8")
)

const span = { start: 0, end: 0 } as unknown as OptimizerIR["span"]

// The fixture's schedules are ScheduleIR without spans.
const withSpans = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withSpans)
    : typeof value === "object" && value !== null
    ? Object.fromEntries([...Object.entries(value).map(([k, v]) => [k, withSpans(v)]), ["span", span]])
    : value

const makeVariables = (): Array<NamedVariable> =>
  Object.entries(fixture.params).map(([name, { shape, values }]) => ({
    name,
    variable: tf.variable(tf.tensor(values, shape, "float32"))
  }))

const gradsAt = (t: number): Record<string, tf.Tensor> =>
  Object.fromEntries(
    Object.entries(fixture.grads[t]!).map(([name, g]) => [name, tf.tensor(g, fixture.params[name]!.shape)])
  )

const onCpu = <A, E>(body: Effect.Effect<A, E>) => body.pipe(Effect.provide(Backend.layer("cpu")))

const schedule = (value: number): ScheduleIR => ({ kind: "constant", value, span })

describe("optimizers match torch.optim", () => {
  for (const c of fixture.cases) {
    it.effect(c.name, () =>
      onCpu(Effect.sync(() => {
        const ir = withSpans(c.optimizer) as OptimizerIR
        const variables = makeVariables()
        const opt = createOptimizer(ir, variables)
        c.expected.forEach((expected, t) => {
          const grads = gradsAt(t)
          opt.step(grads, t)
          tf.dispose(Object.values(grads))
          for (const { name, variable } of variables) {
            const ours = variable.dataSync()
            expected[name]!.forEach((want, i) => {
              const got = ours[i]!
              assert.isTrue(
                Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)),
                `${c.name} step ${t} ${name}[${i}]: ${got} vs torch ${want}`
              )
            })
          }
        })
        opt.dispose()
      })))
  }
})

describe("optimizer mechanics", () => {
  const adamw: OptimizerIR = {
    kind: "adamw",
    lr: { kind: "curve", shape: "linear", from: 0.01, to: 0.001, steps: 10, options: {}, continues: false, span },
    beta1: schedule(0.9),
    beta2: schedule(0.999),
    epsilon: 1e-8,
    weightDecay: schedule(0.1),
    span
  }
  const sgd: OptimizerIR = {
    kind: "sgd",
    lr: schedule(0.1),
    momentum: schedule(0.9),
    dampening: 0,
    nesterov: true,
    weightDecay: schedule(0.01),
    span
  }

  it.effect("hyperparameters evaluate the schedules at t", () =>
    onCpu(Effect.sync(() => {
      const opt = createOptimizer(adamw, makeVariables())
      assert.deepStrictEqual(opt.hyperparameters(5), {
        // optax's form of linear: to + (from - to) * (1 - t / steps)
        lr: 0.001 + (0.01 - 0.001) * 0.5,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
        weightDecay: 0.1
      })
      opt.dispose()
    })))

  for (const ir of [adamw, sgd]) {
    it.effect(`${ir.kind}: no tensor leaks across steps`, () =>
      onCpu(Effect.sync(() => {
        const variables = makeVariables()
        const opt = createOptimizer(ir, variables)
        const grads = gradsAt(0)
        opt.step(grads, 0) // slots are created on the first step
        const before = tf.memory().numTensors
        for (let t = 1; t < 20; t++) opt.step(grads, t)
        assert.strictEqual(tf.memory().numTensors, before)
        opt.dispose()
        tf.dispose(Object.values(grads))
      })))

    it.effect(`${ir.kind}: state/restore resumes bit-exactly`, () =>
      onCpu(Effect.gen(function*() {
        const run = (opt: ReturnType<typeof createOptimizer>, from: number, to: number) => {
          for (let t = from; t < to; t++) {
            const grads = gradsAt(t % fixture.grads.length)
            opt.step(grads, t)
            tf.dispose(Object.values(grads))
          }
        }
        const a = makeVariables()
        const optA = createOptimizer(ir, a)
        run(optA, 0, 3)
        // Round-trip through JSON the way a checkpoint would.
        const saved = yield* Effect.promise(() => optA.state())
        const json = JSON.parse(JSON.stringify(saved, (_, v) => (v instanceof Float32Array ? Array.from(v) : v)))
        json.slots = Object.fromEntries(
          Object.entries(json.slots as Record<string, Record<string, { shape: Array<number>; values: Array<number> }>>)
            .map(([slot, byVar]) => [
              slot,
              Object.fromEntries(
                Object.entries(byVar).map(([n, s]) => [n, { shape: s.shape, values: Float32Array.from(s.values) }])
              )
            ])
        )
        const b = makeVariables()
        for (let i = 0; i < b.length; i++) b[i]!.variable.assign(a[i]!.variable)
        const optB = createOptimizer(ir, b)
        optB.restore(json)
        run(optA, 3, 8)
        run(optB, 3, 8)
        for (let i = 0; i < a.length; i++) {
          assert.deepStrictEqual(Array.from(a[i]!.variable.dataSync()), Array.from(b[i]!.variable.dataSync()))
        }
        optA.dispose()
        optB.dispose()
      })))
  }

  it.effect("rejects a missing gradient and a foreign state", () =>
    onCpu(Effect.sync(() => {
      const variables = makeVariables()
      const opt = createOptimizer(sgd, variables)
      assert.throws(() => opt.step({}, 0), /missing gradient for w/)
      assert.throws(() => opt.restore({ kind: "adam", steps: 0, slots: {} }), /cannot restore adam/)
      opt.dispose()
    })))
})
