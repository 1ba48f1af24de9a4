/**
 * The runtime's overhead per training step: the lrs trainer (`train`, called in-process on a
 * compiled spec) against a hand-written tfjs loop doing the same math on the same backend.
 *
 * Both sides use `createModel` (identical init), the same batches (`createBatchSampler` with the
 * run seed, so the same indices), the same loss (`softmaxCrossEntropy`) and AdamW with the same
 * warmup+cosine learning rate (checked: equal final losses), load the data every run outside the
 * timing, and evaluate a small validation split (`validation_fraction`) at update 0 and at the end
 * in chunks of 1,000 (what `evaluate every <budget> steps on validation` makes the trainer do). What
 * only the lrs side does is the overhead being measured: batch gathering into fresh arrays, Effect,
 * the loss read back every step, `lossAndGradients`' name mapping, schedule evaluation in the
 * optimizer and in log rows, the signal board, the `metrics.jsonl` append (synchronous) every `log every` steps,
 * the reporter. The hand-written loop gathers into reused buffers, evaluates the lr in closed form,
 * runs AdamW inline (the formulas of `optim/adam.ts`), reads the loss only at log steps and keeps its
 * log rows in memory.
 *
 * Figures, medians over repeated runs that alternate the two sides:
 * - ms per training step without the evaluations (the headline figure): the time from the end of
 *   the step-0 evaluation to the last step, over the steps. For lrs it comes from the `throughput`
 *   signal each log row carries (the trainer's own clock between logged steps:
 *   `batch * steps / throughput`), for the hand-written loop from `performance.now()` at the same
 *   points. The overhead is the difference (microseconds per step) or the ratio;
 * - `summary.msPerStep` of the lrs run (wall from the step-0 evaluation to after the last
 *   evaluation, over the steps) and the same quantity for the hand-written loop;
 *
 * Settings: (a) Fashion-MNIST MLP 784-256-256-10, batch 128, wasm (and cpu, fewer steps), on the
 * real data when `/usr/share/datasets/fashion-mnist` (or $LRS_DATA_DIR) holds it, else on random
 * images of the right shape (`data = csv(...)` of 784 random columns); (b) a 4-32-2 MLP, batch 32,
 * on a random 4-feature CSV, on wasm and cpu. Then the whole-process wall time of
 * `lrs run examples/fashion-mlp.lrs --backend wasm`. About two and a half minutes on a 2-core
 * machine (the repeats damp this VM's run-to-run noise, which is of the size of the targets).
 *
 * Run: `node packages/runtime/bench/overhead.bench.ts [quick]` (`quick`: tiny step counts, to
 * check the script; `OVERHEAD_SKIP_CLI=1` skips the spawned CLI run; `OVERHEAD_ONLY=tiny` or `=fashion`
 * runs one setting and no CLI run).
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { compile, evaluateSchedule, printResolved, type RunIR } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import { Effect, Layer } from "effect"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Backend, type BackendRequest } from "../src/backend/Backend.ts"
import { createBatchSampler } from "../src/data/batches.ts"
import { createRng } from "../src/data/random.ts"
import { loadData, type Split } from "../src/data/load.ts"
import { createModel, type Model } from "../src/model/create.ts"
import { softmaxCrossEntropy } from "../src/model/mlp.ts"
import { Reporter } from "../src/run/Reporter.ts"
import { RunStore } from "../src/run/RunStore.ts"
import { type Summary, train } from "../src/run/train.ts"

const quick = process.argv.includes("quick")
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..")
const work = mkdtempSync(join(tmpdir(), "lrs-overhead-"))
const LOG_EVERY = 10
/** The recipe's 200-step warmup, shortened for runs too short to hold it (timing does not depend on it). */
const warmupFor = (steps: number): number => Math.max(1, Math.min(200, Math.floor(steps / 4)))

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

// ---------------------------------------------------------------------------------------------
// Specs

const fashionDataAvailable = (): boolean => {
  const dirs = [
    ...(process.env["LRS_DATA_DIR"] ? [join(process.env["LRS_DATA_DIR"], "fashion-mnist"), process.env["LRS_DATA_DIR"]] : []),
    "/usr/share/datasets/fashion-mnist"
  ]
  return dirs.some((d) => existsSync(join(d, "train-images-idx3-ubyte.gz")) || existsSync(join(d, "train-images-idx3-ubyte")))
}

