import type { Expr, Span } from "@lrs/dsl"
import type { ScheduleIR } from "../ir/Ir.ts"
import { compileSchedule, type Extent } from "../schedule/compile.ts"
import type { Domain } from "./constructors.ts"
import type { Context } from "./Context.ts"
import { checkScheduleRange } from "./ranges.ts"

/**
 * A scheduled coefficient of an rl loop, read before each rollout: argument `key` of `args` (or
 * `fallback` when absent), any schedule whose every value over the run is in `domain`.
 */
export const coefficient = (ctx: Context, args: ReadonlyMap<string, Expr>, key: string, fallback: number, extent: Extent, domain: Domain, span: Span): ScheduleIR | undefined => {
  const e = args.get(key)
  if (e === undefined) return { kind: "constant", value: fallback, span }
  const s = compileSchedule(ctx, e, extent)
  if (s === undefined) return undefined
  if (s.kind === "constant" && !domain.contains(s.value)) return ctx.report("LRS2002", e.span, `\`${key}\` ${domain.text}, found ${s.value}`)
  return checkScheduleRange(ctx, s, key, domain, e.span, extent.steps) ? s : undefined
}
