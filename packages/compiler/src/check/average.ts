import type { Expr } from "@lrs/dsl"
import type { AverageIR } from "../ir/Ir.ts"
import { durationSteps } from "../schedule/compile.ts"
import { bindArgs } from "./calls.ts"
import type { Context } from "./Context.ts"
import { suggestionHelp } from "./suggest.ts"
import { checkedNumber, describe } from "./values.ts"

const kinds = ["ema", "last"] as const
const usage = "`average = ema(0.999)` or `average = last(5, every = 100 steps)`"

/**
 * `average = ema(decay)`: an exponential moving average of the weights after every update
 * (torch.optim.swa_utils with an EMA: the first update copies, then `avg += (w - avg) * (1 - decay)`).
 * `average = last(k, every = LENGTH)`: the uniform mean of the weights after the last `k` updates
 * that are multiples of `every` (checkpoint averaging).
 */
export const checkAverage = (ctx: Context, e: Expr, steps: number): AverageIR | undefined => {
  if (e.kind === "Missing") return undefined
  if (e.kind !== "Call" || e.callee.length !== 1) {
    return ctx.report("LRS2001", e.span, `\`average\` must be ${usage}, found ${describe(e)}`)
  }
  const fn = e.callee[0]!.text
  if (fn === "ema") {
    const args = bindArgs(ctx, e, ["decay"], ["decay"])
    const decayExpr = args.get("decay")
    const decay = decayExpr === undefined ? undefined : checkedNumber(ctx, decayExpr, "decay", { min: 0, max: 1, exclusive: true })
    return decay === undefined ? undefined : { kind: "ema", decay, span: e.span }
  }
  if (fn === "last") {
    const args = bindArgs(ctx, e, ["count", "every"], ["count", "every"])
    const countExpr = args.get("count")
    const everyExpr = args.get("every")
    const count = countExpr === undefined ? undefined : checkedNumber(ctx, countExpr, "count", { integer: true, min: 1 })
    const every = everyExpr === undefined ? undefined : durationSteps(ctx, everyExpr, steps)
    if (count === undefined || every === undefined) return undefined
    if (every < 1) return ctx.report("LRS2001", everyExpr!.span, "`every` of `last` must be at least 1 step")
    if (every > steps) {
      return ctx.report("LRS2001", everyExpr!.span, `\`every\` of \`last\` (${every} steps) is longer than the run (${steps} steps), so nothing would be averaged`, "average more often")
    }
    return { kind: "last", count, every, span: e.span }
  }
  return ctx.report("LRS2001", e.callee[0]!.span, `\`${fn}\` is not a way to average weights`, suggestionHelp(fn, kinds, "way to average"))
}