/** A CSV of `rows` rows: `features` standard-normal columns f0.. and a label in [0, classes). */
const writeRandomCsv = (file: string, rows: number, features: number, classes: number, seed: number): void => {
  const rng = createRng(seed)
  const header = [...Array.from({ length: features }, (_, i) => `f${i}`), "label"].join(",")
  const lines = [header]
  for (let r = 0; r < rows; r++) {
    const xs = Array.from({ length: features }, () => rng.normal().toFixed(4))
    lines.push([...xs, String(rng.int(classes))].join(","))
  }
  writeFileSync(file, lines.join("\n") + "\n")
}

interface Setting {
  readonly label: string
  readonly data: string
  readonly dataNote: string
  readonly hidden: ReadonlyArray<number>
  readonly batch: number
}

const specText = (s: Setting, steps: number): string => `lrs 1
experiment overhead {
  seed = 1
  steps = ${steps}
  batch = ${s.batch}
  data = ${s.data}
  model = mlp(hidden = [${s.hidden.join(", ")}], activation = relu)
  optimizer = adamw(lr = warmup(${warmupFor(steps)} steps, cosine(1e-3 -> 0)), weight_decay = 1e-4)
  evaluate every ${steps} steps on validation [accuracy, loss]
  log every ${LOG_EVERY} steps [throughput]
}
`

const compiled = (s: Setting, steps: number): { ir: RunIR; text: string; resolved: string } => {
  const text = specText(s, steps)
  const result = compile(text, { file: join(work, "overhead.lrs") })
  const errors = result.diagnostics.filter((d) => d.severity === "error")
  if (result.ir === undefined || result.origins === undefined || errors.length > 0) {
    throw new Error(`spec does not compile: ${JSON.stringify(result.diagnostics)}`)
  }
  return { ir: result.ir, text, resolved: printResolved(result.ir, result.origins) }
}

// ---------------------------------------------------------------------------------------------
// The two sides

interface Measured {
  readonly steps: number
  /** Wall ms from before the step-0 evaluation to after the last evaluation, per step. */
  readonly msPerStep: number
  /** Ms from the end of the step-0 evaluation to the last logged step (the last step), per step. */
  readonly trainMsPerStep: number
  readonly finalLoss: number
}

let runCounter = 0

const runLrs = (s: Setting, steps: number) =>
  Effect.gen(function*() {
    const { ir, text, resolved } = compiled(s, steps)
    const out = join(work, `run-${++runCounter}`)
    const summary: Summary = yield* train({ ir, spec: text, resolved, destination: { out }, data: { baseDir: work } })
    // Each train row's throughput covers the steps since the previous logged step (or since the
    // end of the step-0 evaluation): examples / seconds.
    let trainMs = 0
    let previous = -1
    for (const line of readFileSync(join(out, "metrics.jsonl"), "utf8").split("\n")) {
      if (line.trim() === "") continue
      const row = JSON.parse(line) as { kind: string; step: number; throughput?: number }
      if (row.kind !== "train") continue
      trainMs += ((row.step - previous) * ir.batch * 1000) / row.throughput!
      previous = row.step
    }
    if (previous !== steps - 1) throw new Error(`the last train row is step ${previous}, expected ${steps - 1}`)
    rmSync(out, { recursive: true, force: true })
    return { steps: summary.steps, msPerStep: summary.msPerStep, trainMsPerStep: trainMs / steps, finalLoss: summary.final["train"]!["loss"]! } satisfies Measured
  })

/** train.ts's `evaluate`, as a hand-written loop would have it. */
const evaluateSplit = (model: Model, split: Split, features: number): { accuracy: number; loss: number } => {
  const chunk = 1000
  let lossSum = 0
  let correct = 0
  for (let start = 0; start < split.n; start += chunk) {
    const n = Math.min(chunk, split.n - start)
    const [l, c] = tf.tidy(() => {
      const x = tf.tensor2d(split.x.subarray(start * features, (start + n) * features), [n, features])
      const y = tf.tensor1d(split.y.subarray(start, start + n), "int32")
      const logits = model.forward(x, { training: false, step: 0 })
      const loss = softmaxCrossEntropy(logits, y)
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), "float32"))
      return [loss.dataSync()[0]! * n, hits.dataSync()[0]!]
    })
    lossSum += l
    correct += c
  }
  return { accuracy: correct / split.n, loss: lossSum / split.n }
}

