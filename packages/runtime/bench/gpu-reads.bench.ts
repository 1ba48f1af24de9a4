/**
 * What a loss read costs on a GPU backend, to choose how often the trainer reads (`gpuReadInterval`):
 * ms/step of forward + backward + our Adam at batch 128 for the quickstart MLP (2-128-128-3) and the
 * Fashion MLP (784-256-256-10), with the loss read back (`await data()`) every 1, 10, 50 steps or
 * only at the end, on `--backend gpu`. The cost of one read is (ms/step at every-1 - at end-only)
 * x 1 step; N must make that under 2% of N steps.
 * Run: `LRS_ALLOW_SOFTWARE_GPU=1 node packages/runtime/bench/gpu-reads.bench.ts` (software GPU) or
 * without the variable on a machine with a GPU.
 */
import * as tf from "@tensorflow/tfjs"
import type { MlpIR, OptimizerIR, ScheduleIR } from "@lrs/compiler"
import { Effect } from "effect"
import { Backend } from "../src/backend/Backend.ts"
import { createRng } from "../src/data/random.ts"
import { createMlp, softmaxCrossEntropy } from "../src/model/mlp.ts"
import { lossAndGradients } from "../src/model/variables.ts"
import { createOptimizer } from "../src/optim/createOptimizer.ts"

const BATCH = 128
const STEPS = Number(process.env["STEPS"] ?? 100)
const span = { start: 0, end: 0 } as unknown as ScheduleIR["span"]
const c = (value: number): ScheduleIR => ({ kind: "constant", value, span })
const adam: OptimizerIR = { kind: "adam", lr: c(1e-3), beta1: c(0.9), beta2: c(0.999), epsilon: 1e-8, weightDecay: c(0), span }
const mlp = (hidden: Array<number>): MlpIR => ({ kind: "mlp", hidden, activation: "relu", layerNorm: false, dropout: c(0), span })

const shapes = [
  { label: "quickstart MLP 2-128-128-3", inputs: 2, hidden: [128, 128], classes: 3 },
  { label: "fashion MLP 784-256-256-10", inputs: 784, hidden: [256, 256], classes: 10 }
] as const

const timeLoop = async (shape: (typeof shapes)[number], readEvery: number): Promise<number> => {
  const rng = createRng(1)
  const x = tf.tensor2d(Float32Array.from({ length: BATCH * shape.inputs }, () => rng.uniform()), [BATCH, shape.inputs])
  const y = tf.tensor1d(Int32Array.from({ length: BATCH }, () => rng.int(shape.classes)), "int32")
  const model = createMlp(mlp([...shape.hidden]), shape.inputs, shape.classes, 1)
  const optimizer = createOptimizer(adam, model.variables)
  const step = (t: number) => {
    const { loss, grads } = tf.tidy(() => lossAndGradients(() => softmaxCrossEntropy(model.forward(x, { training: true, step: t }), y), model.variables))
    optimizer.step(grads, t)
    tf.dispose(Object.values(grads))
    return loss
  }
  // Warm-up: shader compilation and buffer pools.
  for (let t = 0; t < 10; t++) {
    const l = step(t)
    await l.data()
    l.dispose()
  }
  const start = performance.now()
  for (let t = 0; t < STEPS; t++) {
    const loss = step(t)
    if ((t + 1) % readEvery === 0 || t === STEPS - 1) await loss.data()
    loss.dispose()
  }
  const ms = (performance.now() - start) / STEPS
  optimizer.dispose()
  model.dispose()
  tf.dispose([x, y])
  return ms
}

await Effect.runPromise(Effect.gen(function*() {
  const backend = yield* Backend
  console.log(`backend: ${backend.name} (${backend.reason})`)
  for (const shape of shapes) {
    const rows: Array<[number, number]> = []
    for (const every of [1, 10, 50, STEPS]) rows.push([every, yield* Effect.promise(() => timeLoop(shape, every))])
    const base = rows.at(-1)![1]
    const readCost = rows[0]![1] - base
    console.log(`${shape.label}, batch ${BATCH}, ${STEPS} steps: ` + rows.map(([e, ms]) => `read every ${e === STEPS ? "end" : e}: ${ms.toFixed(2)} ms/step`).join(", "))
    console.log(`  one read costs ~${readCost.toFixed(2)} ms (${((100 * readCost) / base).toFixed(0)}% of a step); every 50 steps that is ${((100 * readCost) / (50 * base)).toFixed(2)}% of step time`)
  }
}).pipe(Effect.provide(Backend.layer((process.argv[2] ?? "gpu") as "gpu"))))
