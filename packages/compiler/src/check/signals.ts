import type { Expr } from "@lrs/dsl"
import type { ConditionIR, SignalIR, SignalName } from "../ir/Ir.ts"
import { bindArgs } from "./calls.ts"
import type { Context } from "./Context.ts"
import { suggestionHelp } from "./suggest.ts"
import { checkedNumber, constNumber, describe } from "./values.ts"

/**
 * Observed quantities. `loss` (the training batch loss), `grad_norm` (the global L2 norm of the
 * gradients, before clipping), `param_norm` (of the weights) and `throughput` (examples per second)
 * are observed at every update; `<split>.loss`, `<split>.accuracy` and `<split>.top5` at every evaluation of that split (when `evaluate` computes them).
 */
export const signalNames: ReadonlyArray<SignalName> = ["loss", "grad_norm", "param_norm", "throughput", "test.loss", "test.accuracy", "test.top5", "validation.loss", "validation.accuracy", "validation.top5"]

/** A signal expression: a named signal or `ema(signal, beta)`. `evaluated` lists what `evaluate` computes (`test.accuracy`). */
export const checkSignal = (ctx: Context, e: Expr, evaluated: ReadonlyArray<string>): SignalIR | undefined => {
  if (e.kind === "Missing") return undefined
  if (e.kind === "Call" && e.callee.length === 1 && e.callee[0]!.text === "ema") {
    const args = bindArgs(ctx, e, ["signal", "beta"], ["signal", "beta"])
    const of = args.get("signal")
    const betaExpr = args.get("beta")
    const signal = of === undefined ? undefined : checkSignal(ctx, of, evaluated)
    const beta = betaExpr === undefined ? undefined : checkedNumber(ctx, betaExpr, "beta", { min: 0, max: 1, exclusive: true })
    return signal === undefined || beta === undefined ? undefined : { kind: "ema", of: signal, beta, span: e.span }
  }
  if (e.kind !== "Ref") {
    return ctx.report("LRS4001", e.span, `expected a signal such as \`loss\` or \`ema(test.loss, 0.9)\`, found ${describe(e)}`, undefined, {
      notes: [`signals: ${signalNames.join(", ")}`]
    })
  }
  const name = e.path.map((p) => p.text).join(".")
  if (!(signalNames as ReadonlyArray<string>).includes(name)) {
    return ctx.report("LRS4001", e.span, `\`${name}\` is not a signal`, suggestionHelp(name, signalNames, "signal"))
  }
  if (name.includes(".") && !evaluated.includes(name)) {
    const [split, metric] = name.split(".") as [string, string]
    return ctx.report("LRS4002", e.span, `\`${name}\` is never observed: \`evaluate\` does not compute \`${metric}\` on \`${split}\``, `evaluate on ${split} with \`${metric}\` in its metrics`)
  }
  return { kind: "signal", name: name as SignalName, span: e.span }
}

/** `signal OP number` (either side): the condition `until` waits for. */
export const checkCondition = (ctx: Context, e: Expr, evaluated: ReadonlyArray<string>): ConditionIR | undefined => {
  if (e.kind === "Missing") return undefined
  if (e.kind !== "Compare") {
    return ctx.report("LRS4003", e.span, `expected a condition such as \`test.accuracy >= 0.97\`, found ${describe(e)}`)
  }
  const flipped = { ">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "==", "!=": "!=" } as const
  const leftIsNumber = e.left.kind === "Number" || e.left.kind === "Negate" || (e.left.kind === "Ref" && ctx.scope.lookup(e.left.path[0]!.text)?.kind === "param")
  const [signalExpr, numberExpr, op] = leftIsNumber ? [e.right, e.left, flipped[e.op]] : [e.left, e.right, e.op]
  const signal = checkSignal(ctx, signalExpr, evaluated)
  const threshold = constNumber(ctx, numberExpr)
  return signal === undefined || threshold === undefined ? undefined : { op, signal, threshold, span: e.span }
}

/** A signal as the language writes it, for `resolved.lrs` and metrics column names. */
export const printSignal = (s: SignalIR): string => (s.kind === "signal" ? s.name : `ema(${printSignal(s.of)}, ${s.beta})`)
