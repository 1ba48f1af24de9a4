/**
 * ms/step of one training step (forward, backward, our Adam, loss read back) for the Fashion CNN
 * (conv 3x3x32, pool, conv 3x3x64, pool, dense 128, 10 classes) at batch 128 on random 28x28
 * images, per backend, plus the slowest kernels of one step (`tf.profile`). Checks that the tensor
 * count stays constant over the timed loop. Run: `node packages/runtime/bench/cnn-step.bench.ts
 * [wasm|cpu ...]` (default: wasm).
 */
import * as tf from "@tensorflow/tfjs"
import type { CnnIR, OptimizerIR, ScheduleIR } from "@lrs/compiler"
import { Effect } from "effect"
import { Backend, type BackendRequest } from "../src/backend/Backend.ts"
import { createRng } from "../src/data/random.ts"
import { createModel } from "../src/model/create.ts"
import { softmaxCrossEntropy } from "../src/model/mlp.ts"
import { lossAndGradients } from "../src/model/variables.ts"
import { createOptimizer } from "../src/optim/createOptimizer.ts"

const BATCH = Number(process.env["BATCH"] ?? 128)
const span = { start: 0, end: 0 } as unknown as ScheduleIR["span"]
const c = (value: number): ScheduleIR => ({ kind: "constant", value, span })
const adam: OptimizerIR = { kind: "adam", lr: c(1e-3), beta1: c(0.9), beta2: c(0.999), epsilon: 1e-8, weightDecay: c(0), span }
const fashionCnn: CnnIR = { kind: "cnn", channels: [32, 64], kernel: 3, dense: [128], activation: "relu", dropout: c(0), span }

const median = (xs: Array<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const bench = (request: BackendRequest, warmup: number, steps: number) =>
  Effect.gen(function*() {
    const backend = yield* Backend
    const rng = createRng(0)
    const xs = Float32Array.from({ length: BATCH * 784 }, () => rng.uniform())
    const ys = Int32Array.from({ length: BATCH }, () => rng.int(10))
    const model = createModel(fashionCnn, [28, 28, 1], 10, 0)
    const opt = createOptimizer(adam, model.variables)
    const x = tf.tensor2d(xs, [BATCH, 784])
    const y = tf.tensor1d(ys, "int32")
    const step = (t: number): number => {
      const { loss, grads } = tf.tidy(() =>
        lossAndGradients(() => softmaxCrossEntropy(model.forward(x, { training: true, step: t }), y), model.variables)
      )
      opt.step(grads, t)
      const value = loss.dataSync()[0]!
      tf.dispose([loss, ...Object.values(grads)])
      return value
    }
    let t = 0
    for (; t < warmup; t++) step(t)
    const tensorsBefore = tf.memory().numTensors
    const times: Array<number> = []
    let loss = NaN
    for (let i = 0; i < steps; i++, t++) {
      const start = performance.now()
      loss = step(t)
      times.push(performance.now() - start)
    }
    const tensorsAfter = tf.memory().numTensors
    console.log(
      `${request.padEnd(5)} backend=${backend.name.padEnd(5)} batch ${BATCH}: median ${median(times).toFixed(1)} ms/step `
        + `(min ${Math.min(...times).toFixed(1)}, ${steps} steps) numTensors ${tensorsBefore} -> ${tensorsAfter}`
        + `${tensorsBefore === tensorsAfter ? "" : "  LEAK"} loss ${loss.toFixed(4)}`
    )
    // Where one step's time goes, by kernel (wall time of each kernel call, summed).
    const info = yield* Effect.promise(() => tf.profile(() => step(t)))
    const byKernel = new Map<string, number>()
    for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number))
    const top = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 8)
    console.log(`  slowest kernels: ${top.map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join(", ")}`)
    tf.dispose([x, y])
    opt.dispose()
    model.dispose()
    return tensorsBefore === tensorsAfter
  })

const program = Effect.gen(function*() {
  const requested = process.argv.slice(2)
  const backends = (requested.length === 0 ? ["wasm"] : requested) as Array<BackendRequest>
  console.log(`Fashion CNN (conv 3x3x32, pool, conv 3x3x64, pool, dense 128, 10), our adam, batch ${BATCH}; node ${process.version}`)
  let ok = true
  for (const b of backends) {
    const [warmup, steps] = b === "cpu" ? [1, 3] : [3, 20]
    ok = (yield* bench(b, warmup, steps).pipe(Effect.provide(Backend.layer(b)))) && ok
  }
  if (!ok) process.exitCode = 1
})

Effect.runPromise(program).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
