import { afterAll, describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")
const lrs = (args: ReadonlyArray<string>) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const dir = mkdtempSync(join(tmpdir(), "lrs-runs-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const spec = join(dir, "small.lrs")
writeFileSync(spec, `lrs 1
experiment small {
  seed = 1
  steps = 100
  batch = 32
  data = spirals(samples = 400)
  model = mlp(hidden = [16])
  optimizer = adam(lr = linear(1e-2 -> 0))
  schedule warm = linear(0 -> 1)
  evaluate every 50 steps
  log every 10 steps
  checkpoint every 50 steps
}
`)
const runs = join(dir, "runs")
const run = (name: string, ...extra: ReadonlyArray<string>) => {
  const r = lrs(["run", spec, "--backend", "cpu", "--out", join(runs, name), ...extra])
  expect(r.code, r.stderr).toBe(0)
}

describe("lrs runs", () => {
  it("lists runs with their status, steps, best metric and backend; and compares two", () => {
    run("a")
    run("b", "--set", "seed=2")
    // The states a run directory can be in besides finished.
    cpSync(join(runs, "a"), join(runs, "c-resumable"), { recursive: true })
    rmSync(join(runs, "c-resumable", "summary.json"))
    cpSync(join(runs, "c-resumable"), join(runs, "d-crashed"), { recursive: true })
    rmSync(join(runs, "d-crashed", "checkpoints"), { recursive: true })
    cpSync(join(runs, "d-crashed"), join(runs, "e-running"), { recursive: true })
    writeFileSync(join(runs, "e-running", "run.lock"), `${process.pid}\n`)
    const r = lrs(["runs", runs])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split("\n")
    expect(lines[0]).toMatch(/^name\s+id\s+status\s+steps\s+best\s+wall\s+backend$/)
    const status = Object.fromEntries(lines.slice(1).map((l) => [l.split(/\s+/)[0], l.split(/\s+/)[2]]))
    expect(status).toEqual({ a: "finished", b: "finished", "c-resumable": "resumable", "d-crashed": "crashed", "e-running": "running" })
    expect(lines[1]).toMatch(/^a\s+[0-9a-f]{10}\s+finished\s+100\/100\s+test\.accuracy 0\.\d{4} @\d+\s+[\d.]+s\s+cpu$/)
    const json = JSON.parse(lrs(["runs", runs, "--format", "json"]).stdout)
    expect(json.map((x: { name: string }) => x.name)).toEqual(["a", "b", "c-resumable", "d-crashed", "e-running"])
    const diff = lrs(["runs", "--diff", join(runs, "a"), join(runs, "b")])
    expect(diff.code, diff.stderr).toBe(0)
    expect(diff.stdout).toContain("seed:\n  - 1\n  + 2")
    expect(diff.stdout).toMatch(/test\.accuracy\s+0\.\d{4}\s+0\.\d{4}\s+[+-]0\.\d{4}/)
    expect(lrs(["runs", "--diff", join(runs, "a")]).code).toBe(2)
  })
})

describe("lrs report", () => {
  it("writes one self-contained HTML file with every run's summary and spec and a chart per curve, and the charts as PNGs", () => {
    const html = join(dir, "report.html")
    const pngs = join(dir, "charts")
    const r = lrs(["report", join(runs, "a"), join(runs, "b"), "-o", html, "--png", pngs])
    expect(r.code, r.stderr).toBe(0)
    const text = readFileSync(html, "utf8")
    expect(text.startsWith("<!doctype html>")).toBe(true)
    // One figure per curve, every run overlaid; nothing to fetch from anywhere.
    const figures = [...text.matchAll(/<figure id="([^"]+)">/g)].map((m) => m[1])
    expect(figures).toEqual(["loss", "lr", "warm", "test.accuracy", "test.loss"])
    expect(text.match(/<svg/g)?.length).toBe(figures.length)
    expect(text.match(/<\/svg>/g)?.length).toBe(figures.length)
    expect(text).not.toMatch(/(src|href)="https?:/)
    expect(text).not.toContain("<script")
    for (const name of ["a", "b"]) expect(text).toContain(`<h2>${name}</h2>`)
    expect(text).toContain("experiment small {")
    expect(text).toContain("schedule warm = linear(0 -&gt; 1)")
    const files = readdirSync(pngs).sort()
    expect(files).toEqual(["loss.png", "lr.png", "test.accuracy.png", "test.loss.png", "warm.png"])
    for (const f of files) expect([...readFileSync(join(pngs, f)).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(lrs(["report", dir]).code).toBe(2)
  })

  it("reports a continual stream: each task's accuracy as its own curve, and plots them with the task boundaries marked", () => {
    const streamSpec = join(dir, "stream.lrs")
    writeFileSync(streamSpec, `lrs 1
experiment split {
  steps = 200
  batch = 32
  data = spirals(samples = 800, classes = 4)
  model = mlp(hidden = [16])
  optimizer = sgd(lr = 0.1)
  stream {
    tasks = split(classes_per_task = 2)
  }
  evaluate every 50 steps
  log every 10 steps
}
`)
    const out = join(runs, "stream")
    expect(lrs(["run", streamSpec, "--backend", "cpu", "--out", out]).code).toBe(0)
    const html = join(dir, "stream.html")
    expect(lrs(["report", out, "-o", html]).code).toBe(0)
    const figures = [...readFileSync(html, "utf8").matchAll(/<figure id="([^"]+)">/g)].map((m) => m[1])
    for (const name of ["test.accuracy", "test.task0.accuracy", "test.task1.accuracy", "test.task0.loss"]) expect(figures).toContain(name)
    const svg = join(dir, "tasks.svg")
    expect(lrs(["plot", out, "--name", "test.task0.accuracy,test.task1.accuracy", "-o", svg]).code).toBe(0)
    // One dashed rule at the boundary between the two tasks (update 100).
    expect(readFileSync(svg, "utf8").match(/stroke-dasharray/g)?.length).toBeGreaterThanOrEqual(1)
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))
    expect(summary.continual.matrix.length).toBe(2)
    // The run's best is taken once both tasks are seen (updates 150 and 200), not task 0's alone at 50 or 100.
    const listed = JSON.parse(lrs(["runs", runs, "--format", "json"]).stdout) as Array<{ name: string; best: { step: number; value: number } }>
    const best = listed.find((r) => r.name === "stream")!.best
    expect([150, 200]).toContain(best.step)
    const rows = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
    const means = rows.filter((r) => r.kind === "eval" && r.task === undefined && r.step >= 150).map((r) => r.accuracy as number)
    expect(best.value).toBe(Math.max(...means))
  })
})
