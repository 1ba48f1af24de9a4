import { afterAll, describe, expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")
const lrs = (args: ReadonlyArray<string>, cwd = repo) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const dir = mkdtempSync(join(tmpdir(), "lrs-sweep-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const spec = join(dir, "sw.lrs")
writeFileSync(spec, `lrs 1
param peak = 1e-2
experiment quick {
  seed = 1
  steps = 600
  batch = 64
  data = spirals(samples = 1500, classes = 3, noise = 0.03)
  model = mlp(hidden = [32, 32])
  optimizer = adamw(lr = warmup(10%, cosine(peak -> 0)))
  evaluate every 200 steps
  log every 20 steps
  checkpoint every 100 steps
}
sweep {
  peak in [3e-3, 1e-2]
  seed in 1..3
}
`)
const root = join(dir, "runs", "quick-sweep")
const trialDirs = () => (existsSync(root) ? readdirSync(root).filter((n) => !n.endsWith(".log")).sort() : [])
const finished = () => trialDirs().filter((n) => existsSync(join(root, n, "summary.json")))
const interrupted = () => trialDirs().filter((n) => !existsSync(join(root, n, "summary.json")) && existsSync(join(root, n, "checkpoints")) && readdirSync(join(root, n, "checkpoints")).some((c) => c.startsWith("step-")))

describe("lrs sweep", () => {
  it("runs every trial in its own run directory; killed, the same command skips finished trials and resumes interrupted ones", async () => {
    // The sweep in a process group of its own, so one kill stops it and its trials, as Ctrl-C would.
    const child = spawn(process.execPath, [bin, "sweep", spec, "--parallel", "2", "--backend", "cpu"], { cwd: dir, stdio: "ignore", detached: true })
    const deadline = Date.now() + 90_000
    while (Date.now() < deadline && child.exitCode === null && !(finished().length >= 1 && interrupted().length >= 1)) await sleep(20)
    process.kill(-child.pid!, "SIGKILL")
    await new Promise((r) => child.once("exit", r))
    const doneBefore = finished()
    const cut = interrupted()
    expect(doneBefore.length).toBeGreaterThanOrEqual(1)
    expect(doneBefore.length).toBeLessThan(6)
    expect(cut.length).toBeGreaterThanOrEqual(1)
    const stamps = Object.fromEntries(doneBefore.map((n) => [n, statSync(join(root, n, "summary.json")).mtimeMs]))

    const again = lrs(["sweep", spec, "--parallel", "2", "--backend", "cpu"], dir)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain(`6 trials, ${doneBefore.length} finished already, ${6 - doneBefore.length} to run`)
    expect(finished()).toEqual(trialDirs())
    expect(trialDirs()).toEqual(["000-peak=3e-3_seed=1", "001-peak=3e-3_seed=2", "002-peak=3e-3_seed=3", "003-peak=1e-2_seed=1", "004-peak=1e-2_seed=2", "005-peak=1e-2_seed=3"])
    // Finished trials were left alone; an interrupted one resumed and ends as if it had never stopped.
    for (const [n, t] of Object.entries(stamps)) expect(statSync(join(root, n, "summary.json")).mtimeMs).toBe(t)
    const resumed = cut[0]!
    const index = Number(resumed.slice(0, 3))
    const reference = join(dir, "reference")
    expect(lrs(["run", spec, "--trial", String(index), "--backend", "cpu", "--out", reference]).code).toBe(0)
    const final = (d: string) => readFileSync(join(d, "checkpoints", "step-00000600", "tensors.bin"))
    expect(Buffer.compare(final(join(root, resumed)), final(reference))).toBe(0)
    expect(readFileSync(join(root, resumed + ".log"), "utf8")).toContain("resuming")

    // Nothing left to do; the summary puts the best trial first.
    expect(lrs(["sweep", spec, "--backend", "cpu"], dir).stdout).toContain("6 trials, 6 finished already, 0 to run")
    const summary = lrs(["sweep", spec, "--summary"], dir).stdout.trim().split("\n")
    expect(summary[0]).toMatch(/^trial\s+sets\s+status\s+steps\s+best$/)
    const accuracies = summary.slice(1).map((l) => Number(l.match(/test\.accuracy (\d\.\d+)/)![1]))
    expect(accuracies).toEqual([...accuracies].sort((a, b) => b - a))
  })

  it("stops trials worse than the median of the others at a checkpoint (prune = median(...)), and does not run them again", () => {
    const pruning = join(dir, "prune.lrs")
    writeFileSync(pruning, readFileSync(spec, "utf8")
      .replace("evaluate every 200 steps", "evaluate every 100 steps")
      .replace("peak in [3e-3, 1e-2]\n  seed in 1..3", "peak in [1e-2, 3e-3, 1e-5]\n  seed in 1..2\n  prune = median(metric = test.accuracy, every = 100 steps, after = 200 steps, trials = 3)"))
    const runs = join(dir, "prune-runs")
    const r = lrs(["sweep", pruning, "--parallel", "1", "--backend", "cpu", "--runs", runs], dir)
    expect(r.code, r.stderr).toBe(0)
    const status = Object.fromEntries(r.stdout.trim().split("\n").filter((l) => /^\d+\s/.test(l)).map((l) => [Number(l.split(/\s+/)[0]), l.split(/\s+/)[3]]))
    // With one trial at a time the order decides: the first three set the median; the tiny learning rates fall below it.
    expect([status[0], status[1], status[2], status[4], status[5]]).toEqual(["finished", "finished", "finished", "pruned", "pruned"])
    const sweepDir = join(runs, "quick-sweep")
    const why = JSON.parse(readFileSync(join(sweepDir, "004-peak=1e-5_seed=1", "pruned.json"), "utf8"))
    expect(why.step).toBe(200)
    expect(why.value).toBeLessThan(why.against)
    expect(why.rule).toBe("median")
    expect(existsSync(join(sweepDir, "004-peak=1e-5_seed=1", "summary.json"))).toBe(false)
    expect(lrs(["sweep", pruning, "--backend", "cpu", "--runs", runs], dir).stdout).toMatch(/6 trials, \d finished already, \d pruned, 0 to run/)
  })

  it("says so when the spec has no sweep", () => {
    const plain = join(dir, "plain.lrs")
    writeFileSync(plain, "lrs 1\nexperiment p {\n  steps = 10\n  data = spirals()\n  model = mlp()\n  optimizer = sgd(lr = 0.1)\n}\n")
    const r = lrs(["sweep", plain], dir)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("declares no sweep; run it with lrs run")
  })
})
