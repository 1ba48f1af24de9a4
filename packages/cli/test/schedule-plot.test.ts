import { afterAll, describe, expect, it } from "@effect/vitest"
import { compileSchedules, evaluateSchedule } from "@lrs/compiler"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { phaseBoundaries } from "../src/plot/boundaries.ts"
import { sampleSchedule } from "../src/plot/sample.ts"

/** The real CLI in a subprocess, as a user runs it. */
const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")
const quickstart = join(repo, "examples/quickstart.lrs")

const lrs = (args: ReadonlyArray<string>) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const dir = mkdtempSync(join(tmpdir(), "lrs-schedule-plot-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const small = file("small.lrs", "lrs 1\nschedule s = linear(0 -> 1) for 10 steps then cosine(1 -> 0)\n")
const two = file(
  "two.lrs",
  "lrs 1\nparam peak = 1e-3\nschedule warm = linear(1e-5 -> peak) for 10% then cosine(peak -> 1e-5)\nschedule stairs = piecewise(at = [30%, 60%], values = [peak, peak / 10, peak / 100])\n"
)

/** `s` written out by hand: value = to + (from - to) * g(p), g = 1 - p (linear) or (1 + cos(pi p)) / 2 (cosine). */
const expected = (t: number): number => (t < 10 ? 1 + (0 - 1) * (1 - t / 10) : 0 + (1 - 0) * ((1 + Math.cos(Math.PI * ((t - 10) / 10))) / 2))

describe("lrs schedule", () => {
  it("shows a plateau before any reduction and says so on stderr", () => {
    const path = file("plateau.lrs", "lrs 1\nschedule s = plateau(cosine(1 -> 0), on = test.loss)\n")
    const r = lrs(["schedule", path, "--steps", "3"])
    expect(r.code).toBe(0)
    expect(r.stdout.trim().split("\n").slice(1).map((l) => Number(l.split(",")[1]))).toEqual([1, 0.75, 0.25000000000000011])
    expect(r.stderr).toBe(`note: the plateau at ${path}:2:14 is shown before any reduction; when it reduces depends on what the run observes\n`)
  })

  it("prints step,value rows with 17 significant digits that read back exactly", () => {
    const r = lrs(["schedule", small, "--steps", "20"])
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split("\n")
    expect(lines[0]).toBe("step,value")
    expect(lines).toHaveLength(21)
    for (const [i, line] of lines.slice(1).entries()) {
      const [step, text] = line.split(",")
      expect(Number(step)).toBe(i)
      expect(text).toBe(expected(i).toPrecision(17))
      // 17 significant digits: the mantissa's digits less leading zeros (0 itself is 0.0000000000000000).
      const digits = text!.replace(/e.*$/, "").replace(/[-.]/g, "")
      expect(/^0+$/.test(digits) ? digits : digits.replace(/^0+/, "")).toHaveLength(17)
      expect(Number(text)).toBe(expected(i))
    }
    expect(lines[11]).toBe("10,1.0000000000000000")
  })

  it("prints {name, steps, values} as JSON with exact values", () => {
    const r = lrs(["schedule", small, "--steps", "20", "--format", "json"])
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as { name: string; steps: number; values: Array<number> }
    expect(doc.name).toBe("s")
    expect(doc.steps).toBe(20)
    expect(doc.values).toEqual(Array.from({ length: 20 }, (_, t) => expected(t)))
  })

  it("takes the steps from a spec's budget", () => {
    const r = lrs(["schedule", quickstart, "--name", "lr"])
    expect(r.code).toBe(0)
    const rows = r.stdout.trimEnd().split("\n").slice(1).map((l) => Number(l.split(",")[1]))
    expect(rows).toHaveLength(3000)
    expect(rows[0]).toBe(0)
    expect(rows[150]).toBeCloseTo(1e-2, 15)
    expect(rows[2999]).toBeCloseTo(1e-4, 8)
  })

  it("names the closest schedule when --name is unknown, and lists them when it is missing (exit 2)", () => {
    const unknown = lrs(["schedule", quickstart, "--name", "lrr"])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("has no schedule named `lrr`; did you mean `lr`?")
    expect(unknown.stderr).toContain("`optimizer.beta1`")
    const missing = lrs(["schedule", quickstart])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("has 5 schedules; choose one with --name")
  })

  it("reports a file of schedules without --steps as lrs check does (exit 1, LRS1007)", () => {
    const r = lrs(["schedule", small])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain("error[LRS1007]: a file of schedules has no budget to draw them over")
    expect(r.stderr).toContain("help: give the number of steps")
    expect(r.stderr).toContain(`${small}: 1 error`)
  })
})

describe("lrs schedule --signals", () => {
  it("replays a run's recorded signals through a plateau and gives the lr that run used at every logged step", () => {
    const spec = file("replay.lrs", `lrs 1
experiment replay {
  seed = 7
  steps = 300
  batch = 64
  data = spirals(samples = 1200, classes = 3, noise = 0.03)
  model = mlp(hidden = [32])
  optimizer = sgd(lr = plateau(0.5, on = ema(test.loss, 0.5), factor = 0.5, patience = 0, threshold = 0.05), momentum = 0.9)
  evaluate every 20 steps on test [accuracy, loss]
  log every 7 steps
}
`)
    const out = join(dir, "replay-run")
    const run = lrs(["run", spec, "--backend", "cpu", "--out", out])
    expect(run.code, run.stderr).toBe(0)
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))
    expect(Object.values(summary.plateaus as Record<string, number>)[0]).toBeGreaterThan(0)
    const r = lrs(["schedule", spec, "--name", "optimizer.lr", "--signals", join(out, "metrics.jsonl"), "--format", "json"])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe("")
    const replayed = JSON.parse(r.stdout).values as Array<number>
    const logged = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((row) => row.kind === "train")
    expect(logged.length).toBeGreaterThan(40)
    for (const row of logged) expect(replayed[row.step]).toBe(row.lr)
  })

  it("says which line of the signals file is not JSON (exit 2)", () => {
    const path = file("plateau2.lrs", "lrs 1\nschedule s = plateau(1, on = test.loss)\n")
    const bad = file("bad.jsonl", "{\"kind\":\"eval\",\"step\":0,\"split\":\"test\",\"loss\":1}\nnope\n{}\n")
    const r = lrs(["schedule", path, "--steps", "3", "--signals", bad])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${bad}: line 2 is not JSON; --signals takes a run's metrics.jsonl`)
  })
})

