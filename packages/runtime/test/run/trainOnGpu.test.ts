import { assert, describe, it } from "@effect/vitest"
import { NodeServices } from "@effect/platform-node"
import { compile, printResolved } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import { Effect, Layer } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Backend } from "../../src/backend/Backend.ts"
import { Reporter } from "../../src/run/Reporter.ts"
import { RunStore } from "../../src/run/RunStore.ts"
import { train } from "../../src/run/train.ts"
import { softwareGpuUnavailable } from "../backend/softwareGpu.ts"

/**
 * Every feature that reads tensors back, trained a few updates on the software GPU (webgpu on
 * Mesa llvmpipe, where a synchronous read throws) and on cpu: the metrics rows must agree within
 * 1e-4 relative. Specs are tiny (the software GPU takes ~5-100 ms per step), log every 50 steps
 * (the GPU's floor, so both backends log the same rows) and have no dropout (its masks are drawn
 * per backend, by design).
 */

const unavailable = await softwareGpuUnavailable()
if (unavailable !== undefined) console.warn(`software GPU tests skipped: ${unavailable}`)

const supervised = (body: string, steps = 40, optimizer = "adam(lr = 0.01)") => `lrs 1
experiment tiny {
  seed = 3
  steps = ${steps}
  batch = 16
  data = spirals(samples = 200, classes = 4)
  model = mlp(hidden = [16])
  optimizer = ${optimizer}
${body}
  log every 50 steps
}
`

// RL runs log on the env-step clock, which the GPU does not change.
const rl = (body: string, steps: number, every: number) => `lrs 1
experiment loop {
  seed = 4
  steps = ${steps}
${body}
  log every ${every} steps
}
`

const cases: ReadonlyArray<readonly [string, string]> = [
  ["weight averaging (ema), evaluated and checkpointed", supervised("  average = ema(0.9)\n  evaluate every 20 steps on test [accuracy, loss]\n  checkpoint every 20 steps")],
  ["a continual stream with sampled-Fisher EWC (online), replay and checkpoints", supervised(`  stream {
    tasks = split(classes_per_task = 2)
    replay = reservoir(capacity = 40, fraction = 0.25)
    regularizer = ewc(lambda = 10, fisher = sampled, mode = online, samples = 24)
  }
  evaluate every 10 steps on test [accuracy, loss]
  checkpoint every 20 steps`)],
  ["a continual stream with LwF, task-incremental", supervised(`  stream {
    tasks = split(classes_per_task = 2)
    scenario = task_incremental
    regularizer = lwf(alpha = 1)
  }
  evaluate every 20 steps on test [accuracy, loss]`)],
  ["a curriculum scored by the model's own loss", supervised(`  curriculum {
    score = loss(every = 15 steps)
    pacing = linear(0.3 -> 1)
    sampler = weighted
  }
  evaluate every 20 steps on test [accuracy, loss]`)],
  ["a bandit curriculum (reads every batch's loss)", supervised(`  curriculum {
    score = loss(every = 20 steps)
    arms = bins(2)
    bandit = sec(lr = 0.5, temperature = 0.2)
  }
  evaluate every 20 steps on test [accuracy, loss]`)],
  ["AutoLRS", supervised("  evaluate every 20 steps on test [accuracy, loss]", 40, "adam(lr = autolrs(min = 1e-4, max = 1e-1, every = 20 steps, trials = 3, trial = 4 steps))")],
  ["an HDET ensemble", supervised("  ensemble = hdet(replicas = 2, average_every = 10 steps)\n  evaluate every 20 steps on test [accuracy, loss]\n  checkpoint every 20 steps", 30)],
  ["PPO on CartPole, checkpointed", rl(`  data = cartpole(copies = 4)
  model = mlp(hidden = [16], activation = tanh)
  optimizer = adam(lr = 1e-3, epsilon = 1e-5)
  rl {
    algorithm = ppo(rollout = 8, epochs = 2, minibatches = 2, max_grad_norm = 0.5, truncation = bootstrap)
  }
  checkpoint every 64 steps`, 96, 32)],
  ["REINFORCE on FrozenLake", rl(`  data = frozen_lake(copies = 4, slippery = false)
  model = mlp(hidden = [16], activation = tanh)
  optimizer = adam(lr = 1e-2)
  rl {
    algorithm = reinforce(gamma = 0.95, baseline = whiten)
  }`, 60, 10)],
  ["GRPO on digit-sum with a KL reference", rl(`  data = digit_sum(prompts = 2, group = 4, max_target = 9, max_length = 4)
  model = gru(hidden = 8, embedding = 4)
  optimizer = adam(lr = 3e-3)
  rl {
    algorithm = grpo(minibatches = 2, beta = 0.02)
  }`, 60, 10)]
]

