import { describe, expect, it } from "@effect/vitest"
import { compile } from "@lrs/compiler"
import { diagnosticToJson, renderDiagnostic } from "@lrs/dsl"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

/** The real CLI in a subprocess, as a user runs it (stdout is a pipe, so progress is plain lines). */
const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")
const quickstart = join(repo, "examples/quickstart.lrs")

const lrs = (args: ReadonlyArray<string>, options: { cwd?: string; nodeArgs?: ReadonlyArray<string> } = {}) => {
  const r = spawnSync(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], { cwd: options.cwd ?? repo, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

// A module hook that makes any attempt to load TensorFlow.js fail loudly.
const noTensorflow = [
  "--import",
  "data:text/javascript," + encodeURIComponent(
    `import { registerHooks } from "node:module"
registerHooks({ resolve(specifier, context, next) {
  if (specifier.includes("@tensorflow")) throw new Error("TensorFlow.js was loaded: " + specifier)
  return next(specifier, context)
} })`
  )
]

describe("lrs --help", () => {
  it("describes every command", () => {
    const r = lrs(["--help"])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/check\s+Check a spec/)
    expect(r.stdout).toMatch(/run\s+Compile a spec and run it/)
    const run = lrs(["run", "--help"])
    for (const flag of ["--set", "--backend", "--out", "--runs", "--format"]) expect(run.stdout).toContain(flag)
    expect(lrs(["check", "--help"]).stdout).toContain("--format")
  })

  it("exits 2 on an unknown command and names the closest one", () => {
    const r = lrs(["chek", "x.lrs"])
    expect(r.code).toBe(2)
    expect(r.stdout + r.stderr).toMatch(/Unknown subcommand "chek"[\s\S]*Did you mean this\?\s+check/)
  })

  it("exits 2 on an unknown flag and names the closest one", () => {
    const r = lrs(["check", quickstart, "--sett", "seed=1"])
    expect(r.code).toBe(2)
    expect(r.stdout + r.stderr).toMatch(/Unrecognized flag: --sett[\s\S]*--set/)
  })
})

const bad = "lrs 1\nexperiment e {\n  sed = 1\n  steps = 10\n  data = spirals()\n  model = mlp(activation = relux)\n}\n"

describe("lrs check", () => {
  it("exits 0 on the quickstart", () => {
    const r = lrs(["check", "examples/quickstart.lrs"])
    expect(r.stderr).toBe("")
    expect(r.stdout).toBe("examples/quickstart.lrs: ok (experiment quickstart, 3000 steps)\n")
    expect(r.code).toBe(0)
  })

  it("prints one path:line:col: error[CODE]: message line per problem with --format short and exits 1", () => {
    const dir = temp("lrs-check-")
    writeFileSync(join(dir, "bad.lrs"), bad)
    const r = lrs(["check", "bad.lrs", "--format", "short"], { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split("\n")).toEqual([
      "bad.lrs:2:1: error[LRS1007]: experiment `e` has no `optimizer` (help: add `optimizer = adam(lr = 1e-3)`)",
      "bad.lrs:3:3: error[LRS1003]: experiment `e` has no field `sed` (help: the closest field is `seed`)",
      "bad.lrs:6:28: error[LRS2002]: `relux` is not a valid `activation` (help: the closest activation is `relu`)",
      "bad.lrs: 3 errors"
    ])
  })

  it("shows each problem under its path:line:col with the source line underlined by default (no color off a terminal)", () => {
    const dir = temp("lrs-human-")
    writeFileSync(join(dir, "bad.lrs"), bad)
    const r = lrs(["check", "bad.lrs"], { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe("")
    expect(r.stderr).not.toContain("\x1b")
    // The layout itself is pinned by the renderer's tests; here: every block, a blank line after each, then the count.
    const { diagnostics, sources } = compile(bad, { file: "bad.lrs" })
    expect(r.stderr).toBe(diagnostics.map((d) => renderDiagnostic(d, sources) + "\n\n").join("") + "bad.lrs: 3 errors\n")
    const lines = r.stderr.split("\n")
    // Each block starts with the one-line form, so editors and grep find every problem.
    expect(lines.filter((l) => l.startsWith("bad.lrs:"))).toEqual([
      "bad.lrs:2:1: error[LRS1007]: experiment `e` has no `optimizer`",
      "bad.lrs:3:3: error[LRS1003]: experiment `e` has no field `sed`",
      "bad.lrs:6:28: error[LRS2002]: `relux` is not a valid `activation`",
      "bad.lrs: 3 errors"
    ])
    expect(r.stderr).toContain([" 3 |   sed = 1", "   |   ^^^"].join("\n"))
    expect(r.stderr).toContain([" 6 |   model = mlp(activation = relux)", "   |                            ^^^^^"].join("\n"))
    expect(r.stderr).toContain("   = help: the closest field is `seed`\n")
  })

  it("shows a --set problem in the line typed", () => {
    const r = lrs(["check", quickstart, "--set", "seed=1", "--set", "steps=2.5"])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      ["--set:2:7: error[LRS2001]: `steps` must be an integer, found 2.5", "   |", " 2 | steps=2.5", "   |       ^^^"].join("\n")
    )
  })

  it("prints one JSON document on stdout with --format json, valid or not", () => {
    const dir = temp("lrs-json-")
    writeFileSync(join(dir, "bad.lrs"), bad)
    const r = lrs(["check", "bad.lrs", "--format", "json"], { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stderr).toBe("")
    const doc = JSON.parse(r.stdout)
    expect(doc.file).toBe("bad.lrs")
    expect(doc.ok).toBe(false)
    expect(doc.diagnostics.map((d: { code: string }) => d.code)).toEqual(["LRS1007", "LRS1003", "LRS2002"])
    expect(doc.diagnostics[1]).toMatchObject({
      code: "LRS1003",
      severity: "error",
      message: "experiment `e` has no field `sed`",
      file: "bad.lrs",
      start: { line: 3, col: 3, offset: 23 },
      end: { line: 3, col: 6, offset: 26 },
      help: "the closest field is `seed`"
    })
    expect(doc).toEqual({ file: "bad.lrs", ok: false, diagnostics: compile(bad, { file: "bad.lrs" }).diagnostics.map(diagnosticToJson) })
    const ok = lrs(["check", "examples/quickstart.lrs", "--format", "json"])
    expect(ok.code).toBe(0)
    expect(ok.stderr).toBe("")
    expect(JSON.parse(ok.stdout)).toEqual({ file: "examples/quickstart.lrs", ok: true, diagnostics: [] })
  })

  it("exits 2 on an unknown --format", () => {
    const r = lrs(["check", quickstart, "--format", "xml"])
    expect(r.code).toBe(2)
    expect(r.stdout + r.stderr).toMatch(/xml/)
  })

  it("applies --set with the spec's own rules", () => {
    expect(lrs(["check", quickstart, "--set", "steps=200", "--set", "seed=3"]).code).toBe(0)
    const r = lrs(["check", quickstart, "--set", "steps=2.5", "--set", "sead=1", "--format", "short"])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("--set:1:7: error[LRS2001]: `steps` must be an integer, found 2.5")
    expect(r.stderr).toContain("--set:2:1: error[LRS9001]: `--set sead` matches no param and no experiment field (help: the closest name is `seed`)")
  })

  it("exits 2 on a missing file or a --set without `=`", () => {
    const missing = lrs(["check", "no/such.lrs"])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("lrs: cannot read no/such.lrs")
    const malformed = lrs(["check", quickstart, "--set", "seed"])
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toContain("--set expects name=value")
  })

  it("does not load TensorFlow.js (while run does, under the same guard)", () => {
    expect(lrs(["check", quickstart], { nodeArgs: noTensorflow }).code).toBe(0)
    const run = lrs(["run", quickstart, "--set", "steps=5", "--out", join(temp("lrs-guard-"), "r")], { nodeArgs: noTensorflow })
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain("TensorFlow.js was loaded")
  })
})

describe("lrs run", () => {
  it("runs the quickstart with a reduced budget and writes the run directory", () => {
    const out = join(temp("lrs-run-"), "quick")
    const r = lrs(["run", quickstart, "--set", "steps=300", "--backend", "cpu", "--out", out])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^backend: cpu \(/)
    // Not a TTY: plain periodic lines, no carriage returns.
    expect(r.stdout).not.toContain("\r")
    expect(r.stdout).toMatch(/^step 300\/300 {2}loss \d\.\d{4} {2}lr \d\.\d{2}e[-+]\d+ {2}ETA 0s$/m)
    expect(r.stdout).toMatch(/done: 300 steps in [\d.]+s \([\d.]+ ms\/step\) on cpu; final train loss [\d.]+, test accuracy [\d.]+, test loss [\d.]+/)
    expect(readdirSync(out).sort()).toEqual(["ir.json", "metrics.jsonl", "resolved.lrs", "run.json", "spec.lrs", "summary.json", "tb"])
    expect(readdirSync(join(out, "tb"))).toEqual(["events.out.tfevents.0.lrs"])
    expect(readFileSync(join(out, "spec.lrs"), "utf8")).toBe(readFileSync(quickstart, "utf8"))
    expect(readFileSync(join(out, "resolved.lrs"), "utf8")).toContain("steps = 300  // --set")
    const ir = JSON.parse(readFileSync(join(out, "ir.json"), "utf8"))
    expect(ir.steps).toBe(300)
    expect(ir.optimizer.kind).toBe("adamw")
    const rows = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
    const train = rows.filter((row) => row.kind === "train")
    expect(train.length).toBe(31)
    for (const row of train) {
      expect(Object.keys(row)).toEqual(["kind", "step", "loss", "lr"])
      expect(Number.isFinite(row.loss)).toBe(true)
    }
    // 5% of 300 = 15 warmup steps to the peak 1e-2.
    expect(train[0].lr).toBe(0)
    expect(train[1].lr).toBeCloseTo(0.01 * 10 / 15, 12)
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))
    expect(summary).toMatchObject({ experiment: "quickstart", status: "completed", backend: "cpu", steps: 300, seed: 7 })
    expect(summary.wallSeconds).toBeGreaterThan(0)
    expect(summary.final.test.accuracy).toBe(rows.filter((row) => row.kind === "eval").at(-1).accuracy)
  })

  it("writes to runs/<experiment>-<id>/ by default", () => {
    const cwd = temp("lrs-default-")
    const r = lrs(["run", quickstart, "--set", "steps=20", "--backend", "cpu"], { cwd })
    expect(r.code).toBe(0)
    const [dir] = readdirSync(join(cwd, "runs"))
    expect(dir).toMatch(/^quickstart-[0-9a-f]{10}$/)
    expect(JSON.parse(readFileSync(join(cwd, "runs", dir!, "summary.json"), "utf8")).id).toBe(dir!.slice("quickstart-".length))
  })

  it("learns the quickstart: seed 7 reaches the test accuracy its header states (0.973) within a margin", () => {
    const out = join(temp("lrs-full-"), "quick")
    const r = lrs(["run", quickstart, "--out", out])
    expect(r.code).toBe(0)
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))
    expect(summary.steps).toBe(3000)
    expect(summary.final.test.accuracy).toBeGreaterThanOrEqual(0.95)
  })

  it("says why a requested backend cannot load and what to install (exit 2), or runs on it where it can", () => {
    const r = lrs(["run", quickstart, "--set", "steps=5", "--backend", "gpu", "--out", join(temp("lrs-gpu-"), "r")])
    if (r.code === 0) {
      expect(r.stdout).toMatch(/^backend: (tfjs-node-gpu|webgpu) /)
    } else {
      // Both GPU backends and why each failed; the help says what to install for WebGPU.
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/lrs: backend gpu is unavailable: tfjs-node-gpu unavailable: .+; webgpu unavailable: .+\n {2}help: .+/)
    }
  })

  it("prints an invalid spec's diagnostics as JSON on stderr with --format json, and does not start", () => {
    const dir = temp("lrs-run-json-")
    writeFileSync(join(dir, "bad.lrs"), bad)
    const r = lrs(["run", "bad.lrs", "--format", "json", "--out", join(dir, "r")], { cwd: dir, nodeArgs: noTensorflow })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe("")
    const doc = JSON.parse(r.stderr)
    expect(doc).toMatchObject({ file: "bad.lrs", ok: false })
    expect(doc.diagnostics).toHaveLength(3)
  })

  it("reports a failing run against the spec line it comes from", () => {
    const r = lrs(["run", quickstart, "--set", "peak=1e30", "--set", "steps=50", "--backend", "cpu", "--out", join(temp("lrs-nan-"), "r")])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^lrs: .*quickstart\.lrs:20:17: error: the training loss became (NaN|Infinity|-Infinity) at step \d+ \(last finite loss [\d.]+; lr [\d.e+-]+; lr = [\d.e+-]+\)/m)
  })
})
