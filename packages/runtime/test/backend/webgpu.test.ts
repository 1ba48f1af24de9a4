import { assert, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import type { CnnIR, MlpIR, ScheduleIR } from "@lrs/compiler"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Backend } from "../../src/backend/Backend.ts"
import { createRng } from "../../src/data/random.ts"
import { createModel } from "../../src/model/create.ts"
import { softmaxCrossEntropy } from "../../src/model/mlp.ts"
import { lossAndGradients } from "../../src/model/variables.ts"
import { difference } from "./compare.ts"
import { onBackend, readAll, softwareGpuUnavailable } from "./softwareGpu.ts"

const unavailable = await softwareGpuUnavailable()
if (unavailable !== undefined) console.warn(`software GPU tests skipped: ${unavailable}`)

const span = { start: 0, end: 0 } as unknown as CnnIR["span"]
const constant = (value: number): ScheduleIR => ({ kind: "constant", value, span })
// Dropout is off: its masks are drawn per backend, so they would differ by design, not by error.
const models: ReadonlyArray<readonly [string, MlpIR | CnnIR]> = [
  ["fashion MLP 784-256-256-10 relu", { kind: "mlp", hidden: [256, 256], activation: "relu", layerNorm: false, dropout: constant(0), span }],
  ["MLP gelu + layer norm", { kind: "mlp", hidden: [128, 64], activation: "gelu", layerNorm: true, dropout: constant(0), span }],
  ["fashion CNN [32, 64] k3 dense 128", { kind: "cnn", channels: [32, 64], kernel: 3, dense: [128], activation: "relu", dropout: constant(0), span }]
]

/** Seeded 28x28 "images" in [0, 1) as `[batch, 784]` and labels in [0, 10). */
const images = (batch: number, seed: number) => {
  const rng = createRng(seed)
  return {
    x: Float32Array.from({ length: batch * 784 }, () => rng.uniform()),
    y: Int32Array.from({ length: batch }, () => rng.int(10))
  }
}

/** Logits, loss and every gradient of one batch, in variable order. */
const forwardBackward = (ir: MlpIR | CnnIR) => async () => {
  const model = createModel(ir, [28, 28, 1], 10, 5)
  try {
    const { x, y } = images(16, 3)
    const tensors = tf.tidy(() => {
      const xs = tf.tensor2d(x, [16, 784])
      const ys = tf.tensor1d(y, "int32")
      const logits = model.forward(xs, { training: false, step: 0 })
      const { loss, grads } = lossAndGradients(() => softmaxCrossEntropy(model.forward(xs, { training: true, step: 0 }), ys), model.variables)
      return [logits, loss, ...model.variables.map((v) => grads[v.name]!)]
    })
    return { names: ["logits", "loss", ...model.variables.map((v) => `grad ${v.name}`)], values: await readAll(tensors) }
  } finally {
    model.dispose()
  }
}

describe.skipIf(unavailable !== undefined)("webgpu on the software GPU (llvmpipe via OpenGL ES)", () => {
  // Relative error of a tensor: max |gpu - cpu| over its elements divided by max |cpu| (its scale),
  // so a tiny element's rounding is measured against the tensor it belongs to.
  for (const [label, ir] of models) {
    it.effect(`${label}: forward outputs and gradients match cpu within 1e-5 relative`, () =>
      Effect.gen(function*() {
        const cpu = yield* onBackend("cpu", forwardBackward(ir))
        const gpu = yield* onBackend("gpu", forwardBackward(ir))
        assert.strictEqual(tf.getBackend(), "webgpu")
        assert.deepStrictEqual(gpu.names, cpu.names)
        const worst = cpu.names.map((name, i) => ({ name, ...difference(cpu.values[i]!, gpu.values[i]!) }))
        if (process.env["LRS_PRINT_ERRORS"] === "1") console.log(label, worst.map((w) => `${w.name} ${w.rel.toExponential(1)}`).join(", "))
        for (const w of worst) assert.isTrue(w.rel <= 1e-5, `${w.name}: relative error ${w.rel.toExponential(2)} (abs ${w.abs.toExponential(2)})`)
        // A GPU run that produced zeros everywhere would "match" nothing; make sure work happened.
        assert.isTrue(cpu.values.every((v) => v.some((e) => e !== 0)))
      }))
  }
})

describe.skipIf(unavailable !== undefined)("--backend gpu and auto with only a software GPU", () => {
  it.effect("auto never picks the software adapter, and says why in its one-line reason", () =>
    Effect.gen(function*() {
      // The webgpu backend is already up on llvmpipe (allowed for --backend gpu); auto must still refuse it.
      const { name, reason } = yield* Effect.service(Backend).pipe(Effect.provide(Backend.layer("auto")))
      assert.notStrictEqual(name, "webgpu")
      assert.notInclude(reason, "\n")
      assert.match(reason, /webgpu unavailable: (only a software adapter was found|no Vulkan)/)
    }))

  it("the CLI trains the quickstart MLP on it, reports the adapter and logs every 50 steps", () => {
    const repo = resolve(import.meta.dirname, "../../../..")
    const out = join(mkdtempSync(join(tmpdir(), "lrs-gpu-")), "run")
    const r = spawnSync(process.execPath, [join(repo, "packages/cli/src/bin.ts"), "run", join(repo, "examples/quickstart.lrs"), "--set", "steps=150", "--backend", "gpu", "--out", out], {
      encoding: "utf8",
      env: { ...process.env, LRS_ALLOW_SOFTWARE_GPU: "1", NO_COLOR: "1" }
    })
    assert.strictEqual(r.status, 0, r.stderr)
    assert.match(r.stdout, /backend: webgpu \(requested: gpu: .*webgpu ready on llvmpipe.*\(opengles, software\)/)
    assert.include(r.stdout, "logging every 50 steps, not 10")
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { backend: string; steps: number; final: { test: { accuracy: number } } }
    assert.strictEqual(summary.backend, "webgpu")
    assert.strictEqual(summary.steps, 150)
    // Three spirals after 150 updates: wasm/cpu reach ~0.9; chance is 0.33.
    assert.isAbove(summary.final.test.accuracy, 0.7)
    const train = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; step: number; loss: number })
      .filter((row) => row.kind === "train")
    assert.deepStrictEqual(train.map((row) => row.step), [0, 50, 100, 149])
    assert.isTrue(train.every((row) => Number.isFinite(row.loss)))
    assert.isBelow(train.at(-1)!.loss, train[0]!.loss)
  })
})
