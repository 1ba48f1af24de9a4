/**
 * How well `lrs fit` + `lrs predict` (the loss-curve law of Tissue et al.) predict runs they did not
 * see: fit the linear-decay Fashion-MNIST baseline (`examples/refinement-baseline.lrs`, loss logged
 * at every step), predict two other learning-rate schedules of the same recipe (warmup + cosine, and
 * WSD), then run them and compare. "Actual" is the mean logged batch loss, over the last 50 steps for
 * the final loss and over each fifth of training for the curve. Needs Fashion-MNIST; about 90 s on
 * 2 cores (three 5-epoch runs on wasm).
 *
 * Run: `node packages/cli/bench/loss-curve.bench.ts`
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const repo = resolve(import.meta.dirname, "../../..")
const work = mkdtempSync(join(tmpdir(), "lrs-loss-curve-"))
const baseline = join(repo, "examples/refinement-baseline.lrs")

const lrs = (args: ReadonlyArray<string>): string => {
  const r = spawnSync(process.execPath, [join(repo, "packages/cli/src/bin.ts"), ...args], { cwd: repo, encoding: "utf8" })
  if (r.status !== 0) throw new Error(`lrs ${args.join(" ")} failed (${r.status}):\n${r.stderr}`)
  return r.stdout
}

const schedules = [
  ["warmup + cosine", "warmup(200 steps, cosine(1e-3 -> 0))"],
  ["wsd", "wsd(1e-3, warmup = 200 steps, decay = 20%)"]
] as const
const optimizer = (lr: string) => `optimizer=adamw(lr = ${lr}, weight_decay = 1e-4)`

const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
const losses = (run: string): Map<number, number> =>
  new Map(
    readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; step: number; loss: number })
      .filter((r) => r.kind === "train" && r.step > 0).map((r) => [r.step, r.loss])
  )

console.log("loss-curve prediction (Tissue et al.): fit on linear decay, predict two other schedules, then run them (wasm)")
const base = join(work, "baseline")
lrs(["run", baseline, "--backend", "wasm", "--out", base])
console.log(lrs(["fit", base, "-o", join(work, "fit.json")]).trim().split("\n").slice(0, 3).map((l) => `  ${l}`).join("\n"))
for (const [name, lr] of schedules) {
  const rows = lrs(["predict", baseline, "--set", optimizer(lr), "--fit", join(work, "fit.json"), "--every", "1", "--format", "json"])
  const predicted = new Map((JSON.parse(rows) as { rows: Array<{ step: number; predicted_loss: number }> }).rows.map((r) => [r.step, r.predicted_loss]))
  const run = join(work, name.replace(/\W+/g, "-"))
  lrs(["run", baseline, "--set", optimizer(lr), "--backend", "wasm", "--out", run])
  const actual = losses(run)
  const steps = [...actual.keys()]
  const T = steps[steps.length - 1]! + 1
  const last = steps.slice(-50)
  const final = { predicted: predicted.get(T)!, actual: mean(last.map((s) => actual.get(s)!)) }
  console.log(`${name}: predicted final loss ${final.predicted.toFixed(4)}, actual ${final.actual.toFixed(4)} (mean of the last 50 steps): ${((final.predicted / final.actual - 1) * 100).toFixed(1)}%`)
  const fifths = [0, 1, 2, 3, 4].map((k) => {
    const inFifth = steps.filter((s) => s >= (k * T) / 5 && s < ((k + 1) * T) / 5)
    const p = mean(inFifth.map((s) => predicted.get(s)!))
    const a = mean(inFifth.map((s) => actual.get(s)!))
    return `${p.toFixed(3)}/${a.toFixed(3)} (${((p / a - 1) * 100).toFixed(1)}%)`
  })
  console.log(`  mean per fifth, predicted/actual: ${fifths.join(", ")}`)
}
rmSync(work, { recursive: true, force: true })
