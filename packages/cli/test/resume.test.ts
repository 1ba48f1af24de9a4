import { describe, expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { decodeEvent, readRecords } from "@lrs/runtime/tensorboard"

/** Kill a real `lrs run` with SIGKILL mid-run, resume it, and compare with a run never interrupted. */
const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")
const lrs = (args: ReadonlyArray<string>) => spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: "utf8" })

// Each backend also keeps one kind of weight average, so both are resumed exactly.
const spec = (average: string) => `lrs 1
experiment killed {
  seed = 3
  steps = 1200
  batch = 64
  data = spirals(samples = 2000, classes = 3, noise = 0.03)
  model = mlp(hidden = [64, 64], dropout = linear(0.2 -> 0))
  optimizer = adamw(lr = warmup(10%, cosine(1e-2 -> 0)), clip_norm = 5)
  evaluate every 200 steps
  log every 10 steps [grad_norm, ema(loss, 0.9)]
  checkpoint every 100 steps
  average = ${average}
}
`

/** Every scalar of a run's TensorBoard file as `step tag value`, after the file-version record. */
const tensorBoardScalars = (run: string): Array<string> => {
  const records = readRecords(readFileSync(join(run, "tb", "events.out.tfevents.0.lrs"))).map(decodeEvent)
  expect(records[0]).toMatchObject({ step: 0, fileVersion: "brain.Event:2" })
  return records.slice(1).flatMap((e) => ("scalars" in e ? e.scalars.map((s) => `${e.step} ${s.tag} ${s.value}`) : []))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Starts a run and SIGKILLs it once the checkpoint after `after` updates exists. */
const runAndKill = async (file: string, out: string, backend: string, after: number, extra: ReadonlyArray<string> = []) => {
  const child = spawn(process.execPath, [bin, "run", file, "--backend", backend, "--out", out, ...extra], { cwd: repo, stdio: "ignore" })
  const marker = join(out, "checkpoints", `step-${String(after).padStart(8, "0")}`)
  const deadline = Date.now() + 60_000
  while (!existsSync(marker) && Date.now() < deadline && child.exitCode === null) await sleep(5)
  child.kill("SIGKILL")
  await new Promise((r) => child.once("exit", r))
  return child.signalCode
}

/**
 * Runs `file` on cpu uninterrupted, and again killed after the checkpoint at `after` and resumed
 * (`cut` flags for both); expects the same final weights and the same metrics, row for row.
 */
const killedMatchesWhole = async (
  dir: string,
  file: string,
  /** The checkpoint to kill after: its update (or env step), or the whole run's first one. */
  after: number | "first",
  options: {
    readonly whole?: ReadonlyArray<string>
    readonly cut?: ReadonlyArray<string>
    readonly beforeResume?: () => void
    readonly backend?: string
    /** What the last checkpoint holds: a supervised run's tensors and state, or an RL run's `rl.json`. */
    readonly rl?: boolean
  } = {}
) => {
  const backend = options.backend ?? "cpu"
  const whole = lrs(["run", file, "--backend", backend, "--out", join(dir, "whole"), ...(options.whole ?? [])])
  expect(whole.status, whole.stderr).toBe(0)
  const checkpoints = readdirSync(join(dir, "whole", "checkpoints")).sort()
  const at = after === "first" ? Number(checkpoints[0]!.slice("step-".length)) : after
  expect(await runAndKill(file, join(dir, "cut"), backend, at, options.cut)).toBe("SIGKILL")
  // The uninterrupted run's last checkpoint, which the killed one had not reached.
  const last = join("checkpoints", checkpoints.at(-1)!)
  expect(existsSync(join(dir, "cut", last))).toBe(false)
  options.beforeResume?.()
  const resumed = lrs(["resume", join(dir, "cut"), "--backend", backend, ...(options.cut ?? [])])
  expect(resumed.status, resumed.stderr).toBe(0)
  const kept = options.rl === true ? "rl.json" : "tensors.bin"
  expect(Buffer.compare(readFileSync(join(dir, "cut", last, kept)), readFileSync(join(dir, "whole", last, kept)))).toBe(0)
  const metrics = readFileSync(join(dir, "whole", "metrics.jsonl"), "utf8")
  expect(readFileSync(join(dir, "cut", "metrics.jsonl"), "utf8")).toBe(metrics)
  // The TensorBoard mirror too, but for wall times: the resume rewrote it from what was kept.
  expect(tensorBoardScalars(join(dir, "cut"))).toEqual(tensorBoardScalars(join(dir, "whole")))
  return {
    whole: whole.stdout,
    resumed: resumed.stdout,
    rows: metrics.trim().split("\n").map((l) => JSON.parse(l)),
    state: JSON.parse(readFileSync(join(dir, "cut", last, options.rl === true ? "rl.json" : "state.json"), "utf8"))
  }
}

describe("lrs resume", () => {
  for (const [backend, average] of [["cpu", "ema(0.99)"], ["wasm", "last(3, every = 50 steps)"]] as const) {
    it(`continues a run killed with SIGKILL and ends bitwise equal to an uninterrupted run (${backend})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `lrs-resume-${backend}-`))
      const file = join(dir, "killed.lrs")
      writeFileSync(file, spec(average))
      const whole = lrs(["run", file, "--backend", backend, "--out", join(dir, "whole")])
      expect(whole.status, whole.stderr).toBe(0)

      const signal = await runAndKill(file, join(dir, "cut"), backend, 300)
      expect(signal).toBe("SIGKILL")
      const checkpoints = readdirSync(join(dir, "cut", "checkpoints")).filter((n) => n.startsWith("step-"))
      expect(checkpoints.length).toBeGreaterThanOrEqual(3)
      expect(checkpoints).not.toContain("step-00001200")
      // A kill mid-write may leave a torn last line; resume repairs it.
      writeFileSync(join(dir, "cut", "metrics.jsonl"), readFileSync(join(dir, "cut", "metrics.jsonl"), "utf8") + '{"kind":"train","st')

      const resumed = lrs(["resume", join(dir, "cut"), "--backend", backend])
      expect(resumed.status, resumed.stderr).toBe(0)
      expect(resumed.stdout).toMatch(/resuming .* from the checkpoint after \d+ updates/)

      const final = (run: string) => readFileSync(join(dir, run, "checkpoints", "step-00001200", "tensors.bin"))
      expect(Buffer.compare(final("cut"), final("whole"))).toBe(0)
      // Everything logged is the same, row for row, as if nothing had happened.
      expect(readFileSync(join(dir, "cut", "metrics.jsonl"), "utf8")).toBe(readFileSync(join(dir, "whole", "metrics.jsonl"), "utf8"))
      const summary = JSON.parse(readFileSync(join(dir, "cut", "summary.json"), "utf8"))
      expect(summary.steps).toBe(1200)
      // The averaged weights were evaluated and checkpointed beside the raw ones.
      expect(summary.final["test.average"].accuracy).toBeGreaterThan(0.5)
      const state = JSON.parse(readFileSync(join(dir, "cut", "checkpoints", "step-00001200", "state.json"), "utf8"))
      expect(state.average.sets.map((s: { step: number }) => s.step)).toEqual(average.startsWith("ema") ? [1200] : [1100, 1150, 1200])
    })
  }

  it("brings back the state of plateau schedules, so the reductions after a resume are the uninterrupted run's", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-resume-plateau-"))
    const file = join(dir, "plateau.lrs")
    writeFileSync(file, `lrs 1
experiment plateau {
  seed = 7
  steps = 600
  batch = 64
  data = spirals(samples = 1200, classes = 3, noise = 0.03)
  model = mlp(hidden = [32])
  optimizer = sgd(lr = plateau(0.5, on = test.loss, factor = 0.5, patience = 0, threshold = 0.05), momentum = 0.9)
  evaluate every 25 steps on test [accuracy, loss]
  log every 10 steps
  checkpoint every 100 steps
}
`)
    const whole = lrs(["run", file, "--out", join(dir, "whole")])
    expect(whole.status, whole.stderr).toBe(0)
    // The run as a kill after the checkpoint at 300 would leave it (the SIGKILL itself is tested above).
    cpSync(join(dir, "whole"), join(dir, "cut"), { recursive: true })
    for (const step of ["00000400", "00000500", "00000600"]) rmSync(join(dir, "cut", "checkpoints", `step-${step}`), { recursive: true })
    rmSync(join(dir, "cut", "summary.json"))
    const saved = JSON.parse(readFileSync(join(dir, "cut", "checkpoints", "step-00000300", "state.json"), "utf8"))
    const before = Object.values(saved.plateaus as Record<string, { reductions: number }>)[0]!.reductions
    expect(before).toBeGreaterThan(0)

    const resumed = lrs(["resume", join(dir, "cut")])
    expect(resumed.status, resumed.stderr).toBe(0)
    expect(readFileSync(join(dir, "cut", "metrics.jsonl"), "utf8")).toBe(readFileSync(join(dir, "whole", "metrics.jsonl"), "utf8"))
    const summary = JSON.parse(readFileSync(join(dir, "cut", "summary.json"), "utf8"))
    const after = Object.values(summary.plateaus as Record<string, number>)[0]!
    expect(after).toBeGreaterThan(before)
    expect(summary.plateaus).toEqual(JSON.parse(readFileSync(join(dir, "whole", "summary.json"), "utf8")).plateaus)
  })

  it("resumes an autolrs search killed with SIGKILL: same choices, same weights as an uninterrupted run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-resume-autolrs-"))
    const file = join(dir, "search.lrs")
    writeFileSync(file, `lrs 1
experiment search {
  seed = 4
  steps = 500
  batch = 64
  data = spirals(samples = 1200, classes = 3, noise = 0.03)
  model = mlp(hidden = [32, 32])
  optimizer = adamw(lr = autolrs(min = 1e-4, max = 0.1, every = 100 steps, trial = 15 steps, trials = 4))
  evaluate every 100 steps
  log every 10 steps
  checkpoint every 50 steps
}
`)
    const { rows, state } = await killedMatchesWhole(dir, file, 250)
    // One search per stage, each choosing among its candidates; the lr logged is the stage's choice.
    const searches = rows.filter((r) => r.kind === "search")
    expect(searches.map((r) => r.step)).toEqual([0, 100, 200, 300, 400])
    for (const r of searches) expect(r.candidates).toContain(r.chosen)
    for (const r of rows.filter((r) => r.kind === "train")) expect(r.lr).toBe(searches[Math.floor(r.step / 100)].chosen)
    expect(state.search.chosen).toEqual(searches.map((r) => r.chosen))
  })

  it("resumes an HDET ensemble killed with SIGKILL: every replica, optimizer and the exploration come back, whatever the threads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-resume-hdet-"))
    const file = join(dir, "ensemble.lrs")
    writeFileSync(file, `lrs 1
experiment ensemble {
  seed = 6
  steps = 400
  batch = 48
  data = spirals(samples = 1200, classes = 3, noise = 0.03)
  model = mlp(hidden = [32, 32], dropout = 0.1)
  optimizer = adamw(lr = cosine(1e-2 -> 0))
  ensemble = hdet(replicas = 3, spread = 0.5, average_every = 40 steps, meta_from = 80 steps, explore = [lr, dropout])
  evaluate every 100 steps
  log every 10 steps
  checkpoint every 50 steps
}
`)
    // The uninterrupted run on one thread, the killed one on two worker threads: the same numbers.
    const { whole, resumed, rows, state } = await killedMatchesWhole(dir, file, 150, { whole: ["--threads", "1"], cut: ["--threads", "2"] })
    expect(whole).toContain("ensemble: 3 replicas on 1 thread")
    expect(resumed).toContain("ensemble: 3 replicas on 2 threads")
    // Averaged every 40 updates and at the end; rescaled from update 80 on.
    const syncs = rows.filter((r) => r.kind === "ensemble")
    expect(syncs.map((r) => r.step)).toEqual([40, 80, 120, 160, 200, 240, 280, 320, 360, 400])
    expect(syncs.map((r) => r.meta)).toEqual([false, true, true, true, true, true, true, true, true, true])
    expect(syncs.at(-1).scales.lr).not.toBe(1)
    expect(Object.keys(state.model).filter((k) => k.startsWith("replica2/")).length).toBeGreaterThan(0)
    expect(state.replicas).toHaveLength(2)
  })

  it("resumes a run on a refined schedule killed with SIGKILL: the schedule lives in the IR, not in the baseline run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-resume-refined-"))
    const common = (lr: string, log: string) => `lrs 1
experiment refined {
  seed = 2
  steps = 300
  batch = 64
  data = spirals(samples = 1200, classes = 3, noise = 0.03)
  model = mlp(hidden = [32, 32])
  optimizer = sgd(lr = ${lr}, momentum = 0.9)
  evaluate every 100 steps
  ${log}
  checkpoint every 50 steps
}
`
    writeFileSync(join(dir, "baseline.lrs"), common("linear(0.2 -> 0)", "log every 1 steps [grad_norm]"))
    expect(lrs(["run", join(dir, "baseline.lrs"), "--backend", "cpu", "--out", join(dir, "baseline")]).status).toBe(0)
    const file = join(dir, "refined.lrs")
    writeFileSync(file, common(`refined(from = "baseline", peak = 0.2)`, "log every 10 steps"))
    // The baseline is gone by the time the run resumes: ir.json holds the refined schedule.
    await killedMatchesWhole(dir, file, 100, { beforeResume: () => rmSync(join(dir, "baseline"), { recursive: true }) })
    expect(JSON.parse(readFileSync(join(dir, "whole", "ir.json"), "utf8")).optimizer.lr.kind).toBe("piecewise")
  })

  const curricula = [
    ["a weighted cyclical curriculum", "pacing = cyclical(start = 0.25, end = 1, multiplier = 0.5, every = 40 steps)\n    sampler = weighted"],
    ["a bandit curriculum", "arms = bins(3)\n    bandit = sec(lr = 0.5, temperature = linear(1 -> 0.1))"],
    ["a staged curriculum", "pacing = stages(count = 3, on = ema(loss, 0.9), patience = 20, threshold = 0.02, max = 120 steps)"]
  ] as const
  for (const [what, body] of curricula) {
    it(`resumes ${what} killed with SIGKILL: scores, sampler and bandit state come back`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "lrs-resume-curriculum-"))
      const file = join(dir, "paced.lrs")
      writeFileSync(file, `lrs 1
experiment paced {
  seed = 8
  steps = 300
  batch = 32
  data = spirals(samples = 1200, classes = 3, noise = 0.03)
  model = mlp(hidden = [32, 32])
  optimizer = adamw(lr = 3e-3)
  curriculum {
    score = loss(every = 100 steps)
    ${body}
  }
  evaluate every 100 steps
  log every 10 steps
  checkpoint every 50 steps
}
`)
      // Killed after 150 updates: mid-way between two scorings.
      const { rows, state } = await killedMatchesWhole(dir, file, 150)
      const train = rows.filter((r) => r.kind === "train")
      if (body.includes("cyclical")) expect(new Set(train.map((r) => r["curriculum.fraction"]))).toEqual(new Set([0.25, 0.5, 1]))
      else if (body.includes("bandit")) expect(new Set(train.map((r) => r["curriculum.arm"]))).toEqual(new Set([0, 1, 2]))
      else expect(new Set(train.map((r) => r["curriculum.fraction"]))).toEqual(new Set([1 / 3, 2 / 3, 1]))
      expect(state.curriculum.rng).toBeTypeOf("number")
      // Scored at updates 0 and 100 before the kill, and 200 after the resume.
      expect(JSON.parse(readFileSync(join(dir, "cut", "summary.json"), "utf8")).curriculum.scorings).toBe(3)
    })
  }

  it("scores a curriculum by a teacher run's last checkpoint, and says when the teacher has none", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-curriculum-teacher-"))
    const spec = (body: string) => `lrs 1
experiment taught {
  seed = 8
  steps = 100
  batch = 32
  data = spirals(samples = 600, classes = 3, noise = 0.03)
  model = mlp(hidden = [16])
  optimizer = adamw(lr = 3e-3)
  ${body}
}
`
    writeFileSync(join(dir, "teacher.lrs"), spec("checkpoint every 100 steps"))
    expect(lrs(["run", join(dir, "teacher.lrs"), "--backend", "cpu", "--out", join(dir, "teacher")]).status).toBe(0)
    writeFileSync(join(dir, "student.lrs"), spec(`curriculum {\n    score = reference(from = "teacher")\n    pacing = linear(0.2 -> 1)\n  }`))
    const student = lrs(["run", join(dir, "student.lrs"), "--backend", "cpu", "--out", join(dir, "student")])
    expect(student.status, student.stderr).toBe(0)
    expect(JSON.parse(readFileSync(join(dir, "student", "summary.json"), "utf8")).curriculum.scorings).toBe(1)
    writeFileSync(join(dir, "untaught.lrs"), spec(`curriculum {\n    score = reference(from = "student")\n  }`))
    const untaught = lrs(["run", join(dir, "untaught.lrs"), "--backend", "cpu", "--out", join(dir, "untaught")])
    expect(untaught.status).toBe(1)
    expect(untaught.stderr).toContain("untaught.lrs:9:3: error: the curriculum's reference run")
    expect(untaught.stderr).toContain("has no checkpoint")
  })

  it("resumes a continual stream killed with SIGKILL mid-task: sampler and replay buffer come back, and the accuracy matrix is whole", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-resume-stream-"))
    const file = join(dir, "stream.lrs")
    writeFileSync(file, `lrs 1
experiment split {
  seed = 3
  steps = 400
  batch = 32
  data = spirals(samples = 1600, classes = 4, noise = 0.03)
  model = mlp(hidden = [32, 32])
  optimizer = sgd(lr = 0.1, momentum = 0.9)
  stream {
    tasks = split(classes_per_task = 2)
    replay = reservoir(capacity = 100, fraction = 0.5)
  }
  evaluate every 50 steps
  log every 10 steps
  checkpoint every 50 steps
}
`)
    // Killed after 250 updates: in the second task, with a full replay buffer.
    const { rows } = await killedMatchesWhole(dir, file, 250)
    expect(rows.filter((r) => r.kind === "eval" && r.task === 1).length).toBe(9)
    const summary = JSON.parse(readFileSync(join(dir, "cut", "summary.json"), "utf8"))
    expect(summary.continual).toEqual(JSON.parse(readFileSync(join(dir, "whole", "summary.json"), "utf8")).continual)
    expect(summary.continual.matrix).toHaveLength(2)
    expect(summary.continual.matrix[1][0]).toBeGreaterThan(0.2)
  })

  // The EWC stream also has tasks of different budgets and batch sizes (the lr re-warms where each starts).
  for (const [regularizer, replay, budgets, described] of [
    ["ewc(lambda = 50, fisher = sampled, mode = online, gamma = 0.9, samples = 64)", "none", "budgets = [80 steps, 120 steps, 100 steps]\n    batches = [32, 16, 32]", "stream: 3 split tasks of 80/120/100 updates of 32/16/32 examples"],
    ["lwf(alpha = 1, temperature = 2)", "class_balanced(capacity = 60, fraction = concat)", "", "stream: 3 split tasks of 100 updates of 32"]
  ] as const) {
    it(`resumes a stream with \`${regularizer.slice(0, 3)}\` and replay ${replay.slice(0, 14)} killed after a task ended: anchors and buffer come back`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "lrs-resume-anchors-"))
      const file = join(dir, "stream.lrs")
      writeFileSync(file, `lrs 1
experiment anchored {
  seed = 5
  steps = 300
  batch = 32
  data = spirals(samples = 1800, classes = 6, noise = 0.03)
  model = mlp(hidden = [32, 32])
  optimizer = sgd(lr = restart(warmup(10%, cosine(0.1 -> 0.01)), every = 1 tasks), momentum = 0.9)
  stream {
    tasks = split(classes_per_task = 2)
    regularizer = ${regularizer}
    replay = ${replay}
    ${budgets}
    test_subsample = 100
  }
  evaluate every 25 steps
  log every 10 steps
  checkpoint every 50 steps
}
`)
      // Killed after 250 updates: in the third task, two anchors (or the second teacher) in force.
      const { state, whole, resumed } = await killedMatchesWhole(dir, file, 250)
      expect(whole).toContain(described)
      expect(whole).toContain("continual: average accuracy")
      expect(resumed).toContain("continual: average accuracy")
      expect(state.anchors.terms).toHaveLength(1)
      expect(state.anchors.terms[0].importance === undefined).toBe(regularizer.startsWith("lwf"))
      const summary = JSON.parse(readFileSync(join(dir, "cut", "summary.json"), "utf8"))
      expect(summary.continual).toEqual(JSON.parse(readFileSync(join(dir, "whole", "summary.json"), "utf8")).continual)
    })
  }

  it("resumes a SCoLe sequence with k-FPF killed between two fine-tunings: per-class rows, fine-tunings and the summary come back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-resume-scole-"))
    const file = join(dir, "scole.lrs")
    writeFileSync(file, `lrs 1
experiment scole {
  seed = 2
  steps = 300
  batch = 32
  data = spirals(samples = 1600, classes = 4, noise = 0.03)
  model = mlp(hidden = [32, 32])
  optimizer = sgd(lr = 0.1)
  stream {
    tasks = scole(tasks = 20, classes_per_task = 2, seed = 3)
    replay = reservoir(capacity = 60, timing = k_fpf(k = 3, modules = [output], iterations = 5, lr = 0.05))
  }
  evaluate every 50 steps
  log every 10 steps
  checkpoint every 50 steps
}
`)
    // Killed after 150 updates: one fine-tuning (after 100) done, two to come.
    const { rows, whole } = await killedMatchesWhole(dir, file, 150)
    expect(whole).toContain("20 SCoLe tasks (2 classes each")
    expect(whole).toContain("scole: accuracy over every class where tasks ended")
    expect(rows.filter((r) => r.kind === "fpf").map((r) => r.step)).toEqual([100, 200, 300])
    expect(rows.filter((r) => r.kind === "fpf")[0].modules).toEqual(["layer2.weight", "layer2.bias"])
    expect(rows.filter((r) => r.kind === "eval" && r.step === 300 && r.class !== undefined)).toHaveLength(4)
    const summary = JSON.parse(readFileSync(join(dir, "cut", "summary.json"), "utf8"))
    expect(summary.continual).toEqual(JSON.parse(readFileSync(join(dir, "whole", "summary.json"), "utf8")).continual)
    expect(summary.continual.kind).toBe("scole")
    expect(summary.continual.curve).toHaveLength(20)
  })

  // PPO on CartPole, and GRPO on digit-sum with both closed-loop controllers, Entrocraft's entropic weights, SEC and a plateau lr on a `train.*` signal (their state is in the checkpoint too),
  // and DAPO's dynamic sampling and overlong punishment, D3S's down-sampling and OBLR-PO's baseline (stateless, but extra batches and draws).
  for (const [name, body, steps, every] of ([
    ["PPO", `  data = cartpole(copies = 4)
  model = mlp(hidden = [32, 32], activation = relu)
  optimizer = adam(lr = linear(1e-3 -> 0), epsilon = 1e-5)
  rl {
    algorithm = ppo(rollout = 64, epochs = adaptive_replay(low = 1, high = 3, every = 3, gap = 1), minibatches = 2, entropy = linear(0.01 -> 0), lr_scale = snr)
  }`, 15360, 256],
    ["PPO on a drifting bandit", `  data = bandit(arms = 5, copies = 4, drift = 0.05)
  model = mlp(hidden = [16], activation = tanh)
  optimizer = adam(lr = 0.01)
  rl {
    algorithm = ppo(rollout = 16, epochs = 2, minibatches = 2, gamma = 0, lambda = 0, entropy = 0)
  }`, 2048, 64],
    ["GRPO", `  data = digit_sum(prompts = 4, group = 4, max_target = 18, max_length = 6)
  model = gru(hidden = 16, embedding = 8)
  optimizer = adam(lr = plateau(3e-3, on = ema(train.accuracy, 0.5), mode = max, factor = 0.7, patience = 1))
  rl {
    algorithm = grpo(minibatches = 2, beta = adaptive_kl(initial = 0.02, target = 0.005, horizon = 200), entropy = adaptive_entropy(target = 1, delta = 0.01), entropy_target = linear(2.4 -> 2.39), filter = zero_variance, max_generations = 2, overlong_cache = 2, keep_tokens = linear(0.5 -> 1), baseline = gradient_weighted, lr_scale = snr)
    length_limit = 6 - cyclic(0 -> 2, up = 25%)
    curriculum = sec(lr = 0.5, temperature = 0.2)
  }`, 6000, 0]
  ] as const).flatMap((c): Array<readonly [string, string, number, number]> => (c[0] === "GRPO" ? [
    c,
    // With digit-sum's checks too: the step features are recomputed from the env copies' states.
    ["GRPO with CurES", c[1].replace("curriculum = sec(lr = 0.5, temperature = 0.2)", "curriculum = cures(temperature = 0.1)").replace("max_length = 6)", "max_length = 6, reflect = true)"), c[2], c[3]],
    // Groups of unequal sizes: probes, then extra answers on the same prompts, around a scheduled mean.
    ["GRPO with CurES's allocation and a scheduled group size", c[1].replace("curriculum = sec(lr = 0.5, temperature = 0.2)", "curriculum = cures(temperature = 0.1, allocation = variance, rollouts = [2, 6])\n    group_size = linear(2 -> 4)"), c[2], c[3]]
  ] : [c]))) {
    it(`resumes an RL run (${name}) killed with SIGKILL: env copies, policy, Adam, random streams, controllers and the episode window come back`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "lrs-resume-rl-"))
      const file = join(dir, "rl.lrs")
      writeFileSync(file, `lrs 1
experiment loop {
  seed = 4
  steps = ${steps}
${body}
  log every 256 steps
  checkpoint every 1024 steps
}
`)
      // Killed after the first checkpoint (1024 env steps, or for GRPO the first iteration past them).
      const { rows, resumed, state } = await killedMatchesWhole(dir, file, "first", { backend: "wasm", rl: true })
      expect(resumed).toMatch(/resuming .* from the checkpoint after \d+ env steps/)
      if (name === "PPO on a drifting bandit") {
        // The q* walk (one stream shared by the copies) is in the env's state: optimal pulls are counted against the walked values.
        expect(rows.every((r) => r.optimal_action >= 0 && r.optimal_action <= 1)).toBe(true)
        expect(state.learner.env.copies.map((c: { state: { q: Array<number> } }) => c.state.q)).toEqual(Array(4).fill(state.learner.env.copies[0].state.q))
      } else if (every > 0) {
        // A row per iteration of 256 env steps; the entropy bonus and the lr read before each rollout.
        expect(rows.map((r) => r.step)).toEqual(Array.from({ length: steps / every }, (_, i) => (i + 1) * every))
        expect(rows[0].lr).toBe(1e-3)
        expect(rows[1].entropy_coef).toBeCloseTo(0.01 * (1 - 256 / 15360), 12)
        // The replay ratio switched after the second window (iteration 6, past the kill at 1024 env steps) and stayed; the SNR factor moved.
        expect(rows.map((r) => r.epochs)).toEqual(Array.from({ length: steps / every }, (_, i) => (i < 6 ? 1 : 3)))
        expect(rows.every((r) => r.fau > 0 && r.fau <= 1)).toBe(true)
        expect(rows[0].lr_scale).toBe(1)
        expect(new Set(rows.map((r) => r.lr_scale)).size).toBeGreaterThan(1)
        expect(state.replay).toEqual({ switched: true, sum: expect.any(Number), count: expect.any(Number), previous: expect.any(Number) })
        expect(state.snr).toEqual({ scale: expect.any(Number) })
      } else {
        // The KL coefficient moved under its controller, and it is in the checkpoint.
        expect(new Set(rows.map((r) => r.beta)).size).toBeGreaterThan(1)
        expect(state.controllers).toEqual({ beta: expect.any(Number), entropy: { coef: expect.any(Number), apply: expect.any(Boolean) }, entropyAlpha: expect.any(Number) })
        // Entrocraft's entropic alpha moved (the entropy stays near 2.4-2.5 nats here), within its clip, and is in the checkpoint; the target is read before each rollout.
        expect(new Set(rows.map((r) => r.entropy_alpha)).size).toBeGreaterThan(1)
        expect(rows.every((r) => r.entropy_alpha >= -1 && r.entropy_alpha <= 1 && r.entropy_target <= 2.4 && r.entropy_target >= 2.39)).toBe(true)
        // SEC's values, or CurES's answer counts (every answer of the run so far counted once).
        if (name === "GRPO") {
          expect(state.sec.values).toHaveLength(2)
          // Each bin's share of right answers, where the iteration drew it.
          const shares = rows.flatMap((r) => [r.c0, r.c1].filter((c) => c !== undefined))
          expect(shares.length).toBeGreaterThan(rows.length)
          expect(shares.every((c) => c >= 0 && c <= 1)).toBe(true)
        } else {
          // Rows of a run with checks count them (W tokens per answer).
          if (name === "GRPO with CurES") expect(rows.every((r) => r.checks >= 0 && r.checks < 6)).toBe(true)
          if (name !== "GRPO with CurES") {
            expect(rows[0].group_size).toBe(2)
            expect(rows.at(-1).group_size).toBe(4)
            expect(rows.some((r) => r.group_size_max > r.group_size_min)).toBe(true)
          }
          expect(state.cures.correct).toHaveLength(2)
          expect(state.cures.all.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0)
          expect(rows.every((r) => r.p0 + r.p1 > 0.999 && r.a0 > 0 && r.a0 < 1)).toBe(true)
        }
        expect(state.snr).toEqual({ scale: expect.any(Number) })
        // The plateau on the smoothed accuracy cut the lr before the kill: its state and the board's average are in the checkpoint.
        expect(Object.values(state.signals.plateaus).map((p) => (p as { reductions: number }).reductions)).toEqual([expect.any(Number)])
        expect(state.signals.signals["ema(train.accuracy, 0.5)"]).toEqual(expect.any(Number))
        expect(new Set(rows.map((r) => r.lr)).size).toBeGreaterThan(1)
        expect(new Set(rows.map((r) => r.p0)).size).toBeGreaterThan(1)
        expect(rows.some((r) => r.generations === 2)).toBe(true)
        expect(rows.every((r) => r.overlong_penalty <= 0 && r.trained_tokens <= 1)).toBe(true)
        // Null only in an iteration that kept no group.
        expect(rows.every((r) => (r.baseline_shift === null) === (r.trained_answers === 0))).toBe(true)
      }
    })
  }

  it("says which file of a damaged run directory is wrong and how to go on, without a stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-resume-damaged-"))
    const file = join(dir, "small.lrs")
    writeFileSync(file, "lrs 1\nexperiment small {\n  steps = 40\n  data = spirals(samples = 300)\n  model = mlp(hidden = [8])\n  optimizer = adam(lr = 1e-2)\n  checkpoint every 20 steps\n}\n")
    expect(lrs(["run", file, "--out", join(dir, "run")]).status).toBe(0)
    const damage = (name: string, how: (run: string) => void) => {
      cpSync(join(dir, "run"), join(dir, name), { recursive: true })
      how(join(dir, name))
      return lrs(["resume", join(dir, name)])
    }
    const state = damage("state", (run) => writeFileSync(join(run, "checkpoints", "step-00000040", "state.json"), "{bad"))
    expect(state.status).toBe(1)
    expect(state.stderr).toContain("step-00000040: this checkpoint is damaged (state.json is not JSON); remove its folder to resume from the one before")
    const tensors = damage("tensors", (run) => truncateSync(join(run, "checkpoints", "step-00000040", "tensors.bin"), 100))
    expect(tensors.status).toBe(1)
    expect(tensors.stderr).toContain("tensors.bin holds 25 floats, fewer than state.json places in it")
    const ir = damage("ir", (run) => writeFileSync(join(run, "ir.json"), "{"))
    expect(ir.status).toBe(2)
    expect(ir.stderr).toContain("ir.json is not valid JSON: the run directory is damaged")
    // A continual run made before per-task budgets (its stream has `stepsPerTask`).
    const older = damage("older", (run) => {
      const text = JSON.parse(readFileSync(join(run, "ir.json"), "utf8"))
      writeFileSync(join(run, "ir.json"), JSON.stringify({ ...text, stream: { tasks: { kind: "split", classes: [[0], [1]] }, stepsPerTask: 20 } }))
    })
    expect(older.status).toBe(2)
    expect(older.stderr).toContain("was made by an older lrs, whose stream IR this one cannot resume; run its spec.lrs again with lrs run")
    for (const r of [state, tensors, ir, older]) expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it("says what is wrong with a directory that is not a run", () => {
    const r = lrs(["resume", mkdtempSync(join(tmpdir(), "lrs-notrun-"))])
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("is not a run directory (cannot read ir.json)")
  })
})
