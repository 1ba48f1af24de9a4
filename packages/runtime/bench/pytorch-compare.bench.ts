/**
 * ms/step of our trainer on wasm against PyTorch on one CPU thread, for the Fashion-MNIST recipes
 * (examples/fashion-mlp.lrs and examples/fashion-cnn.lrs: AdamW lr 1e-3, 200-step linear warmup
 * then cosine to 0 over 5 epochs, weight decay 1e-4, batch 128), MLP 784-256-256-10 and CNN (conv
 * 3x3x32, pool, conv 3x3x64, pool, dense 128). Target: ours within 5x of PyTorch.
 *
 * PyTorch: `pytorch_fashion.py` (next to this file) under `/usr/bin/python3` (or $LRS_PYTHON),
 * `torch.set_num_threads(1)`, per-step times after a warm-up (gather, forward, backward, AdamW,
 * LambdaLR, `loss.item()`). Skipped, with a message, when `import torch` fails there.
 *
 * Ours: the lrs trainer (`train`) in-process on wasm (single-threaded in Node), the recipe's spec
 * with `fashion_mnist(validation_fraction = 0.01)` so the evaluations it always makes at update 0
 * and at the end are on 600 images, `log every 50 steps`. Per step =
 * (wall(long run) - wall(short run)) / (long - short), which cancels the evaluations and set-up, so
 * both sides time training steps only. Needs the Fashion-MNIST IDX files.
 *
 * Run: `node packages/runtime/bench/pytorch-compare.bench.ts [quick]`.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { compile, printResolved } from "@lrs/compiler"
import { Effect, Layer } from "effect"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Backend } from "../src/backend/Backend.ts"
import { Reporter } from "../src/run/Reporter.ts"
import { RunStore } from "../src/run/RunStore.ts"
import { type Summary, train } from "../src/run/train.ts"

const quick = process.argv.includes("quick")
const here = dirname(fileURLToPath(import.meta.url))
const python = process.env["LRS_PYTHON"] ?? "/usr/bin/python3"
const fashionDir = process.env["LRS_DATA_DIR"] && existsSync(join(process.env["LRS_DATA_DIR"], "fashion-mnist"))
  ? join(process.env["LRS_DATA_DIR"], "fashion-mnist")
  : "/usr/share/datasets/fashion-mnist"

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

interface TorchResult {
  readonly model: "mlp" | "cnn"
  readonly steps: number
  readonly warmup: number
  readonly msPerStepMean: number
  readonly msPerStepMedian: number
  readonly msPerStepMin: number
  readonly loss: number
}

const models = {
  mlp: "mlp(hidden = [256, 256], activation = relu)",
  cnn: "cnn(channels = [32, 64], kernel = 3, dense = [128])"
} as const

const specText = (model: keyof typeof models, steps: number): string => `lrs 1
experiment fashion_${model} {
  seed = 1
  steps = ${steps}
  batch = 128
  data = fashion_mnist(validation_fraction = 0.01)
  model = ${models[model]}
  optimizer = adamw(lr = warmup(${Math.max(1, Math.min(200, Math.floor(steps / 4)))} steps, cosine(1e-3 -> 0)), weight_decay = 1e-4)
  evaluate every ${steps} steps on validation [accuracy, loss]
  log every 50 steps
}
`

const work = mkdtempSync(join(tmpdir(), "lrs-vs-torch-"))
let counter = 0

const runLrs = (model: keyof typeof models, steps: number) =>
  Effect.gen(function*() {
    const text = specText(model, steps)
    const result = compile(text, { file: join(work, "spec.lrs") })
    if (result.ir === undefined || result.origins === undefined) throw new Error(`spec does not compile: ${JSON.stringify(result.diagnostics)}`)
    const out = join(work, `run-${++counter}`)
    const summary: Summary = yield* train({ ir: result.ir, spec: text, resolved: printResolved(result.ir, result.origins), destination: { out }, data: { baseDir: work } })
    rmSync(out, { recursive: true, force: true })
    return summary
  })

/** Marginal ms per training step: median over `reps` of (wall(long) - wall(short)) / (long - short). */
const oursPerStep = (model: keyof typeof models, warm: number, short: number, long: number, reps: number) =>
  Effect.gen(function*() {
    yield* runLrs(model, warm)
    const marginal: Array<number> = []
    let last: Summary | undefined
    for (let r = 0; r < reps; r++) {
      const s = yield* runLrs(model, short)
      const l = yield* runLrs(model, long)
      marginal.push(((l.wallSeconds - s.wallSeconds) * 1000) / (long - short))
      last = l
    }
    return { msPerStep: median(marginal), summaryMsPerStep: last!.msPerStep, loss: last!.final["train"]!["loss"]! }
  })

