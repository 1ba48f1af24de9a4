/**
 * The runtime's overhead per training step: the lrs trainer (`train`, called in-process on a
 * compiled spec) against a hand-written tfjs loop doing the same math on the same backend.
 *
 * Both sides use `createModel` (identical init), the same batches (`createBatchSampler` with the
 * run seed, so the same indices), the same loss (`softmaxCrossEntropy`) and AdamW with the same
 * warmup+cosine learning rate, and both evaluate the test split at update 0 and at the end in
 * chunks of 1,000 (what `evaluate every <budget> steps` makes the trainer do). What only the lrs
 * side does is the overhead being measured: batch gathering into fresh arrays, Effect, the loss read
 * back every step, `lossAndGradients`' name mapping, schedule evaluation in the optimizer and in log
 * rows, the signal board, the `metrics.jsonl` append every `log every` steps, the reporter. The
 * hand-written loop gathers into reused buffers, evaluates the lr in closed form, runs AdamW
 * inline (the formulas of `optim/adam.ts`), reads the loss only at log steps and keeps its log
 * rows in memory.
 *
 * Figures:
 * - per run, `summary.msPerStep` (wall from the step-0 evaluation to the end / steps) and the
 *   same quantity for the hand-written loop;
 * - per step without the fixed costs (evaluations, set-up): (wall(long) - wall(short)) / (long - short)
 *   over a long and a short run of each side.
 *
 * Settings: (a) Fashion-MNIST MLP 784-256-256-10, batch 128, wasm (and cpu, fewer steps), on the
 * real data when `/usr/share/datasets/fashion-mnist` (or $LRS_DATA_DIR) holds it, else on random
 * images of the right shape (`data = csv(...)` of 784 random columns); (b) a 4-32-2 MLP, batch 32,
 * on a random 4-feature CSV, on wasm and cpu. Then the whole-process wall time of
 * `lrs run examples/fashion-mlp.lrs --backend wasm`.
 *
 * Run: `node packages/runtime/bench/overhead.bench.ts [quick]` (`quick`: tiny step counts, to
 * check the script; `OVERHEAD_SKIP_CLI=1` skips the spawned CLI run).
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
const warmupFor = (steps: number): number => Math.min(200, Math.floor(steps / 4))

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
  evaluate every ${steps} steps on test [accuracy, loss]
  log every ${LOG_EVERY} steps
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
  readonly wallMs: number
  readonly finalLoss: number
}

let runCounter = 0

const runLrs = (s: Setting, steps: number) =>
  Effect.gen(function*() {
    const { ir, text, resolved } = compiled(s, steps)
    const out = join(work, `run-${++runCounter}`)
    const summary: Summary = yield* train({ ir, spec: text, resolved, destination: { out }, data: { baseDir: work } })
    const written = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Summary
    rmSync(out, { recursive: true, force: true })
    return { steps: summary.steps, msPerStep: written.msPerStep, wallMs: written.wallSeconds * 1000, finalLoss: summary.final["train"]!["loss"]! } satisfies Measured
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
    evaluateSplit(model, data.test, features)
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
    }
    evaluateSplit(model, data.test, features)
    const wallMs = performance.now() - started
    tf.dispose([...m, ...v2])
    model.dispose()
    return { steps, msPerStep: wallMs / steps, wallMs, finalLoss: lastLoss } satisfies Measured
  })

// ---------------------------------------------------------------------------------------------
// Comparisons

interface Comparison {
  readonly lrs: number
  readonly hand: number
  /** Per step without fixed costs, from long minus short runs. */
  readonly lrsMarginal: number
  readonly handMarginal: number
  readonly lossLrs: number
  readonly lossHand: number
}

/**
 * Alternates lrs and hand-written runs (short, long) `reps` times after one warm-up pair, and
 * returns medians. Returns summary-style ms/step at the long length and the marginal per-step cost.
 */
