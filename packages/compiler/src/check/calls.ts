import type { Expr } from "@lrs/dsl"
import type { Context } from "./Context.ts"
import { describe } from "./values.ts"
import { suggestionHelp } from "./suggest.ts"

export type Call = Expr & { kind: "Call" }

/**
 * Binds a call's arguments to parameter names: positional ones in order, then named ones.
 * Reports unknown, repeated and missing arguments; returns what could be bound.
 */
export const bindArgs = (
  ctx: Context,
  call: Call,
  params: ReadonlyArray<string>,
  required: ReadonlyArray<string> = []
): Map<string, Expr> => {
  const bound = new Map<string, Expr>()
  const fn = call.callee.map((c) => c.text).join(".")
  let position = 0
  for (const arg of call.args) {
    let key: string | undefined
    if (arg.name === undefined) {
      key = params[position++]
      if (key === undefined) {
        ctx.report("LRS1010", arg.span, `\`${fn}\` takes at most ${params.length} positional argument${params.length === 1 ? "" : "s"}`, `name the argument: ${params.map((p) => `\`${p} = ...\``).join(", ")}`)
        continue
      }
    } else {
      key = arg.name.text
      if (!params.includes(key)) {
        ctx.report("LRS1010", arg.name.span, `\`${fn}\` has no argument \`${key}\``, suggestionHelp(key, params, "argument"), {
          ...(key === "steps" || key === "length" || key === "duration" ? { notes: ["a schedule fills its segment; give its length with `for`: `cosine(1e-3 -> 0) for 2000 steps`"] } : {})
        })
        continue
      }
    }
    if (bound.has(key)) {
      ctx.report("LRS1006", arg.span, `argument \`${key}\` of \`${fn}\` is given twice`, "remove one of them")
      continue
    }
    bound.set(key, arg.value)
  }
  for (const r of required) {
    if (!bound.has(r)) ctx.report("LRS1007", call.span, `\`${fn}\` needs the argument \`${r}\``, `add \`${r} = ...\``)
  }
  return bound
}

/** The call behind a constructor-valued field (`model = mlp(...)`), or a report of what was there. */
export const expectCall = (ctx: Context, e: Expr, field: string, constructors: ReadonlyArray<string>): Call | undefined => {
  if (e.kind === "Missing") return undefined
  // A bare constructor name means "with every default": `activation = relu` style.
  const call: Expr = e.kind === "Ref" && e.path.length === 1 ? { kind: "Call", callee: e.path, args: [], span: e.span } : e
  if (call.kind !== "Call") {
    return ctx.report("LRS2001", e.span, `\`${field}\` must be one of ${constructors.map((c) => `\`${c}(...)\``).join(", ")}, found ${describe(e)}`)
  }
  const fn = call.callee.map((c) => c.text).join(".")
  if (!constructors.includes(fn)) {
    return ctx.report("LRS1009", call.callee[0]!.span, `\`${fn}\` is not a known \`${field}\``, suggestionHelp(fn, constructors, field))
  }
  return call
}
