import type { Expr } from "@lrs/dsl"
import type { EnsembleIR, Explorable } from "../ir/Ir.ts"
import { durationSteps } from "../schedule/compile.ts"
import { bindArgs } from "./calls.ts"
import type { Context } from "./Context.ts"
import { suggestionHelp } from "./suggest.ts"
import { checkedChoice, checkedNumber, describe } from "./values.ts"

const explorable: ReadonlyArray<Explorable> = ["lr", "weight_decay", "dropout"]
const usage = "`ensemble = hdet(replicas = 4, spread = 0.1, average_every = 100 steps)`"

/**
 * `ensemble = hdet(replicas, spread = 0.1, average_every = 10%, meta_from = 10%, meta_lr = 0.5,
 * momentum = 0.9, temperature = 0.1, explore = [lr])`: HDET (see EnsembleIR). Defaults are the
 * paper's where it gives them (spread 1/9 for 8 replicas is ~0.1, meta_lr 0.5, momentum 0.9,
 * temperature 0.1); the lengths are fractions of the run since the paper's (1,000 and 100k steps)
 * belong to LLM pretraining.
 */
export const checkEnsemble = (ctx: Context, e: Expr, steps: number): EnsembleIR | undefined => {
  if (e.kind === "Missing") return undefined
  if (e.kind !== "Call" || e.callee.length !== 1) return ctx.report("LRS2001", e.span, `\`ensemble\` must be ${usage}, found ${describe(e)}`)
  const fn = e.callee[0]!.text
  if (fn !== "hdet") return ctx.report("LRS2001", e.callee[0]!.span, `\`${fn}\` is not a kind of ensemble`, suggestionHelp(fn, ["hdet"], "ensemble"))
  const args = bindArgs(ctx, e, ["replicas", "spread", "average_every", "meta_from", "meta_lr", "momentum", "temperature", "explore"], ["replicas"])
  const number = (key: string, fallback: number, rule: Parameters<typeof checkedNumber>[3]) => {
    const x = args.get(key)
    return x === undefined ? fallback : checkedNumber(ctx, x, key, rule)
  }
  const length = (key: string, fallback: number) => {
    const x = args.get(key)
    return x === undefined ? fallback : durationSteps(ctx, x, steps)
  }
  const replicasExpr = args.get("replicas")
  const replicas = replicasExpr === undefined ? undefined : checkedNumber(ctx, replicasExpr, "replicas", { integer: true, min: 2, max: 64 })
  const spread = number("spread", 0.1, { min: 0, max: 1, exclusive: true })
  const averageEvery = length("average_every", Math.max(1, Math.round(steps / 10)))
  const metaFrom = length("meta_from", Math.round(steps / 10))
  const metaLr = number("meta_lr", 0.5, { min: 0 })
  const momentum = number("momentum", 0.9, { min: 0, max: 1, exclusive: true })
  const temperature = number("temperature", 0.1, { min: 0, exclusive: true })
  const exploreExpr = args.get("explore")
  let explore: Array<Explorable> | undefined = ["lr"]
  if (exploreExpr !== undefined) {
    if (exploreExpr.kind !== "List" || exploreExpr.items.length === 0) {
      explore = ctx.report("LRS2001", exploreExpr.span, "`explore` must be a non-empty list of hyperparameters, such as `[lr, weight_decay]`", `choose from ${explorable.map((h) => `\`${h}\``).join(", ")}`)
    } else {
      const items = exploreExpr.items.map((item) => checkedChoice(ctx, item, "explore", explorable))
      if (items.some((h) => h === undefined)) explore = undefined
      else {
        explore = [...new Set(items as Array<Explorable>)]
        if (explore.length !== items.length) explore = ctx.report("LRS2001", exploreExpr.span, "`explore` names a hyperparameter twice")
      }
    }
  }
  if (replicas === undefined || spread === undefined || averageEvery === undefined || metaFrom === undefined || metaLr === undefined ||
    momentum === undefined || temperature === undefined || explore === undefined) return undefined
  if (averageEvery < 1 || averageEvery > steps) {
    return ctx.report("LRS2001", args.get("average_every")!.span, `\`average_every\` must be between 1 step and the run (${steps} steps), found ${averageEvery} steps`)
  }
  return { kind: "hdet", replicas, spread, averageEvery, metaFrom, metaLr, momentum, temperature, explore, span: e.span }
}
