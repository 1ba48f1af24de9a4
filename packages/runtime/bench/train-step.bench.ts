/**
 * ms/step of one training step (forward, backward, our Adam, loss read back) for a 784-256-256-10
 * MLP at batch 128 on random data, per backend. Also checks that the tensor count stays constant
 * over the timed loop (no leaks). Run: `node packages/runtime/bench/train-step.bench.ts`.
 */
import * as tf from "@tensorflow/tfjs"
import type { OptimizerIR, ScheduleIR } from "@lrs/compiler"
import { Effect } from "effect"
import { Backend } from "../src/backend/Backend.ts"
import type { BackendRequest } from "../src/backend/Backend.ts"
import { installWasmMatMulFix, uninstallWasmMatMulFix } from "../src/backend/wasmMatMulFix.ts"
import { createRng } from "../src/data/random.ts"
import { createMlp, softmaxCrossEntropy } from "../src/model/mlp.ts"
import { lossAndGradients } from "../src/model/variables.ts"
import { createOptimizer } from "../src/optim/createOptimizer.ts"

const BATCH = 128
const span = { start: 0, end: 0 } as unknown as ScheduleIR["span"]
const c = (value: number): ScheduleIR => ({ kind: "constant", value, span })
const adam: OptimizerIR = { kind: "adam", lr: c(1e-3), beta1: c(0.9), beta2: c(0.999), epsilon: 1e-8, weightDecay: c(0), span }

const median = (xs: Array<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

interface Variant {
  readonly label: string
  readonly request: BackendRequest
  readonly matMulFix: boolean
  readonly warmup: number
  readonly steps: number
}

// Step counts keep the whole run well under a minute (cpu is ~250 ms/step).
const variants: ReadonlyArray<Variant> = [
  { label: "cpu", request: "cpu", matMulFix: false, warmup: 2, steps: 20 },
  { label: "wasm (stock BatchMatMul)", request: "wasm", matMulFix: false, warmup: 3, steps: 40 },
  { label: "wasm + BatchMatMul fix", request: "wasm", matMulFix: true, warmup: 10, steps: 100 }
]

const bench = (v: Variant) =>
  Effect.gen(function*() {
    const backend = yield* Backend
    if (v.matMulFix) installWasmMatMulFix()
    else if (v.request === "wasm") uninstallWasmMatMulFix()
    const rng = createRng(0)
    const xs = Float32Array.from({ length: BATCH * 784 }, () => rng.normal())
    const ys = Int32Array.from({ length: BATCH }, () => rng.int(10))
    const model = createMlp({ kind: "mlp", hidden: [256, 256], activation: "relu", layerNorm: false, dropout: { kind: "constant", value: 0, span }, span }, 784, 10, 0)
    const opt = createOptimizer(adam, model.variables)
    const x = tf.tensor2d(xs, [BATCH, 784])
    const y = tf.tensor1d(ys, "int32")
    const step = (t: number): number => {
      const { loss, grads } = tf.tidy(() =>
        lossAndGradients(() => softmaxCrossEntropy(model.forward(x), y), model.variables)
      )
      opt.step(grads, t)
      const value = loss.dataSync()[0]!
      tf.dispose([loss, ...Object.values(grads)])
      return value
    }
    let t = 0
    for (; t < v.warmup; t++) step(t)
    const tensorsBefore = tf.memory().numTensors
    const times: Array<number> = []
    let loss = NaN
    for (let i = 0; i < v.steps; i++, t++) {
      const start = performance.now()
      loss = step(t)
      times.push(performance.now() - start)
    }
    const tensorsAfter = tf.memory().numTensors
    console.log(
      `${v.label.padEnd(26)} backend=${backend.name.padEnd(5)} tf=${tf.getBackend().padEnd(5)} `
        + `median ${median(times).toFixed(1).padStart(6)} ms/step (${v.steps} steps) `
        + `numTensors ${tensorsBefore} -> ${tensorsAfter}${tensorsBefore === tensorsAfter ? "" : "  LEAK"} `
        + `loss ${loss.toFixed(4)}`
    )
    tf.dispose([x, y])
    opt.dispose()
    model.dispose()
    if (v.request === "wasm") installWasmMatMulFix()
    return tensorsBefore === tensorsAfter
  })

const program = Effect.gen(function*() {
  console.log(`784-256-256-10 MLP, our adam, batch ${BATCH}, random data; node ${process.version}`)
  let ok = true
  for (const v of variants) {
    ok = (yield* bench(v).pipe(Effect.provide(Backend.layer(v.request)))) && ok
  }
  if (!ok) process.exitCode = 1
})

Effect.runPromise(program).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
