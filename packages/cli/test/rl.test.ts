import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

/** `rl { }` experiments through the CLI: a real loop, its rows and summary, determinism, `lrs runs`. */
const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")
const lrs = (args: ReadonlyArray<string>) => spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: "utf8" })

const lake = `lrs 1
experiment lake {
  seed = 1
  steps = 16000
  data = frozen_lake(copies = 16, slippery = false)
  model = mlp(hidden = [32], activation = tanh)
  optimizer = adam(lr = 1e-2)
  rl {
    algorithm = reinforce(gamma = 0.95, baseline = whiten)
  }
  log every 500 steps
}
`

describe("rl experiments", () => {
  it("REINFORCE learns the way across a frozen lake, the same way every time, and lrs runs ranks it by return", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-rl-"))
    writeFileSync(join(dir, "lake.lrs"), lake)
    const runs = join(dir, "runs")
    const first = lrs(["run", join(dir, "lake.lrs"), "--backend", "wasm", "--out", join(runs, "a")])
    expect(first.status, first.stderr).toBe(0)
    expect(first.stdout).toContain("rl: REINFORCE, an episode per copy (16) per update, baseline whiten on frozen_lake")
    const rows = readFileSync(join(runs, "a", "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>)
    // A random walk seldom reaches the goal; the learnt policy always does (return 1 per episode).
    expect(rows[0]!["return"]).toBeLessThan(0.1)
    expect(rows.at(-1)!["return"]).toBeGreaterThan(0.9)
    const summary = JSON.parse(readFileSync(join(runs, "a", "summary.json"), "utf8"))
    // Whole episodes: the last update ends at or just past the budget.
    expect(summary.steps).toBeGreaterThanOrEqual(16000)
    expect(summary.rl.episodes).toBe(rows.at(-1)!["episodes"])
    expect(summary.final.train.return).toBeGreaterThan(0.9)
    const again = lrs(["run", join(dir, "lake.lrs"), "--backend", "wasm", "--out", join(runs, "b")])
    expect(again.status, again.stderr).toBe(0)
    expect(readFileSync(join(runs, "b", "metrics.jsonl"), "utf8")).toBe(readFileSync(join(runs, "a", "metrics.jsonl"), "utf8"))
    const listed = JSON.parse(lrs(["runs", runs, "--format", "json"]).stdout) as Array<{ name: string; best: { metric: string; value: number } }>
    expect(listed.find((r) => r.name === "a")!.best.metric).toBe("train.return")
    expect(listed.find((r) => r.name === "a")!.best.value).toBe(Math.max(...rows.map((r) => r["return"]!)))
  })

  it("GRPO learns digit-sum from the spec: accuracy rises as answers shorten, with the length cap it was given", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-rl-grpo-"))
    writeFileSync(join(dir, "digits.lrs"), `lrs 1
experiment digits {
  seed = 1
  steps = 16000
  data = digit_sum(prompts = 16, group = 8, max_target = 9, max_length = 8)
  model = gru(hidden = 64, embedding = 16)
  optimizer = adam(lr = 3e-3)
  rl {
    algorithm = grpo(epochs = 2, minibatches = 4)
    length_limit = 8 - cyclic(0 -> 2, up = 50%)
  }
  log every 500 steps
}
`)
    const r = lrs(["run", join(dir, "digits.lrs"), "--backend", "wasm", "--out", join(dir, "run")])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain("GRPO (TRL's loss, sequence normalisation, advantages scaled by the group std), 16 prompts x 8 answers per iteration")
    const rows = readFileSync(join(dir, "run", "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>)
    const late = rows.slice(-5).reduce((a, row) => a + row["accuracy"]!, 0) / 5
    expect(rows[0]!["accuracy"]).toBeLessThan(0.1)
    expect(late).toBeGreaterThan(0.5)
    expect(rows.at(-1)!["answer_length"]).toBeLessThan(rows[0]!["answer_length"]!)
    // The cap read before each rollout: 8 at first, 6 halfway, never outside 6..8.
    expect(rows[0]!["length_limit"]).toBe(8)
    expect(rows.every((row) => row["length_limit"]! >= 6 && row["length_limit"]! <= 8)).toBe(true)
    expect(rows.some((row) => row["length_limit"] === 6)).toBe(true)
  })

  it("a run counted in iterations stops after them, reads its schedules at the iterations done, and resumes on that clock", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-rl-iterations-"))
    writeFileSync(join(dir, "iterations.lrs"), `lrs 1
experiment iterations {
  seed = 3
  steps = 12 iterations
  data = digit_sum(prompts = 4, group = 4, max_target = 9, max_length = 6)
  model = gru(hidden = 16, embedding = 8)
  optimizer = adam(lr = 3e-3)
  rl {
    algorithm = grpo()
    budget = linear(6 -> 3)
  }
  log every 1 iterations
  checkpoint every 5 iterations
}
`)
    const r = lrs(["run", join(dir, "iterations.lrs"), "--backend", "wasm", "--out", join(dir, "run")])
    expect(r.status, r.stderr).toBe(0)
    const rowsOf = (run: string) => readFileSync(join(dir, run, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>)
    const rows = rowsOf("run")
    expect(rows.map((row) => row["step"])).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    expect(rows.every((row) => row["iteration"] === row["step"])).toBe(true)
    // Each iteration's budget is read before its rollout, at the iterations done: 6 - 3 t / 12.
    expect(rows.map((row) => row["budget_value"])).toEqual(rows.map((row) => 6 - (3 * (row["step"]! - 1)) / 12))
    // Env steps still counted (the tokens generated), growing every iteration.
    expect(rows.every((row, i) => i === 0 || row["env_steps"]! > rows[i - 1]!["env_steps"]!)).toBe(true)
    const summary = JSON.parse(readFileSync(join(dir, "run", "summary.json"), "utf8"))
    expect(summary.steps).toBe(12)
    expect(summary.rl.iterations).toBe(12)
    expect(readdirSync(join(dir, "run", "checkpoints")).sort()).toEqual(["step-00000005", "step-00000010", "step-00000012"])
    // Its chart's x axis is the run's clock.
    const plotted = lrs(["plot", join(dir, "run"), "--name", "accuracy", "-o", join(dir, "accuracy.svg")])
    expect(plotted.status, plotted.stderr).toBe(0)
    const svg = readFileSync(join(dir, "accuracy.svg"), "utf8")
    expect(svg).toContain("iterations")
    expect(svg).not.toContain("environment steps")
    // Resumed from iteration 10 (the last checkpoint but one), the last two iterations come back the same.
    cpSync(join(dir, "run"), join(dir, "again"), { recursive: true })
    rmSync(join(dir, "again", "checkpoints", "step-00000012"), { recursive: true })
    const resumed = lrs(["resume", join(dir, "again"), "--backend", "wasm"])
    expect(resumed.status, resumed.stderr).toBe(0)
    expect(resumed.stdout).toContain("from the checkpoint after 10 iterations")
    expect(rowsOf("again")).toEqual(rows)
  })

  it("GRPO with a scheduled group size, and with CurES's rollout allocation: rows show the groups each iteration made", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-rl-groups-"))
    const spec = (rl: string) => `lrs 1
experiment groups {
  seed = 2
  steps = 3000
  data = digit_sum(prompts = 8, group = 8, max_target = 18, max_length = 6)
  model = gru(hidden = 16, embedding = 8)
  optimizer = adam(lr = 3e-3)
  rl {
    algorithm = grpo()
${rl}
  }
  log every 1 steps
}
`
    const rowsOf = (name: string, rl: string) => {
      writeFileSync(join(dir, `${name}.lrs`), spec(rl))
      const r = lrs(["run", join(dir, `${name}.lrs`), "--backend", "wasm", "--out", join(dir, name)])
      expect(r.status, r.stderr).toBe(0)
      return { stdout: r.stdout, rows: readFileSync(join(dir, name, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>) }
    }
    // A row per iteration: its size read at the env steps before it, rounded, and 8 prompts x that many answers.
    const scheduled = rowsOf("scheduled", "    group_size = linear(2 -> 8)")
    expect(scheduled.stdout).toContain("8 prompts x group_size answers per iteration")
    const sizes = scheduled.rows.map((r) => r["group_size"]!)
    expect(sizes[0]).toBe(2)
    sizes.forEach((n, i) => expect(n).toBe(Math.round(2 + (6 * (i === 0 ? 0 : scheduled.rows[i - 1]!["step"]!)) / 3000)))
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(6)
    scheduled.rows.forEach((r, i) => expect(r["episodes"]! - (i === 0 ? 0 : scheduled.rows[i - 1]!["episodes"]!)).toBe(8 * sizes[i]!))
    // CurES: 4 probes per prompt, 4..12 answers each by the probes' spread; every answer (probes too) counted.
    const allocated = rowsOf("allocated", "    curriculum = cures(temperature = 0.1, allocation = variance, rollouts = [4, 12])")
    expect(allocated.stdout).toContain("(CurES's allocation: 4 probes, 4..12 a prompt)")
    allocated.rows.forEach((r, i) => {
      expect(r["group_size_min"]).toBeGreaterThanOrEqual(4)
      expect(r["group_size_max"]).toBeLessThanOrEqual(12)
      expect(r["episodes"]! - (i === 0 ? 0 : allocated.rows[i - 1]!["episodes"]!)).toBe(8 * r["group_size_mean"]!)
      expect(r["n0"]! + r["n1"]!).toBeCloseTo(1, 12)
    })
    expect(allocated.rows.some((r) => r["group_size_max"]! > r["group_size_min"]!)).toBe(true)
  })

  it("stops at an `until` on the loop's signals, with the reason in the summary and a last row at the stop", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-rl-until-"))
    writeFileSync(join(dir, "lake.lrs"), lake.replace("  log every 500 steps", "  log every 500 steps [ema(train.return, 0.5)]\n  until train.return >= 0.5"))
    const r = lrs(["run", join(dir, "lake.lrs"), "--backend", "wasm", "--out", join(dir, "run")])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/stopped early: until train\.return >= 0\.5: 0\.\d+ after \d+ env steps/)
    const summary = JSON.parse(readFileSync(join(dir, "run", "summary.json"), "utf8"))
    expect(summary.status).toBe("stopped")
    expect(summary.steps).toBeLessThan(16000)
    const rows = readFileSync(join(dir, "run", "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>)
    expect(rows.at(-1)!["step"]).toBe(summary.steps)
    expect(rows.at(-1)!["return"]).toBeGreaterThanOrEqual(0.5)
    expect(rows.slice(0, -1).every((row) => row["return"]! < 0.5)).toBe(true)
    expect(rows.at(-1)!["ema(train.return, 0.5)"]).toBeGreaterThan(0)
  })

  it("learns copy_reverse with GRPO and the bandit testbed with REINFORCE from the spec", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-rl-tasks-"))
    writeFileSync(join(dir, "reverse.lrs"), `lrs 1
experiment reverse {
  seed = 1
  steps = 12000
  data = copy_reverse(prompts = 16, group = 8, alphabet = 2, min_length = 1, max_length = 3)
  model = gru(hidden = 32, embedding = 8)
  optimizer = adam(lr = 1e-2)
  rl {
    algorithm = grpo(epochs = 2, minibatches = 4)
  }
  log every 500 steps
}
`)
    writeFileSync(join(dir, "bandit.lrs"), `lrs 1
experiment testbed {
  seed = 1
  steps = 2000
  data = bandit(arms = 10, copies = 8)
  model = mlp(hidden = [16], activation = tanh)
  optimizer = adam(lr = 0.05)
  rl {
    algorithm = reinforce(baseline = whiten)
  }
  log every 8 steps
}
`)
    const rowsOf = (name: string) => {
      const r = lrs(["run", join(dir, `${name}.lrs`), "--backend", "wasm", "--out", join(dir, name)])
      expect(r.status, r.stderr).toBe(0)
      return readFileSync(join(dir, name, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>)
    }
    const reverse = rowsOf("reverse")
    // Exact answers by chance are rare (the first row); half of them are right within 12k tokens.
    expect(reverse[0]!["accuracy"]).toBeLessThan(0.15)
    expect(reverse.slice(-5).reduce((a, row) => a + row["accuracy"]!, 0) / 5).toBeGreaterThan(0.4)
    const bandit = rowsOf("bandit")
    // The first 8 pulls are the uniform policy's (about the mean q*); the last 100 those of a policy near the best arm.
    expect(bandit.at(-1)!["return"]).toBeGreaterThan(bandit[0]!["return"]! + 0.5)
  })

  it("says where an rl spec is wrong before anything runs", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-rl-bad-"))
    writeFileSync(join(dir, "bad.lrs"), lake.replace("steps = 16000", "steps = 16000\n  batch = 64"))
    const r = lrs(["run", join(dir, "bad.lrs")])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain("bad.lrs:5:11: error[LRS2001]: an rl experiment's batch is its rollout")
  })
})