/** warmup(W steps, cosine(peak -> 0)) over T steps, in closed form. */
const lrAt = (t: number, steps: number, peak = 1e-3, w = warmupFor(steps)): number =>
  t < w ? (peak * t) / w : (peak * (1 + Math.cos((Math.PI * Math.min(t - w, steps - w)) / (steps - w)))) / 2

const runHand = (s: Setting, steps: number) =>
  Effect.gen(function*() {
    const { ir } = compiled(s, steps)
    for (let t = 0; t <= steps; t++) {
      const d = Math.abs(lrAt(t, steps) - evaluateSchedule(ir.optimizer.lr, t))
      if (d > 1e-15) throw new Error(`closed-form lr differs from the compiled schedule at t=${t} by ${d}`)
    }
    // Loaded every run, as the trainer does (outside the timing of both), so both sides train
    // with the same garbage-collection background.
    const data = yield* loadData(ir.data, ir.seed, { baseDir: work })
    const features = data.features
    const model = createModel(ir.model, data.shape, data.classes, ir.seed)
    const vars = model.variables.map((v) => v.variable)
    const m = vars.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)))
    const v2 = vars.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)))
    const sampler = createBatchSampler(data.train.n, ir.seed)
    const B = ir.batch
    const xBuf = new Float32Array(B * features)
    const yBuf = new Int32Array(B)
    const beta1 = 0.9
    const beta2 = 0.999
    const eps = 1e-8
    const wd = 1e-4
    const rows: Array<{ step: number; loss: number; lr: number }> = []
    let lastLoss = Number.NaN
    const started = performance.now()
    evaluateSplit(model, data.validation!, features)
    const trainStart = performance.now()
    let trainEnd = trainStart
    for (let t = 0; t < steps; t++) {
      const idx = sampler.nextBatch(B)
      for (let i = 0; i < B; i++) {
        const src = idx[i]!
        xBuf.set(data.train.x.subarray(src * features, (src + 1) * features), i * features)
        yBuf[i] = data.train.y[src]!
      }
      const lr = lrAt(t, steps)
      const k = t + 1
      const stepSize = lr / (1 - beta1 ** k)
      const bias2Sqrt = Math.sqrt(1 - beta2 ** k)
      const loss = tf.tidy(() => {
        const x = tf.tensor2d(xBuf, [B, features])
        const y = tf.tensor1d(yBuf, "int32")
        const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(model.forward(x, { training: true, step: t }), y), vars)
        vars.forEach((p, i) => {
          const g = grads[p.name]!
          const base = tf.mul(p, 1 - lr * wd)
          m[i]!.assign(tf.add(tf.mul(m[i]!, beta1), tf.mul(g, 1 - beta1)))
          v2[i]!.assign(tf.add(tf.mul(v2[i]!, beta2), tf.mul(tf.square(g), 1 - beta2)))
          const denom = tf.add(tf.div(tf.sqrt(v2[i]!), bias2Sqrt), eps)
          p.assign(tf.sub(base, tf.mul(tf.div(m[i]!, denom), stepSize)))
        })
        return value
      })
      if (t % LOG_EVERY === 0 || t === steps - 1) {
        lastLoss = loss.dataSync()[0]!
        rows.push({ step: t, loss: lastLoss, lr })
      }
      loss.dispose()
      if (t === steps - 1) trainEnd = performance.now()
    }
    evaluateSplit(model, data.validation!, features)
    const wallMs = performance.now() - started
    tf.dispose([...m, ...v2])
    model.dispose()
    return { steps, msPerStep: wallMs / steps, trainMsPerStep: (trainEnd - trainStart) / steps, finalLoss: lastLoss } satisfies Measured
  })

// ---------------------------------------------------------------------------------------------
// Comparisons

interface Comparison {
  readonly lrs: number
  readonly hand: number
  /** Per training step, evaluations excluded. */
  readonly lrsTrain: number
  readonly handTrain: number
  readonly lossLrs: number
  readonly lossHand: number
}

/**
 * One warm-up run of each side, then `reps` rounds of `steps` steps of each, alternating which
 * side goes first, and the medians.
 */
