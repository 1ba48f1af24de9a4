import type { Expr, Span } from "@lrs/dsl"
import type { RlIR } from "../ir/Ir.ts"
import type { Extent } from "../schedule/compile.ts"
import { coefficient } from "./coefficient.ts"
import type { Domain } from "./constructors.ts"
import type { Context } from "./Context.ts"
import { checkedChoice, checkedNumber } from "./values.ts"

type Grpo = Extract<RlIR["algorithm"], { kind: "grpo" }>
export type GrpoControls = Pick<Grpo, "dynamicSampling" | "overlong" | "downSample" | "adora" | "baseline">

/** The `grpo(...)` arguments of the papers' rollout-selection controls. */
export const grpoControlArgs = ["filter", "max_generations", "overlong_cache", "overlong_penalty", "keep_answers", "keep_tokens", "adora", "baseline"] as const

/** An argument that only means something beside another. */
const needs = (ctx: Context, args: ReadonlyMap<string, Expr>, key: string, other: string, ok: boolean, help: string): boolean => {
  const e = args.get(key)
  if (e === undefined || ok) return true
  ctx.report("LRS1016", e.span, `\`${key}\` has no effect without \`${other}\``, help)
  return false
}

/**
 * DAPO's dynamic sampling (`filter = zero_variance`, `max_generations`) and overlong punishment
 * (`overlong_cache`, `overlong_penalty`), D³S's keep ratios (`keep_answers`, `keep_tokens`) and
 * ADORA's weight (`adora`) and OBLR-PO's baseline (`baseline = gradient_weighted`) on a token task answering each prompt `group` times in at most
 * `maxLength` tokens. Only the controls written are set; undefined after an error.
 */
export const checkGrpoControls = (ctx: Context, args: ReadonlyMap<string, Expr>, group: number, maxLength: number, extent: Extent, span: Span): GrpoControls | undefined => {
  const filter = args.get("filter") === undefined ? "none" : checkedChoice(ctx, args.get("filter")!, "filter", ["none", "zero_variance"] as const)
  const generations = args.get("max_generations") === undefined ? 1 : checkedNumber(ctx, args.get("max_generations")!, "max_generations", { integer: true, min: 1 })
  const generationsOk = needs(ctx, args, "max_generations", "filter = zero_variance", filter !== "none", "add `filter = zero_variance` (DAPO's dynamic sampling), or remove `max_generations`")

  const cacheExpr = args.get("overlong_cache")
  let cache = cacheExpr === undefined ? undefined : checkedNumber(ctx, cacheExpr, "overlong_cache", { integer: true, min: 1 })
  if (cache !== undefined && cache >= maxLength) {
    cache = ctx.report("LRS2002", cacheExpr!.span, `\`overlong_cache\` of ${cache} tokens punishes every answer of at most \`max_length\` = ${maxLength} tokens`, `use at most ${maxLength - 1} tokens, so that short answers go unpunished; DAPO punished the last 4,096 of 20,480 tokens`)
  }
  const penalty = args.get("overlong_penalty") === undefined ? 1 : checkedNumber(ctx, args.get("overlong_penalty")!, "overlong_penalty", { min: 0 })
  const penaltyOk = needs(ctx, args, "overlong_penalty", "overlong_cache", cacheExpr !== undefined, "add `overlong_cache = N`, the tokens before the length cap where the punishment grows")

  // A group's max-variance subset needs two answers to have any variance.
  const least = Math.min(2, group)
  const answerShare: Domain = { contains: (v) => v > 0 && v <= 1 && Math.ceil(v * group - 1e-9) >= least, text: `must be in (0, 1] and keep at least ${least} of each group's ${group} answers (>= ${least / group})` }
  const tokenShare: Domain = { contains: (v) => v > 0 && v <= 1, text: "must be in (0, 1]" }
  const keepAnswers = coefficient(ctx, args, "keep_answers", 1, extent, answerShare, span)
  const keepTokens = coefficient(ctx, args, "keep_tokens", 1, extent, tokenShare, span)
  const lambda = args.get("adora") === undefined ? undefined : checkedNumber(ctx, args.get("adora")!, "adora", { min: 0 })
  const baseline = args.get("baseline") === undefined ? "mean" : checkedChoice(ctx, args.get("baseline")!, "baseline", ["mean", "gradient_weighted"] as const)

  if (filter === undefined || generations === undefined || !generationsOk || (cacheExpr !== undefined && cache === undefined) || penalty === undefined || !penaltyOk) return undefined
  if (keepAnswers === undefined || keepTokens === undefined || (args.get("adora") !== undefined && lambda === undefined) || baseline === undefined) return undefined
  const downSampled = args.get("keep_answers") !== undefined || args.get("keep_tokens") !== undefined
  return {
    ...(filter === "zero_variance" ? { dynamicSampling: { maxGenerations: generations } } : {}),
    ...(cache === undefined ? {} : { overlong: { cache, penalty } }),
    ...(downSampled ? { downSample: { answers: keepAnswers, tokens: keepTokens } } : {}),
    ...(lambda === undefined ? {} : { adora: { lambda } }),
    ...(baseline === "gradient_weighted" ? { baseline } : {})
  }
}
