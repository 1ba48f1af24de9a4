import { printSignal, checkSignal, signalNames } from "../check/signals.ts"
import { checkedString } from "../check/values.ts"
import type { ScheduleIR } from "../ir/Ir.ts"
import { metricsRows } from "../analysis/metricsRows.ts"
import { resolveImport } from "../load/modules.ts"
import type { Constructor } from "./library.ts"
import { medianSmooth, refinedShape } from "./refine.ts"

/** The logged values of one column of a run's train rows, in step order. */
interface Trace {
  readonly steps: ReadonlyArray<number>
  readonly values: ReadonlyArray<number>
}

const readTrace = (text: string, column: string): Trace | { readonly bad: string } => {
  const parsed = metricsRows(text)
  if ("badLine" in parsed) return { bad: `line ${parsed.badLine} of metrics.jsonl is not JSON` }
  const steps: Array<number> = []
  const values: Array<number> = []
  for (const { line, row } of parsed.rows) {
    if (row["kind"] !== "train" || typeof row["step"] !== "number") continue
    const v = row[column]
    if (v === undefined || v === null) continue
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) return { bad: `\`${column}\` is ${JSON.stringify(v)} at step ${row["step"]} (line ${line}); refinement needs positive finite norms` }
    steps.push(row["step"])
    values.push(v)
  }
  return { steps, values }
}

/**
 * `refined(from = RUN_DIR, peak, smoothing = 0.05, signal = grad_norm)`: the schedule refinement of
 * Defazio et al. from the gradient norms a previous run logged (`log every N steps [grad_norm]`).
 * The norms are median-smoothed (`smoothing` is the window as a fraction of the logged points),
 * weighted `w = G^-2`, turned into `w_t * sum_{p>t} w_p` and scaled so the largest value is `peak`.
 * The previous run's logged steps are stretched onto this schedule's span, and the values between
 * them interpolated linearly; the result is an ordinary `piecewise(..., interpolate = linear)`
 * schedule, so the IR, `resolved.lrs` and a resumed run do not need the previous run any more.
 */
export const refined: Constructor = {
  params: ["from", "peak", "smoothing", "signal"],
  required: ["from", "peak"],
  build: (a) => {
    const fromExpr = a.expr("from")
    const dir = fromExpr === undefined ? undefined : checkedString(a.ctx, fromExpr, "from")
    const peak = a.number("peak", undefined, { min: 0, exclusive: true })
    const smoothing = a.number("smoothing", 0.05, { min: 0, max: 1 })
    const signalExpr = a.expr("signal")
    // The signal is one the previous run logged, whatever this run evaluates.
    const signal = signalExpr === undefined ? { kind: "signal" as const, name: "grad_norm" as const, span: a.span } : checkSignal(a.ctx, signalExpr, signalNames)
    if (dir === undefined || peak === undefined || smoothing === undefined || signal === undefined) return undefined
    const runDir = resolveImport(a.span.file, dir)
    const fail = (message: string, help?: string) => a.ctx.report("LRS3006", fromExpr!.span, message, help)
    const column = printSignal(signal)
    const metrics = a.ctx.read(`${runDir}/metrics.jsonl`)
    if (metrics === undefined) {
      return fail(
        `\`refined\` reads the run in \`${dir}\`, but ${runDir}/metrics.jsonl cannot be read`,
        `run the baseline there first (\`lrs run BASELINE.lrs --out ${runDir}\`, logging \`${column}\`), or point \`from\` at a run directory`
      )
    }
    const trace = readTrace(metrics, column)
    if ("bad" in trace) return fail(`the run in \`${dir}\` cannot be refined: ${trace.bad}`)
    if (trace.values.length < 2) {
      return fail(
        `the run in \`${dir}\` logged \`${column}\` at ${trace.values.length} step${trace.values.length === 1 ? "" : "s"}; refinement needs the norms over the run`,
        `log it in the baseline: \`log every 1 steps [${column}]\` (or every few steps)`
      )
    }
    // The previous run's budget: its IR says, else the last logged step.
    let total = trace.steps[trace.steps.length - 1]! + 1
    const irText = a.ctx.read(`${runDir}/ir.json`)
    if (irText !== undefined) {
      try {
        const steps = (JSON.parse(irText) as { steps?: unknown }).steps
        if (typeof steps === "number" && steps >= total) total = steps
      } catch {
        // A damaged ir.json leaves the logged steps to say how long the run was.
      }
    }
    const shape = refinedShape(medianSmooth(trace.values, smoothing))
    // Logged step s of the previous run sits at s * T / T_prev here (rounded); where several land
    // on one step, the first holds it.
    const at: Array<number> = []
    const values: Array<number> = [shape[0]! * peak]
    let last = 0
    for (let k = 1; k < shape.length; k++) {
      const x = Math.round((trace.steps[k]! * a.extent.steps) / total)
      if (x <= last) continue
      at.push(x)
      values.push(shape[k]! * peak)
      last = x
    }
    if (at.length === 0) return { kind: "constant", value: values[0]!, span: a.span } satisfies ScheduleIR
    return { kind: "piecewise", at, values, interpolate: "linear", span: a.span } satisfies ScheduleIR
  }
}