const compare = (s: Setting, steps: number, reps: number, warm: number) =>
  Effect.gen(function*() {
    yield* runLrs(s, warm)
    yield* runHand(s, warm)
    const lrs: Array<Measured> = []
    const hand: Array<Measured> = []
    for (let r = 0; r < reps; r++) {
      const order = r % 2 === 0 ? ["lrs", "hand"] : ["hand", "lrs"]
      for (const side of order) {
        if (side === "lrs") lrs.push(yield* runLrs(s, steps))
        else hand.push(yield* runHand(s, steps))
      }
    }
    return {
      lrs: median(lrs.map((m) => m.msPerStep)),
      hand: median(hand.map((m) => m.msPerStep)),
      lrsTrain: median(lrs.map((m) => m.trainMsPerStep)),
      handTrain: median(hand.map((m) => m.trainMsPerStep)),
      lossLrs: lrs[0]!.finalLoss,
      lossHand: hand[0]!.finalLoss
    } satisfies Comparison
  })

const layers = (backend: BackendRequest) =>
  Layer.mergeAll(Backend.layer(backend), RunStore.layer.pipe(Layer.provide(NodeServices.layer)), Reporter.layerMemory([]), NodeServices.layer)

const lossCheck = (c: Comparison): string =>
  `final logged loss lrs ${c.lossLrs.toFixed(6)} / hand-written ${c.lossHand.toFixed(6)}${Math.abs(c.lossLrs - c.lossHand) < 1e-3 ? "" : "  (DIFFERENT)"}`

