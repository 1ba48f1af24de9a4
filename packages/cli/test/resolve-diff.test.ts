import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")
const lrs = (args: ReadonlyArray<string>, cwd = repo) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const base = `lrs 1
param peak = 1e-2
experiment e {
  steps = 1000
  data = spirals()
  model = mlp()
  optimizer = adam(lr = linear(0 -> peak) for 10% then cosine(peak -> 0))
}
`

describe("lrs resolve", () => {
  it("prints the operative spec with each value's origin and the run id, and it compiles back to the same run", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-resolve-"))
    writeFileSync(join(dir, "a.lrs"), base)
    const r = lrs(["resolve", "a.lrs", "--set", "steps=500"], dir)
    expect(r.code).toBe(0)
    const lines = r.stdout.split("\n")
    expect(lines[0]).toMatch(/^\/\/ run id: [0-9a-f]{10}$/)
    expect(r.stdout).toContain("  steps = 500  // --set\n")
    expect(r.stdout).toContain("  seed = 0  // default\n")
    expect(r.stdout).toContain("  optimizer = adam(lr = linear(0 -> 0.01) for 50 steps then cosine(0.01 -> 0), beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weight_decay = 0)  // a.lrs:7:3\n")
    writeFileSync(join(dir, "resolved.lrs"), r.stdout)
    const again = lrs(["resolve", "resolved.lrs"], dir)
    expect(again.stdout.split("\n")[0]).toBe(lines[0])
  })

  it("lists a sweep's trials with their run ids, and resolves one trial", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-sweep-"))
    writeFileSync(join(dir, "s.lrs"), base + "sweep {\n  peak in [1e-3, 1e-2]\n  seed in 1..2\n}\n")
    const r = lrs(["resolve", "s.lrs", "--sweep"], dir)
    expect(r.code).toBe(0)
    const trials = r.stdout.trim().split("\n")
    expect(trials.map((l) => l.replace(/\(run id [0-9a-f]{10}\)/, "(run id)"))).toEqual([
      "trial 0: peak = 1e-3, seed = 1  (run id)",
      "trial 1: peak = 1e-3, seed = 2  (run id)",
      "trial 2: peak = 1e-2, seed = 1  (run id)",
      "trial 3: peak = 1e-2, seed = 2  (run id)"
    ])
    expect(new Set(trials.map((l) => l.slice(-11, -1))).size).toBe(4)
    const third = lrs(["resolve", "s.lrs", "--trial", "2"], dir)
    expect(third.stdout).toContain("  seed = 1  // sweep, s.lrs:11:11\n")
    expect(third.stdout).toContain("linear(0 -> 0.01)")
    const missing = lrs(["resolve", "s.lrs", "--trial", "9", "--format", "short"], dir)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("error[LRS4106]: trial 9 does not exist: the sweep has trials 0 to 3")
  })
})

describe("lrs diff", () => {
  it("sees no difference in a reformatted, reordered, commented copy", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-diff-"))
    writeFileSync(join(dir, "a.lrs"), base)
    writeFileSync(join(dir, "b.lrs"), `lrs 1
// the same run, written differently
experiment e {
  optimizer = adam(lr = linear(0 -> peak) for 100 steps then cosine(peak -> 0))
  model = mlp(hidden = [64, 64])
  data = spirals(samples = 2000)
  steps = 1k
  seed = 0
}
param peak = 0.01
`)
    const r = lrs(["diff", "a.lrs", "b.lrs"], dir)
    expect(r.stdout).toBe("a.lrs and b.lrs describe the same run\n")
    expect(r.code).toBe(0)
  })

  it("prints what differs, changed defaults included, and exits 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "lrs-diff-"))
    writeFileSync(join(dir, "a.lrs"), base)
    writeFileSync(join(dir, "b.lrs"), base.replace("adam(", "adamw(").replace("param peak = 1e-2", "param peak = 3e-2"))
    const r = lrs(["diff", "a.lrs", "b.lrs"], dir)
    expect(r.code).toBe(1)
    expect(r.stdout).toBe([
      "optimizer.kind:",
      "  - \"adam\"",
      "  + \"adamw\"",
      "optimizer.lr:",
      "  - linear(0 -> 0.01) for 100 steps then cosine(0.01 -> 0)",
      "  + linear(0 -> 0.03) for 100 steps then cosine(0.03 -> 0)",
      "optimizer.weightDecay:",
      "  - 0",
      "  + 0.01",
      ""
    ].join("\n"))
  })
})