describe("lrs plot", () => {
  it("writes an SVG with every schedule in its legend", () => {
    const out = join(dir, "two.svg")
    const r = lrs(["plot", two, "--steps", "1000", "-o", out])
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(`wrote ${out}`)
    const svg = readFileSync(out, "utf8")
    expect(svg).toContain("<svg")
    for (const text of ["warm", "stairs", "step (updates)", "value"]) expect(svg).toContain(`>${text}<`)
  })

  it("writes a PNG, on a log scale", () => {
    const out = join(dir, "two.png")
    const r = lrs(["plot", two, "--steps", "1000", "--log", "-o", out])
    expect(r.code).toBe(0)
    expect(statSync(out).size).toBeGreaterThan(1000)
    expect([...readFileSync(out).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  })

  it("refuses --log for a value that is not positive, and an unknown extension (exit 2)", () => {
    const log = lrs(["plot", quickstart, "--name", "lr", "--log", "-o", join(dir, "q.svg")])
    expect(log.code).toBe(2)
    expect(log.stderr).toContain("--log draws positive values only, but `lr` is 0 at step 0")
    const pdf = lrs(["plot", quickstart, "-o", join(dir, "q.pdf")])
    expect(pdf.code).toBe(2)
    expect(pdf.stderr).toContain("end the file name in .svg or .png")
  })
})

const compiled = (text: string, steps: number) => {
  const set = compileSchedules(`lrs 1\n${text}\n`, { file: "t.lrs", steps })
  expect(set.diagnostics).toEqual([])
  return set.schedules!
}

describe("lrs plot RUN_DIR", () => {
  it("draws what a run logged (the lr and the curriculum's curves by default), and names what it logged when asked for something else", () => {
    const spec = file("paced.lrs", `lrs 1
experiment paced {
  steps = 120
  batch = 16
  data = spirals(samples = 400)
  model = mlp(hidden = [8])
  optimizer = adam(lr = cosine(1e-2 -> 0))
  curriculum {
    score = loss(every = 60 steps)
    pacing = linear(0.2 -> 1)
  }
  evaluate every 60 steps
  log every 10 steps
}
`)
    const out = join(dir, "paced-run")
    expect(lrs(["run", spec, "--backend", "cpu", "--out", out]).code).toBe(0)
    const svg = join(dir, "logged.svg")
    const r = lrs(["plot", out, "-o", svg])
    expect(r.code, r.stderr).toBe(0)
    const text = readFileSync(svg, "utf8")
    for (const name of ["lr", "curriculum.fraction", "curriculum.difficulty"]) expect(text).toContain(name)
    expect(lrs(["plot", out, "--name", "test.accuracy", "-o", svg]).code).toBe(0)
    const bad = lrs(["plot", out, "--name", "curriculum.fractoin", "-o", svg])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("logged no `curriculum.fractoin` (it logged:")
    expect(bad.stderr).toContain("`curriculum.fraction`")
  })
})

describe("phase boundaries and downsampling", () => {
  it("marks segment starts, milestones and restarts from the IR", () => {
    const s = compiled(
      [
        "schedule seq = linear(0 -> 1) for 100 steps then constant(1) for 200 steps then cosine(1 -> 0)",
        "schedule pw = piecewise(at = [250 steps, 500 steps], values = [1, 0.5, 0.25])",
        "schedule rep = repeat(linear(0 -> 1) for 10% then cosine(1 -> 0), period = 300 steps)"
      ].join("\n"),
      1000
    )
    expect(phaseBoundaries(s.get("seq")!, 1000).at).toEqual([100, 300])
    expect(phaseBoundaries(s.get("pw")!, 1000).at).toEqual([250, 500])
    expect(phaseBoundaries(s.get("rep")!, 1000).at).toEqual([30, 300, 330, 600, 630, 900, 930])
  })

  it("draws a million steps with ~2,000 points, keeping both ends, every boundary and every jump", () => {
    const steps = 1_000_000
    const ir = compiled("schedule s = repeat(constant(1) for 50% then constant(2), period = 100000 steps)", steps).get("s")!
    const boundaries = phaseBoundaries(ir, steps).at
    expect(boundaries).toHaveLength(19)
    const sampled = sampleSchedule((t) => evaluateSchedule(ir, t), steps, boundaries)
    expect(sampled.steps.length).toBeLessThanOrEqual(2100)
    expect(sampled.steps[0]).toBe(0)
    expect(sampled.steps.at(-1)).toBe(steps - 1)
    for (const b of boundaries) expect(sampled.steps).toEqual(expect.arrayContaining([b - 1, b]))
    for (const [i, t] of sampled.steps.entries()) expect(sampled.values[i]).toBe(evaluateSchedule(ir, t))
    expect(sampled.nonPositive).toBeUndefined()
  })
})
