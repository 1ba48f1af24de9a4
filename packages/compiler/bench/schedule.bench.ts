/**
 * Schedule speed: evaluations per second of a compiled 3-segment warmup-stable-decay schedule
 * (`wsd(1e-3, warmup = 5%, decay = 20%)` over 1M steps, every t in a loop; target: over 20 million/s),
 * and the wall time of `lrs plot` drawing a 1M-step schedule from a cold process, as SVG and as PNG
 * (target: under 1 s). Run from the repo root: `node packages/compiler/bench/schedule.bench.ts`.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { formatDiagnostic } from "@lrs/dsl"
import { compileSchedules, evaluateSchedule } from "../src/index.ts"

const root = join(import.meta.dirname, "../../..")
const STEPS = 1_000_000
const RUNS = 15
const COLD_RUNS = 5

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const text = "lrs 1\nschedule wsd_lr = wsd(1e-3, warmup = 5%, decay = 20%)\n"
const set = compileSchedules(text, { file: "bench.lrs", steps: STEPS })
const ir = set.schedules?.get("wsd_lr")
if (ir === undefined) {
  for (const d of set.diagnostics) console.log(`  ${formatDiagnostic(d)}`)
  throw new Error("the bench schedule must compile")
}
const segments = ir.kind === "sequence" ? ir.segments.map((s) => `${s.schedule.kind === "curve" ? s.schedule.shape : s.schedule.kind}@${s.start}`).join(", ") : ir.kind
console.log(`schedule: wsd(1e-3, warmup = 5%, decay = 20%) over ${STEPS.toLocaleString("en-US")} steps (${segments})`)

// The sum keeps the loop from being optimized away, and is checked against a known value.
const sweep = (): number => {
  let sum = 0
  for (let t = 0; t < STEPS; t++) sum += evaluateSchedule(ir, t)
  return sum
}
for (let i = 0; i < 3; i++) sweep()
const rates: Array<number> = []
let sum = 0
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now()
  sum = sweep()
  rates.push(STEPS / ((performance.now() - t0) / 1000))
}
const rate = median(rates)
console.log(
  `evaluateSchedule: median ${(rate / 1e6).toFixed(1)} million evaluations/s, best ${(Math.max(...rates) / 1e6).toFixed(1)} million/s (${RUNS} sweeps of ${STEPS.toLocaleString("en-US")} steps; sum ${sum.toFixed(6)}; target > 20 million/s)`
)
if (rate < 20e6) console.log("  (under the 20 million/s target)")

// `lrs plot` from a cold process: what a user waits for.
const dir = mkdtempSync(join(tmpdir(), "lrs-schedule-bench-"))
const spec = join(dir, "wsd.lrs")
writeFileSync(spec, text)
const plot = (out: string) => {
  const times: Array<number> = []
  let status: number | null = 0
  for (let i = 0; i < COLD_RUNS; i++) {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, ["packages/cli/src/bin.ts", "plot", spec, "--steps", String(STEPS), "-o", join(dir, out)], { cwd: root, encoding: "utf8" })
    times.push(performance.now() - t0)
    status = r.status
    if (r.status !== 0 && i === 0) console.log(`  (lrs plot exited ${r.status}: ${(r.stderr || r.stdout).trim().split("\n").slice(-2).join(" | ")})`)
  }
  const size = status === 0 ? `, ${(statSync(join(dir, out)).size / 1024).toFixed(0)} KiB` : ""
  console.log(
    `lrs plot --steps ${STEPS.toLocaleString("en-US")} -o ${out} (cold process): median ${median(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)} ms (${COLD_RUNS} runs, exit ${status}${size}; target < 1000 ms)`
  )
  return median(times)
}
const svg = plot("wsd.svg")
const png = plot("wsd.png")
if (Math.max(svg, png) > 1000) console.log("  (lrs plot is over its 1 s target)")
rmSync(dir, { recursive: true, force: true })
