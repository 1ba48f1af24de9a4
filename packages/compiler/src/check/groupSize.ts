import type { Expr, Span } from "@lrs/dsl"
import { type EnvIR, isTokenEnv, type ScheduleIR, type TokenEnvIR } from "../ir/Ir.ts"
import type { Extent } from "../schedule/compile.ts"
import { coefficient } from "./coefficient.ts"
import type { Domain } from "./constructors.ts"
import type { Context } from "./Context.ts"
import { checkedChoice, checkedNumber, describe } from "./values.ts"

/**
 * `group_size = <schedule>` in an rl block: a token task's answers per prompt, read before each
 * rollout and rounded, 2..the data call's `group` (its capacity: group-relative advantages need two
 * answers). null when absent, undefined after an error.
 */
export const checkGroupSize = (ctx: Context, e: Expr | undefined, env: EnvIR, extent: Extent): ScheduleIR | undefined | null => {
  if (e === undefined) return null
  if (!isTokenEnv(env)) return ctx.report("LRS2001", e.span, `\`group_size\` sets how many answers a token task's prompt gets; \`${env.kind}\` has no groups`, "remove `group_size`")
  const domain: Domain = {
    contains: (v) => Math.round(v) >= 2 && Math.round(v) <= env.group,
    text: `must round to 2..${env.group} answers (the data call's \`group\` is the most a prompt can get)`
  }
  return coefficient(ctx, new Map([["group_size", e]]), "group_size", env.group, extent, domain, e.span)
}

/** CurES's code: `num_rollout_min = 4` probes per prompt and `n_max = 16`. */
const defaultRollouts = { min: 4, max: 16 }

/**
 * `cures(..., allocation = variance, rollouts = [min, max])`: CurES's rollout allocation, answers
 * per prompt from `min` (its probes) to `max`, the data call's `group` between them (it is the mean
 * the allocation aims at). null when off (`allocation = none`, the default), undefined after an error.
 */
export const checkAllocation = (ctx: Context, args: ReadonlyMap<string, Expr>, env: TokenEnvIR, span: Span): { readonly min: number; readonly max: number } | undefined | null => {
  const allocationExpr = args.get("allocation")
  const rolloutsExpr = args.get("rollouts")
  const allocation = allocationExpr === undefined ? "none" : checkedChoice(ctx, allocationExpr, "allocation", ["none", "variance"] as const)
  if (allocation === undefined) return undefined
  if (allocation === "none") {
    if (rolloutsExpr !== undefined) return ctx.report("LRS1016", rolloutsExpr.span, "`rollouts` has no effect without `allocation = variance`", "add `allocation = variance`, or remove `rollouts`")
    return null
  }
  if (rolloutsExpr === undefined) return checkBounds(ctx, defaultRollouts.min, Math.max(defaultRollouts.max, env.group), env, span)
  if (rolloutsExpr.kind !== "List" || rolloutsExpr.items.length !== 2) {
    return ctx.report("LRS2001", rolloutsExpr.span, `\`rollouts\` is \`[min, max]\`, the fewest and most answers a prompt gets, found ${describe(rolloutsExpr)}`, "write `rollouts = [4, 16]`")
  }
  // Every prompt has room for `max` answers (the env makes prompts x max copies): bounded as `group` is.
  const min = checkedNumber(ctx, rolloutsExpr.items[0]!, "rollouts' min", { integer: true, min: 2, max: 256 })
  const max = checkedNumber(ctx, rolloutsExpr.items[1]!, "rollouts' max", { integer: true, min: 2, max: 256 })
  return min === undefined || max === undefined ? undefined : checkBounds(ctx, min, max, env, rolloutsExpr.span)
}

const checkBounds = (ctx: Context, min: number, max: number, env: TokenEnvIR, span: Span) => {
  if (min > max) return ctx.report("LRS2002", span, `\`rollouts\` is [min, max], found [${min}, ${max}]`, `write \`rollouts = [${max}, ${min}]\``)
  if (env.group < min || env.group > max) {
    return ctx.report(
      "LRS2002",
      span,
      `the allocation spends \`group\` (${env.group}) answers a prompt on average, so it must lie in \`rollouts\` [${min}, ${max}]`,
      `widen \`rollouts\` to include ${env.group}, or change the data call's \`group\``
    )
  }
  return { min, max }
}
