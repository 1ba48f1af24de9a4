import type { Expr, Name } from "@lrs/dsl"
import type { Context, Definition } from "./Context.ts"
import { suggestionHelp } from "./suggest.ts"

/** Units the language knows. Which of them a place accepts is up to that place. */
export const knownUnits = ["steps", "epochs", "samples", "tasks", "tokens", "env_steps", "iterations", "%"] as const

/** A plain description of an expression's form, for "expected X, found Y" messages. */
export const describe = (e: Expr): string => {
  switch (e.kind) {
    case "Number":
      return e.unit === undefined ? "a number" : `a quantity in \`${e.unit.text}\``
    case "String":
      return "a string"
    case "Bool":
      return "a boolean"
    case "Ref":
      return `the name \`${e.path.map((p) => p.text).join(".")}\``
    case "Call":
      return `a call to \`${e.callee.map((p) => p.text).join(".")}\``
    case "List":
      return "a list"
    case "Record":
      return "a record"
    case "Range":
      return "a range"
    case "Transition":
      return "a transition `a -> b`"
    case "Segment":
    case "Sequence":
      return "a schedule with segments"
    case "Compare":
      return "a comparison"
    case "Negate":
    case "Binary":
      return "an arithmetic expression"
    case "Missing":
      return "nothing"
  }
}

/** Checks a unit name is one the language knows (reporting a typo with the nearest unit). */
export const checkUnit = (ctx: Context, unit: Name): boolean => {
  if ((knownUnits as ReadonlyArray<string>).includes(unit.text)) return true
  // CleanRL called an iteration an "update" until 2024; an optimizer step is an update too, so lrs says `iterations`.
  const help = unit.text === "updates" || unit.text === "update" ? "write `iterations`: an rl iteration is a rollout and the updates on it (CleanRL's `num_iterations`, once `num_updates`)" : suggestionHelp(unit.text, knownUnits, "unit")
  ctx.report("LRS2003", unit.span, `unknown unit \`${unit.text}\``, help)
  return false
}

/** What a name refers to: a definition (and the context it is evaluated in), or nothing known. */
export const lookupRef = (ctx: Context, e: Expr & { kind: "Ref" }): { def: Definition; ctx: Context } | undefined => {
  const [first, ...rest] = e.path
  if (first === undefined) return undefined
  if (rest.length === 0) {
    const def = ctx.scope.lookup(first.text)
    if (def !== undefined) ctx.markUsed(def)
    return def === undefined ? undefined : { def, ctx: ctx.in(def.scope) }
  }
  const module = ctx.scope.importAlias(first.text)
  if (module === undefined || rest.length !== 1) return undefined
  ctx.markImportUsed(module)
  const def = module.definitions.get(rest[0]!.text)
  if (def !== undefined) ctx.markUsed(def)
  return def === undefined ? undefined : { def, ctx: ctx.in(def.scope) }
}

/**
 * A compile-time number: literals without units, params, and arithmetic on them. Reports why
 * anything else is not one and returns undefined (a `Missing` was reported by the parser).
 */
export const constNumber = (ctx: Context, e: Expr, what?: string): number | undefined => {
  switch (e.kind) {
    case "Number":
      if (e.unit !== undefined) {
        if (checkUnit(ctx, e.unit)) ctx.report("LRS2004", e.unit.span, `a plain number is expected here, not a quantity in \`${e.unit.text}\``, `write \`${e.raw}\``)
        return undefined
      }
      return e.value
    case "Negate": {
      const v = constNumber(ctx, e.operand)
      return v === undefined ? undefined : -v
    }
    case "Binary": {
      const a = constNumber(ctx, e.left)
      const b = constNumber(ctx, e.right)
      if (a === undefined || b === undefined) return undefined
      if (e.op === "/" && b === 0) return ctx.report("LRS2002", e.right.span, "division by zero")
      return e.op === "+" ? a + b : e.op === "-" ? a - b : e.op === "*" ? a * b : a / b
    }
    case "Ref": {
      const found = lookupRef(ctx, e)
      if (found === undefined) return unknownName(ctx, e)
      const { def } = found
      if (def.kind === "schedule") {
        return ctx.report("LRS2001", e.span, `\`${def.name}\` is a schedule; a constant number is expected here`, "use a param or a number", {
          related: [{ span: def.span, label: "declared as a schedule here" }]
        })
      }
      // Each param is evaluated once, so a bad one is reported once however often it is used.
      return ctx.cachedParam(def, () => found.ctx.resolving(def, e.span, () => constNumber(found.ctx, def.expr)))
    }
    case "Missing":
      return undefined
    default:
      return ctx.report("LRS2001", e.span, what === undefined ? `expected a number, found ${describe(e)}` : `\`${what}\` must be a number, found ${describe(e)}`)
  }
}

