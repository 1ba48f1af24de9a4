import type { Expr, Span } from "@lrs/dsl"
import { bindArgs, type Call } from "../check/calls.ts"
import type { Context } from "../check/Context.ts"
import { checkedBool, checkedChoice, checkedNumber, describe, type NumberRule } from "../check/values.ts"
import type { ScheduleIR } from "../ir/Ir.ts"
import { compileSchedule, durationSteps, type Extent } from "./compile.ts"

/**
 * What a schedule constructor sees: its arguments bound by name, readers that check and convert
 * them (reporting problems at the argument), and the extent it fills. Readers return undefined
 * when the argument is bad (already reported) or absent without a fallback (reported by bindArgs
 * when it is required).
 */
export interface Args {
  readonly ctx: Context
  readonly call: Call
  readonly name: string
  readonly span: Span
  readonly extent: Extent
  has(name: string): boolean
  expr(name: string): Expr | undefined
  number(name: string, fallback?: number, rule?: NumberRule): number | undefined
  /** A length (`500 steps`, `5%` of the extent, epochs, samples) in steps. */
  length(name: string, fallback?: number): number | undefined
  /** A length that may be negative (`-0.5 steps`): an offset in time. */
  offset(name: string, fallback?: number): number | undefined
  numbers(name: string): ReadonlyArray<number> | undefined
  lengths(name: string): ReadonlyArray<number> | undefined
  /** A schedule argument, compiled over `extent` (the constructor's own by default). */
  schedule(name: string, extent?: Extent): ScheduleIR | undefined
  choice<A extends string>(name: string, choices: ReadonlyArray<A>, fallback: A): A | undefined
  bool(name: string, fallback: boolean): boolean | undefined
  /** Reports a problem with the call (or one argument) and returns undefined. */
  fail(message: string, help?: string, at?: string): undefined
}

export interface Constructor {
  /** Parameter names in positional order. `from` and `to` may be given together as `from -> to`. */
  readonly params: ReadonlyArray<string>
  readonly required?: ReadonlyArray<string>
  readonly build: (a: Args) => ScheduleIR | undefined
}

const makeArgs = (ctx: Context, call: Call, name: string, extent: Extent, bound: ReadonlyMap<string, Expr>): Args => {
  const expr = (key: string) => bound.get(key)
  const list = (key: string): ReadonlyArray<Expr> | undefined => {
    const e = expr(key)
    if (e === undefined) return undefined
    if (e.kind !== "List") return ctx.report("LRS2001", e.span, `\`${key}\` of \`${name}\` must be a list, found ${describe(e)}`)
    return e.items
  }
  const all = <A>(xs: ReadonlyArray<A | undefined>): ReadonlyArray<A> | undefined => (xs.every((x) => x !== undefined) ? (xs as ReadonlyArray<A>) : undefined)
  return {
    ctx,
    call,
    name,
    span: call.span,
    extent,
    has: (key) => bound.has(key),
    expr,
    number: (key, fallback, rule = {}) => {
      const e = expr(key)
      return e === undefined ? fallback : checkedNumber(ctx, e, key, rule)
    },
    length: (key, fallback) => {
      const e = expr(key)
      return e === undefined ? fallback : durationSteps(ctx, e, extent.steps)
    },
    offset: (key, fallback) => {
      const e = expr(key)
      if (e === undefined) return fallback
      if (e.kind === "Negate") {
        const v = durationSteps(ctx, e.operand, extent.steps)
        return v === undefined ? undefined : -v
      }
      return durationSteps(ctx, e, extent.steps)
    },
    numbers: (key) => {
      const items = list(key)
      return items === undefined ? undefined : all(items.map((i) => checkedNumber(ctx, i, key, {})))
    },
    lengths: (key) => {
      const items = list(key)
      return items === undefined ? undefined : all(items.map((i) => durationSteps(ctx, i, extent.steps)))
    },
    schedule: (key, within = extent) => {
      const e = expr(key)
      return e === undefined ? undefined : compileSchedule(ctx, e, within)
    },
    choice: (key, choices, fallback) => {
      const e = expr(key)
      return e === undefined ? fallback : checkedChoice(ctx, e, key, choices)
    },
    bool: (key, fallback) => {
      const e = expr(key)
      return e === undefined ? fallback : checkedBool(ctx, e, key)
    },
    fail: (message, help, at) => ctx.report("LRS3004", (at === undefined ? undefined : expr(at)?.span) ?? call.span, message, help)
  }
}

/**
 * Binds a call to a constructor and builds it. `name(a -> b, ...)` is shorthand for
 * `name(from = a, to = b, ...)` when the constructor takes `from` and `to` first.
 */
export const construct = (ctx: Context, call: Call, name: string, c: Constructor, extent: Extent): ScheduleIR | undefined => {
  const first = call.args[0]
  const transition = first !== undefined && first.name === undefined && first.value.kind === "Transition" && c.params[0] === "from" && c.params[1] === "to"
  let bound: Map<string, Expr>
  if (transition && first.value.kind === "Transition") {
    // `from` or `to` named again after `from -> to` is a repetition, not an unknown argument.
    const repeated = call.args.slice(1).filter((arg) => arg.name?.text === "from" || arg.name?.text === "to")
    for (const arg of repeated) ctx.report("LRS1006", arg.span, `\`${arg.name!.text}\` of \`${name}\` is given twice`, "give it once, with `from -> to` or by name")
    const rest: Call = { ...call, args: call.args.slice(1).filter((arg) => !repeated.includes(arg)) }
    bound = bindArgs(ctx, rest, c.params.slice(2), (c.required ?? []).filter((r) => r !== "from" && r !== "to"))
    bound.set("from", first.value.from)
    bound.set("to", first.value.to)
  } else {
    bound = bindArgs(ctx, call, c.params, c.required ?? [])
  }
  for (const r of c.required ?? []) if (!bound.has(r)) return undefined
  return c.build(makeArgs(ctx, call, name, extent, bound))
}