const program = Effect.gen(function*() {
  const real = fashionDataAvailable()
  let fashionData: string
  let dataNote: string
  if (real) {
    // 600 images held out for the two evaluations every run makes (update 0, the end), so they
    // stay cheap; the train split is 59,400 images.
    fashionData = "fashion_mnist(validation_fraction = 0.01)"
    dataNote = "real Fashion-MNIST, 59,400 train / 600 validation evaluated"
  } else {
    writeRandomCsv(join(work, "fashion-random.csv"), 6000, 784, 10, 3)
    const cols = Array.from({ length: 784 }, (_, i) => `"f${i}"`).join(", ")
    fashionData = `csv(path = "fashion-random.csv", features = [${cols}], label = "label", test_fraction = 0.1, validation_fraction = 0.12)`
    dataNote = "random 784-feature data (no Fashion-MNIST files found): 4,752 train / 648 validation evaluated"
  }
  writeRandomCsv(join(work, "tiny.csv"), 2000, 4, 2, 4)
  const fashion: Setting = { label: "fashion MLP 784-256-256-10 b128", data: fashionData, dataNote, hidden: [256, 256], batch: 128 }
  const tiny: Setting = {
    label: "tiny MLP 4-32-2 b32",
    data: `csv(path = "tiny.csv", features = ["f0", "f1", "f2", "f3"], label = "label", test_fraction = 0.1, validation_fraction = 0.12)`,
    dataNote: "random 4-feature CSV, 1,584 train / 216 validation evaluated",
    hidden: [32],
    batch: 32
  }
  const q = (n: number, small: number) => (quick ? small : n)
  const fashionWasm = { steps: q(400, 30), reps: q(7, 1), warm: q(100, 8) }
  const fashionCpu = { steps: q(30, 6), reps: 1, warm: q(4, 4) }
  const tinyRun = { steps: q(3000, 300), reps: q(9, 1), warm: q(1000, 100) }

  console.log(`lrs runtime overhead vs a hand-written tfjs loop; node ${process.version}; ${real ? "real data" : "random data"}`)
  console.log(
    `settings: seed 1, adamw lr warmup(min(200, T/4) steps, cosine(1e-3 -> 0)) over T steps wd 1e-4, evaluate every <T> steps on validation [accuracy, loss] (update 0 and the end), log every ${LOG_EVERY} steps [throughput]; lrs = train() in-process with RunStore (temp dir) and Reporter.layerMemory`
  )

  const only = process.env["OVERHEAD_ONLY"]
  const runs = (part: "fashion" | "tiny") => only === undefined || only === part

  // (a) fashion MLP on wasm
  if (runs("fashion")) yield* Effect.gen(function*() {
    const c = yield* compare(fashion, fashionWasm.steps, fashionWasm.reps, fashionWasm.warm)
    const ratio = c.lrsTrain / c.handTrain
    console.log(`${fashion.label} wasm (${fashion.dataNote}; ${fashionWasm.steps} steps, median of ${fashionWasm.reps} runs each):`)
    console.log(
      `  fashion MLP b128 wasm: lrs ${c.lrsTrain.toFixed(2)} ms/step, hand-written ${c.handTrain.toFixed(2)} ms/step, ratio ${ratio.toFixed(3)} (target <= 1.03: ${ratio <= 1.03 ? "met" : "MISSED"}); overhead ${((c.lrsTrain - c.handTrain) * 1000).toFixed(0)} us/step`
    )
    console.log(`  with the 2 evaluations (summary msPerStep): lrs ${c.lrs.toFixed(2)} ms/step, hand-written ${c.hand.toFixed(2)} ms/step, ratio ${(c.lrs / c.hand).toFixed(3)}`)
    console.log(`  ${lossCheck(c)}`)
  }).pipe(Effect.provide(layers("wasm")))

  // (b) tiny MLP on wasm, then cpu
  for (const backend of ["wasm", "cpu"] as const) {
    if (!runs("tiny")) break
    yield* Effect.gen(function*() {
      const c = yield* compare(tiny, tinyRun.steps, tinyRun.reps, tinyRun.warm)
      const overheadUs = (c.lrsTrain - c.handTrain) * 1000
      console.log(`${tiny.label} ${backend} (${tiny.dataNote}; ${tinyRun.steps} steps, median of ${tinyRun.reps} runs each):`)
      console.log(
        `  tiny 4-32-2 b32 ${backend}: lrs ${(c.lrsTrain * 1000).toFixed(1)} us/step, hand-written ${(c.handTrain * 1000).toFixed(1)} us/step, added overhead ${overheadUs.toFixed(1)} us/step (target < 20 us: ${overheadUs < 20 ? "met" : "MISSED"})`
      )
      console.log(`  with the 2 evaluations (summary msPerStep): lrs ${(c.lrs * 1000).toFixed(1)} us/step, hand-written ${(c.hand * 1000).toFixed(1)} us/step`)
      console.log(`  ${lossCheck(c)}`)
    }).pipe(Effect.provide(layers(backend)))
  }

  // fashion MLP on cpu: few steps (about 200 ms/step)
  if (runs("fashion")) yield* Effect.gen(function*() {
    const c = yield* compare(fashion, fashionCpu.steps, fashionCpu.reps, fashionCpu.warm)
    console.log(`${fashion.label} cpu (${fashion.dataNote}; ${fashionCpu.steps} steps, 1 run each):`)
    console.log(`  fashion MLP b128 cpu: lrs ${c.lrsTrain.toFixed(1)} ms/step, hand-written ${c.handTrain.toFixed(1)} ms/step, ratio ${(c.lrsTrain / c.handTrain).toFixed(3)}`)
    console.log(`  with the 2 evaluations (summary msPerStep): lrs ${c.lrs.toFixed(1)} ms/step, hand-written ${c.hand.toFixed(1)} ms/step, ratio ${(c.lrs / c.hand).toFixed(3)}`)
    console.log(`  ${lossCheck(c)}`)
  }).pipe(Effect.provide(layers("cpu")))

  // Whole process: `lrs run examples/fashion-mlp.lrs --backend wasm`.
  if (process.env["OVERHEAD_SKIP_CLI"] === "1" || quick || only !== undefined) {
    console.log("whole process `lrs run examples/fashion-mlp.lrs --backend wasm`: skipped")
  } else {
    const out = join(work, "cli-run")
    const started = performance.now()
    const child = spawnSync(process.execPath, ["packages/cli/src/bin.ts", "run", "examples/fashion-mlp.lrs", "--backend", "wasm", "--out", out], {
      cwd: repoRoot,
      encoding: "utf8"
    })
    const wall = (performance.now() - started) / 1000
    const done = child.stdout.split("\n").find((l) => l.startsWith("done:")) ?? `(no done line; exit ${child.status}) ${child.stderr.slice(-500)}`
    console.log(`whole process \`lrs run examples/fashion-mlp.lrs --backend wasm\`: ${wall.toFixed(1)} s wall; ${done}`)
  }
  rmSync(work, { recursive: true, force: true })
})

Effect.runPromise(program).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