export const unknownName = (ctx: Context, e: Expr & { kind: "Ref" }, extra: ReadonlyArray<string> = []): undefined => {
  const text = e.path.map((p) => p.text).join(".")
  const candidates = [...ctx.scope.visible(), ...extra]
  return ctx.report(
    "LRS1008",
    e.span,
    `\`${text}\` is not defined here`,
    candidates.length === 0 ? "declare it with `param NAME = VALUE` at the top level" : suggestionHelp(text, candidates, "name")
  )
}

export interface NumberRule {
  readonly integer?: boolean
  readonly min?: number
  readonly max?: number
  /** Whether `min`/`max` themselves are excluded (`"min"`: only `min`, for ranges such as (0, 1]). */
  readonly exclusive?: boolean | "min"
}

/** A constant number that satisfies a rule; `what` names it in the message (`batch`, `samples`). */
export const checkedNumber = (ctx: Context, e: Expr, what: string, rule: NumberRule): number | undefined => {
  const v = constNumber(ctx, e, what)
  if (v === undefined) return undefined
  if (!Number.isFinite(v)) return ctx.report("LRS2002", e.span, `\`${what}\` must be finite, found ${v}`)
  if (rule.integer === true && !Number.isInteger(v)) {
    return ctx.report("LRS2001", e.span, `\`${what}\` must be an integer, found ${v}`, `use ${Math.round(v)}`)
  }
  const lowExclusive = rule.exclusive === true || rule.exclusive === "min"
  const highExclusive = rule.exclusive === true
  const lowOk = rule.min === undefined || (lowExclusive ? v > rule.min : v >= rule.min)
  const highOk = rule.max === undefined || (highExclusive ? v < rule.max : v <= rule.max)
  if (!lowOk || !highOk) {
    const bounds = [
      rule.min === undefined ? undefined : `${lowExclusive ? ">" : ">="} ${rule.min}`,
      rule.max === undefined ? undefined : `${highExclusive ? "<" : "<="} ${rule.max}`
    ].filter((b) => b !== undefined).join(" and ")
    return ctx.report("LRS2002", e.span, `\`${what}\` must be ${bounds}, found ${v}`)
  }
  return v
}

/** A bare name from a fixed set (`relu`, `test`, `accuracy`). */
export const checkedChoice = <A extends string>(ctx: Context, e: Expr, what: string, choices: ReadonlyArray<A>): A | undefined => {
  if (e.kind === "Missing") return undefined
  if (e.kind !== "Ref" || e.path.length !== 1) {
    // A choice is a bare word: `"relu"` in quotes is the likeliest slip.
    const unquoted = e.kind === "String" && (choices as ReadonlyArray<string>).includes(e.value) ? `write it without quotes: \`${what} = ${e.value}\`` : undefined
    return ctx.report("LRS2001", e.span, `\`${what}\` must be ${choices.length === 1 ? "" : "one of "}${choices.map((c) => `\`${c}\``).join(", ")}, found ${describe(e)}`, unquoted)
  }
  const word = e.path[0]!.text
  if ((choices as ReadonlyArray<string>).includes(word)) return word as A
  return ctx.report("LRS2002", e.span, `\`${word}\` is not a valid \`${what}\``, suggestionHelp(word, choices, what))
}

export const checkedBool = (ctx: Context, e: Expr, what: string): boolean | undefined => {
  if (e.kind === "Bool") return e.value
  if (e.kind === "Missing") return undefined
  return ctx.report("LRS2001", e.span, `\`${what}\` must be \`true\` or \`false\`, found ${describe(e)}`)
}

export const checkedString = (ctx: Context, e: Expr, what: string): string | undefined => {
  if (e.kind === "String") return e.value
  if (e.kind === "Missing") return undefined
  return ctx.report("LRS2001", e.span, `\`${what}\` must be a string, found ${describe(e)}`, `write \`${what} = "..."\``)
}

/** A list of strings (`features = ["x1", "x2"]`). */
export const checkedStrings = (ctx: Context, e: Expr, what: string): Array<string> | undefined => {
  if (e.kind !== "List") return ctx.report("LRS2001", e.span, `\`${what}\` must be a list of strings, found ${describe(e)}`)
  const items = e.items.map((i) => checkedString(ctx, i, what))
  return items.every((i) => i !== undefined) ? items : undefined
}
