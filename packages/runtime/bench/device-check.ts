/**
 * The device check (bundled by scripts/device-check/build.sh, run by scripts/device-check.sh;
 * from the sources: `LRS_ALLOW_SOFTWARE_GPU=1 node packages/runtime/bench/device-check.ts`): the
 * Fashion-MNIST MLP and CNN of examples/ (784-256-256-10 relu; conv 32, 64 k3, dense 128) on
 * `--backend gpu` against the cpu backend (logits, loss and every gradient of one batch of seeded
 * 28x28 images: max |gpu - cpu| / max |cpu| per tensor), then ms/step and samples/s of training
 * steps (forward, backward, Adam; loss read every 50 steps) at batch 128 on gpu and on wasm.
 * Exits 1 when the GPU cannot start or a relative error exceeds 1e-5.
 */
import * as tf from "@tensorflow/tfjs"
import type { CnnIR, MlpIR, OptimizerIR, ScheduleIR } from "@lrs/compiler"
import { Effect } from "effect"
import { Backend, type BackendRequest } from "../src/backend/Backend.ts"
import { createRng } from "../src/data/random.ts"
import { createModel } from "../src/model/create.ts"
import { softmaxCrossEntropy } from "../src/model/mlp.ts"
import { lossAndGradients } from "../src/model/variables.ts"
import { createOptimizer } from "../src/optim/createOptimizer.ts"

const span = { start: 0, end: 0 } as unknown as ScheduleIR["span"]
const c = (value: number): ScheduleIR => ({ kind: "constant", value, span })
const adam: OptimizerIR = { kind: "adam", lr: c(1e-3), beta1: c(0.9), beta2: c(0.999), epsilon: 1e-8, weightDecay: c(1e-4), span }
const models = [
  { label: "fashion-mlp", ir: { kind: "mlp", hidden: [256, 256], activation: "relu", layerNorm: false, dropout: c(0), span } as MlpIR, steps: 200 },
  { label: "fashion-cnn", ir: { kind: "cnn", channels: [32, 64], kernel: 3, dense: [128], activation: "relu", dropout: c(0), span } as CnnIR, steps: 60 }
] as const
const BATCH = 128
const READ_EVERY = 50

const images = (batch: number, seed: number) => {
  const rng = createRng(seed)
  return { x: Float32Array.from({ length: batch * 784 }, () => rng.uniform()), y: Int32Array.from({ length: batch }, () => rng.int(10)) }
}

/** Logits, loss and gradients of one batch of 32, read asynchronously. */
const reference = (ir: MlpIR | CnnIR) => async (): Promise<Array<Float32Array>> => {
  const model = createModel(ir, [28, 28, 1], 10, 5)
  const { x, y } = images(32, 3)
  const tensors = tf.tidy(() => {
    const xs = tf.tensor2d(x, [32, 784])
    const ys = tf.tensor1d(y, "int32")
    const logits = model.forward(xs, { training: false, step: 0 })
    const { loss, grads } = lossAndGradients(() => softmaxCrossEntropy(model.forward(xs, { training: true, step: 0 }), ys), model.variables)
    return [logits, loss, ...model.variables.map((v) => grads[v.name]!)]
  })
  const values = await Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())))
  tf.dispose(tensors)
  model.dispose()
  return values
}

const relative = (a: Float32Array, b: Float32Array): number => {
  let diff = 0
  let scale = 0
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!))
    scale = Math.max(scale, Math.abs(a[i]!))
  }
  return scale === 0 ? diff : diff / scale
}

/** Median-free simple timing: warm-up steps, then `steps` timed ones with a read every READ_EVERY. */
const msPerStep = (ir: MlpIR | CnnIR, steps: number) => async (): Promise<number> => {
  const model = createModel(ir, [28, 28, 1], 10, 1)
  const optimizer = createOptimizer(adam, model.variables)
  const { x, y } = images(BATCH, 1)
  const xs = tf.tensor2d(x, [BATCH, 784])
  const ys = tf.tensor1d(y, "int32")
  const step = (t: number) => {
    const { loss, grads } = tf.tidy(() => lossAndGradients(() => softmaxCrossEntropy(model.forward(xs, { training: true, step: t }), ys), model.variables))
    optimizer.step(grads, t)
    tf.dispose(Object.values(grads))
    return loss
  }
  for (let t = 0; t < 5; t++) {
    const l = step(t)
    await l.data()
    l.dispose()
  }
  const start = performance.now()
  for (let t = 0; t < steps; t++) {
    const l = step(t + 5)
    if ((t + 1) % READ_EVERY === 0 || t === steps - 1) await l.data()
    l.dispose()
  }
  const ms = (performance.now() - start) / steps
  tf.dispose([xs, ys])
  optimizer.dispose()
  model.dispose()
  return ms
}

const on = <A>(request: BackendRequest, f: () => Promise<A>) =>
  Effect.gen(function*() {
    const backend = yield* Backend
    return { backend, value: yield* Effect.promise(f) }
  }).pipe(Effect.provide(Backend.layer(request)))

const main = Effect.gen(function*() {
  let failed = false
  const cpu: Array<Array<Float32Array>> = []
  for (const m of models) cpu.push((yield* on("cpu", reference(m.ir))).value)
  const gpuRefs: Array<Array<Float32Array>> = []
  for (const m of models) {
    const { backend, value } = yield* on("gpu", reference(m.ir))
    if (gpuRefs.length === 0) console.log(`gpu backend: ${backend.name} (${backend.reason})`)
    gpuRefs.push(value)
  }
  models.forEach((m, i) => {
    const errors = cpu[i]!.map((a, k) => relative(a, gpuRefs[i]![k]!))
    const worst = Math.max(...errors)
    if (!(worst <= 1e-5)) failed = true
    console.log(`${m.label}: gpu vs cpu, logits/loss/gradients of one batch of 32: max relative error ${worst.toExponential(2)} ${worst <= 1e-5 ? "(ok, <= 1e-5)" : "(FAIL, > 1e-5)"}`)
  })
  for (const request of ["gpu", "wasm"] as const) {
    for (const m of models) {
      const { backend, value: ms } = yield* on(request, msPerStep(m.ir, m.steps))
      console.log(`${m.label} on ${backend.name}: ${ms.toFixed(2)} ms/step, ${((BATCH * 1000) / ms).toFixed(0)} samples/s (batch ${BATCH}, Adam, ${m.steps} steps, loss read every ${READ_EVERY})`)
    }
  }
  return failed
})

const failed = await Effect.runPromise(main.pipe(Effect.catchTag("BackendUnavailable", (e) =>
  Effect.sync(() => {
    console.log(`backend ${e.backend} unavailable: ${e.message}\n  help: ${e.help}`)
    return true
  })
)))
process.exit(failed ? 1 : 0)