const layers = (request: "cpu" | "gpu") =>
  Layer.mergeAll(Backend.layer(request), RunStore.layer.pipe(Layer.provide(NodeServices.layer)), Reporter.layerMemory([]), NodeServices.layer)

/** Trains `text` on `request` and returns its metrics rows and summary. */
const trainOn = (request: "cpu" | "gpu", text: string) =>
  Effect.gen(function*() {
    const compiled = compile(text, { file: "tiny.lrs" })
    assert.deepStrictEqual(compiled.diagnostics, [])
    const out = join(mkdtempSync(join(tmpdir(), `lrs-${request}-`)), "run")
    const summary = yield* train({ ir: compiled.ir!, spec: text, resolved: printResolved(compiled.ir!, compiled.origins!), destination: { out } }).pipe(Effect.provide(layers(request)))
    const rows = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>)
    return { rows, summary }
  })

/** Where two JSON values differ by more than 1e-4 relative (or 1e-6 absolute), with the path. */
const mismatches = (cpu: unknown, gpu: unknown, path: string, out: Array<string>): void => {
  if (typeof cpu === "number" && typeof gpu === "number") {
    if (Math.abs(cpu - gpu) > Math.max(1e-4 * Math.max(Math.abs(cpu), Math.abs(gpu)), 1e-6)) out.push(`${path}: cpu ${cpu}, gpu ${gpu}`)
  } else if (typeof cpu === "object" && cpu !== null && typeof gpu === "object" && gpu !== null) {
    const keys = new Set([...Object.keys(cpu), ...Object.keys(gpu)])
    for (const k of keys) mismatches((cpu as Record<string, unknown>)[k], (gpu as Record<string, unknown>)[k], `${path}.${k}`, out)
  } else if (cpu !== gpu) out.push(`${path}: cpu ${JSON.stringify(cpu)}, gpu ${JSON.stringify(gpu)}`)
}

describe.skipIf(unavailable !== undefined)("training on the software GPU (webgpu, llvmpipe) gives cpu's numbers", () => {
  for (const [name, text] of cases) {
    it.effect(`${name}: every metrics row within 1e-4 relative of cpu`, () =>
      Effect.gen(function*() {
        const cpu = yield* trainOn("cpu", text)
        const before = tf.memory().numTensors
        const gpu = yield* trainOn("gpu", text)
        // The asynchronous paths dispose what they read, as the synchronous ones do.
        assert.strictEqual(tf.memory().numTensors, before, "tensors left after the GPU run")
        assert.strictEqual(gpu.summary.backend, "webgpu")
        assert.strictEqual(cpu.summary.backend, "cpu")
        assert.strictEqual(gpu.rows.length, cpu.rows.length)
        assert.isAbove(cpu.rows.length, 1)
        const out: Array<string> = []
        mismatches(cpu.rows, gpu.rows, "rows", out)
        mismatches(cpu.summary.final, gpu.summary.final, "final", out)
        if ("continual" in cpu.summary) mismatches(cpu.summary.continual, gpu.summary.continual, "continual", out)
        assert.deepStrictEqual(out, [])
      }), 240_000)
  }
})