const compare = (s: Setting, short: number, long: number, reps: number, warm: number) =>
  Effect.gen(function*() {
    yield* runLrs(s, warm)
    yield* runHand(s, warm)
    const lrsLong: Array<number> = []
    const handLong: Array<number> = []
    const lrsMarg: Array<number> = []
    const handMarg: Array<number> = []
    let lossLrs = Number.NaN
    let lossHand = Number.NaN
    for (let r = 0; r < reps; r++) {
      const ls = yield* runLrs(s, short)
      const hs = yield* runHand(s, short)
      const ll = yield* runLrs(s, long)
      const hl = yield* runHand(s, long)
      lrsLong.push(ll.msPerStep)
      handLong.push(hl.msPerStep)
      lrsMarg.push((ll.wallMs - ls.wallMs) / (long - short))
      handMarg.push((hl.wallMs - hs.wallMs) / (long - short))
      lossLrs = ll.finalLoss
      lossHand = hl.finalLoss
    }
    return {
      lrs: median(lrsLong),
      hand: median(handLong),
      lrsMarginal: median(lrsMarg),
      handMarginal: median(handMarg),
      lossLrs,
      lossHand
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
    fashionData = "fashion_mnist()"
    dataNote = "real Fashion-MNIST (60,000 train / 10,000 test)"
  } else {
    writeRandomCsv(join(work, "fashion-random.csv"), 6000, 784, 10, 3)
    const cols = Array.from({ length: 784 }, (_, i) => `"f${i}"`).join(", ")
    fashionData = `csv(path = "fashion-random.csv", features = [${cols}], label = "label", test_fraction = 0.2)`
    dataNote = "random 784-feature data (no Fashion-MNIST files found): 4,800 train / 1,200 test"
  }
  writeRandomCsv(join(work, "tiny.csv"), 2000, 4, 2, 4)
  const fashion: Setting = { label: "fashion MLP 784-256-256-10 b128", data: fashionData, dataNote, hidden: [256, 256], batch: 128 }
  const tiny: Setting = {
    label: "tiny MLP 4-32-2 b32",
    data: `csv(path = "tiny.csv", features = ["f0", "f1", "f2", "f3"], label = "label", test_fraction = 0.2)`,
    dataNote: "random 4-feature CSV, 1,600 train / 400 test",
    hidden: [32],
    batch: 32
  }
  const q = (n: number, small: number) => (quick ? small : n)
  const fashionWasm = { short: q(100, 10), long: q(400, 30), reps: q(3, 1), warm: q(100, 8) }
  const fashionCpu = { short: q(10, 4), long: q(40, 8), reps: 1, warm: q(4, 4) }
  const tinyRun = { short: q(1000, 100), long: q(4000, 300), reps: q(5, 1), warm: q(1000, 100) }

  console.log(`lrs runtime overhead vs a hand-written tfjs loop; node ${process.version}; ${real ? "real data" : "random data"}`)
  console.log(
    `settings: seed 1, adamw lr warmup(min(200, T/4) steps, cosine(1e-3 -> 0)) over T steps wd 1e-4, evaluate every <budget> steps on test [accuracy, loss] (update 0 and the end), log every ${LOG_EVERY} steps; lrs = train() in-process with RunStore (temp dir) and Reporter.layerMemory`
  )

  const results: Array<string> = []
  const say = (line: string) => {
    console.log(line)
    results.push(line)
  }

  // (a) fashion MLP on wasm
  yield* Effect.gen(function*() {
    const c = yield* compare(fashion, fashionWasm.short, fashionWasm.long, fashionWasm.reps, fashionWasm.warm)
    const ratio = c.lrs / c.hand
    say(`${fashion.label} wasm (${fashion.dataNote}; ${fashionWasm.long} steps, median of ${fashionWasm.reps}):`)
    say(`  summary ms/step incl. 2 evaluations: lrs ${c.lrs.toFixed(2)} ms/step, hand-written ${c.hand.toFixed(2)} ms/step, ratio ${ratio.toFixed(3)} (target <= 1.03: ${ratio <= 1.03 ? "met" : "MISSED"})`)
    const mr = c.lrsMarginal / c.handMarginal
    say(`  per step without fixed costs ((${fashionWasm.long}-${fashionWasm.short}) steps): lrs ${c.lrsMarginal.toFixed(2)} ms/step, hand-written ${c.handMarginal.toFixed(2)} ms/step, ratio ${mr.toFixed(3)}, overhead ${((c.lrsMarginal - c.handMarginal) * 1000).toFixed(0)} us/step`)
    say(`  ${lossCheck(c)}`)
  }).pipe(Effect.provide(layers("wasm")))

  // (b) tiny MLP on wasm, then cpu
  for (const backend of ["wasm", "cpu"] as const) {
    yield* Effect.gen(function*() {
      const c = yield* compare(tiny, tinyRun.short, tinyRun.long, tinyRun.reps, tinyRun.warm)
      const overheadUs = (c.lrsMarginal - c.handMarginal) * 1000
      say(`${tiny.label} ${backend} (${tiny.dataNote}; ${tinyRun.short} and ${tinyRun.long} steps, median of ${tinyRun.reps}):`)
      say(`  per step without fixed costs: lrs ${(c.lrsMarginal * 1000).toFixed(1)} us/step, hand-written ${(c.handMarginal * 1000).toFixed(1)} us/step, added overhead ${overheadUs.toFixed(1)} us/step (target < 20 us: ${overheadUs < 20 ? "met" : "MISSED"})`)
      say(`  summary ms/step at ${tinyRun.long} steps: lrs ${c.lrs.toFixed(4)}, hand-written ${c.hand.toFixed(4)} (difference ${((c.lrs - c.hand) * 1000).toFixed(1)} us/step)`)
      say(`  ${lossCheck(c)}`)
    }).pipe(Effect.provide(layers(backend)))
  }

  // fashion MLP on cpu: few steps (about 250 ms/step)
  yield* Effect.gen(function*() {
    const c = yield* compare(fashion, fashionCpu.short, fashionCpu.long, fashionCpu.reps, fashionCpu.warm)
    say(`${fashion.label} cpu (${fashion.dataNote}; ${fashionCpu.long} steps, 1 run each):`)
    say(`  summary ms/step incl. 2 evaluations: lrs ${c.lrs.toFixed(1)} ms/step, hand-written ${c.hand.toFixed(1)} ms/step, ratio ${(c.lrs / c.hand).toFixed(3)}`)
    say(`  per step without fixed costs ((${fashionCpu.long}-${fashionCpu.short}) steps): lrs ${c.lrsMarginal.toFixed(1)} ms/step, hand-written ${c.handMarginal.toFixed(1)} ms/step, ratio ${(c.lrsMarginal / c.handMarginal).toFixed(3)}`)
    say(`  ${lossCheck(c)}`)
  }).pipe(Effect.provide(layers("cpu")))

  // Whole process: `lrs run examples/fashion-mlp.lrs --backend wasm`.
  if (process.env["OVERHEAD_SKIP_CLI"] === "1" || quick) {
    say("whole process `lrs run examples/fashion-mlp.lrs --backend wasm`: skipped")
  } else {
    const out = join(work, "cli-run")
    const started = performance.now()
    const child = spawnSync(process.execPath, ["packages/cli/src/bin.ts", "run", "examples/fashion-mlp.lrs", "--backend", "wasm", "--out", out], {
      cwd: repoRoot,
      encoding: "utf8"
    })
    const wall = (performance.now() - started) / 1000
    const done = child.stdout.split("\n").find((l) => l.startsWith("done:")) ?? `(no done line; exit ${child.status}) ${child.stderr.slice(-500)}`
    say(`whole process \`lrs run examples/fashion-mlp.lrs --backend wasm\`: ${wall.toFixed(1)} s wall; ${done}`)
  }
  rmSync(work, { recursive: true, force: true })
})

Effect.runPromise(program).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