const main = Effect.gen(function*() {
  const probe = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" })
  if (probe.status !== 0) {
    console.log(`pytorch comparison skipped: \`${python} -c "import torch"\` failed (${(probe.stderr ?? String(probe.error)).trim().split("\n").pop()}); set LRS_PYTHON to a python with torch`)
    return
  }
  if (!existsSync(join(fashionDir, "train-images-idx3-ubyte.gz")) && !existsSync(join(fashionDir, "train-images-idx3-ubyte"))) {
    console.log(`pytorch comparison skipped: no Fashion-MNIST IDX files in ${fashionDir} (apt-get install dataset-fashion-mnist, or LRS_DATA_DIR)`)
    return
  }
  const steps = quick ? { mlp: 30, cnn: 3, warmup: 2 } : { mlp: 300, cnn: 40, warmup: 10 }
  const torchRun = spawnSync(
    python,
    [join(here, "pytorch_fashion.py"), "--json", "--steps-mlp", String(steps.mlp), "--steps-cnn", String(steps.cnn), "--warmup", String(steps.warmup), "--data", fashionDir],
    { encoding: "utf8" }
  )
  if (torchRun.status !== 0) throw new Error(`pytorch_fashion.py failed (exit ${torchRun.status}): ${torchRun.stderr}`)
  const torch = JSON.parse(torchRun.stdout.trim().split("\n").pop()!) as { torch: string; threads: number; blas: string; results: Array<TorchResult> }
  const torchOf = (m: "mlp" | "cnn") => torch.results.find((r) => r.model === m)!

  console.log(`Fashion-MNIST recipe (AdamW 1e-3, warmup+cosine, wd 1e-4, batch 128): ours (lrs trainer, wasm, in-process) vs PyTorch ${torch.torch} (${torch.threads} thread, BLAS ${torch.blas}); node ${process.version}`)
  const plans = {
    mlp: quick ? { warm: 8, short: 10, long: 30, reps: 1 } : { warm: 50, short: 50, long: 350, reps: 3 },
    cnn: quick ? { warm: 2, short: 2, long: 5, reps: 1 } : { warm: 4, short: 10, long: 40, reps: 1 }
  }
  const labels = { mlp: "MLP 784-256-256-10", cnn: "CNN conv32-pool-conv64-pool-dense128" }
  let allMet = true
  for (const m of ["mlp", "cnn"] as const) {
    const p = plans[m]
    const ours = yield* oursPerStep(m, p.warm, p.short, p.long, p.reps)
    const t = torchOf(m)
    const ratio = ours.msPerStep / t.msPerStepMean
    allMet &&= ratio <= 5
    console.log(
      `${labels[m]} b128: ours ${ours.msPerStep.toFixed(2)} ms/step (wasm; (${p.long}-${p.short}) steps, median of ${p.reps}; summary msPerStep ${ours.summaryMsPerStep.toFixed(2)} at ${p.long} steps incl. 2 evaluations of 600 images), `
        + `PyTorch ${t.msPerStepMean.toFixed(2)} ms/step (mean of ${t.steps} after ${t.warmup}; median ${t.msPerStepMedian.toFixed(2)}), `
        + `ratio ours/PyTorch ${ratio.toFixed(2)} (target <= 5: ${ratio <= 5 ? "met" : "MISSED"})`
    )
  }
  if (!allMet) process.exitCode = 1
}).pipe(
  Effect.provide(Layer.mergeAll(Backend.layer("wasm"), RunStore.layer.pipe(Layer.provide(NodeServices.layer)), Reporter.layerMemory([]), NodeServices.layer)),
  Effect.ensuring(Effect.sync(() => rmSync(work, { recursive: true, force: true })))
)

Effect.runPromise(main).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
