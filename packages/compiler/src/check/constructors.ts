import type { Expr, Span } from "@lrs/dsl"
import type { Activation, DataIR, ModelIR, OptimizerIR, ScheduleIR } from "../ir/Ir.ts"
import { compileSchedule, type Extent } from "../schedule/compile.ts"
import { bindArgs, expectCall } from "./calls.ts"
import type { Context } from "./Context.ts"
import { checkedBool, checkedChoice, checkedNumber, describe, type NumberRule } from "./values.ts"

export const activations: ReadonlyArray<Activation> = ["relu", "tanh", "gelu", "sigmoid"]

/** Every built-in constructor with its parameters in positional order, for docs and suggestions. */
export const constructors = {
  data: { spirals: ["samples", "classes", "noise", "turns", "test_fraction"] },
  model: { mlp: ["hidden", "activation"] },
  optimizer: {
    sgd: ["lr", "momentum", "dampening", "nesterov", "weight_decay"],
    adam: ["lr", "beta1", "beta2", "epsilon", "weight_decay"],
    adamw: ["lr", "beta1", "beta2", "epsilon", "weight_decay"]
  }
} as const

export const checkData = (ctx: Context, e: Expr): DataIR | undefined => {
  const call = expectCall(ctx, e, "data", Object.keys(constructors.data))
  if (call === undefined) return undefined
  const args = bindArgs(ctx, call, constructors.data.spirals)
  const num = (key: string, fallback: number, rule: NumberRule) => {
    const a = args.get(key)
    return a === undefined ? fallback : checkedNumber(ctx, a, key, rule)
  }
  const samples = num("samples", 2000, { integer: true, min: 2 })
  const classes = num("classes", 2, { integer: true, min: 2, max: 64 })
  const noise = num("noise", 0.05, { min: 0 })
  const turns = num("turns", 1.25, { min: 0, exclusive: true })
  const testFraction = num("test_fraction", 0.2, { min: 0, max: 1, exclusive: true })
  if (samples === undefined || classes === undefined || noise === undefined || turns === undefined || testFraction === undefined) return undefined
  const test = Math.round(samples * testFraction)
  if (test < 1 || samples - test < 1) {
    return ctx.report("LRS2002", call.span, `${samples} samples with test_fraction ${testFraction} leave an empty split`, "raise `samples` or move `test_fraction` away from 0 and 1")
  }
  return { kind: "spirals", samples, classes, noise, turns, testFraction, span: call.span }
}

/** Examples in the training split of a data source, for epochs. */
export const trainExamples = (d: DataIR): number => d.samples - Math.round(d.samples * d.testFraction)

export const checkModel = (ctx: Context, e: Expr): ModelIR | undefined => {
  const call = expectCall(ctx, e, "model", Object.keys(constructors.model))
  if (call === undefined) return undefined
  const args = bindArgs(ctx, call, constructors.model.mlp)
  const hiddenExpr = args.get("hidden")
  let hidden: Array<number> | undefined = [64, 64]
  if (hiddenExpr !== undefined) {
    if (hiddenExpr.kind !== "List") {
      hidden = ctx.report("LRS2001", hiddenExpr.span, `\`hidden\` must be a list of layer widths such as \`[64, 64]\`, found ${describe(hiddenExpr)}`)
    } else {
      const widths = hiddenExpr.items.map((item) => checkedNumber(ctx, item, "hidden", { integer: true, min: 1 }))
      hidden = widths.every((w) => w !== undefined) ? widths : undefined
    }
  }
  const actExpr = args.get("activation")
  const activation = actExpr === undefined ? "relu" : checkedChoice(ctx, actExpr, "activation", activations)
  if (hidden === undefined || activation === undefined) return undefined
  return { kind: "mlp", hidden, activation, span: call.span }
}

/** A hyperparameter: any schedule; when it is constant its range is checked here (scheduled ones in ranges.ts). */
const hyper = (ctx: Context, args: ReadonlyMap<string, Expr>, key: string, fallback: number, extent: Extent, domain: Domain, span: Span): ScheduleIR | undefined => {
  const e = args.get(key)
  if (e === undefined) return { kind: "constant", value: fallback, span }
  const s = compileSchedule(ctx, e, extent)
  if (s?.kind === "constant" && !domain.contains(s.value)) {
    return ctx.report("LRS2002", e.span, `\`${key}\` ${domain.text}, found ${s.value}`)
  }
  return s
}

/** The values a hyperparameter may take. */
export interface Domain {
  readonly contains: (v: number) => boolean
  readonly text: string
}
export const nonNegative: Domain = { contains: (v) => v >= 0, text: "must be >= 0" }
export const unitInterval: Domain = { contains: (v) => v >= 0 && v < 1, text: "must be >= 0 and < 1" }

/** Which hyperparameters of each optimizer are schedules, with their domains (checked over the whole run). */
export const scheduledDomains: Readonly<Record<OptimizerIR["kind"], ReadonlyArray<readonly [string, string, Domain]>>> = {
  sgd: [["lr", "lr", nonNegative], ["momentum", "momentum", unitInterval], ["weight_decay", "weightDecay", nonNegative]],
  adam: [["lr", "lr", nonNegative], ["beta1", "beta1", unitInterval], ["beta2", "beta2", unitInterval], ["weight_decay", "weightDecay", nonNegative]],
  adamw: [["lr", "lr", nonNegative], ["beta1", "beta1", unitInterval], ["beta2", "beta2", unitInterval], ["weight_decay", "weightDecay", nonNegative]]
}

export const checkOptimizer = (ctx: Context, e: Expr, extent: Extent): { ir: OptimizerIR; args: ReadonlyMap<string, Expr> } | undefined => {
  const call = expectCall(ctx, e, "optimizer", Object.keys(constructors.optimizer))
  if (call === undefined) return undefined
  const fn = call.callee[0]!.text as OptimizerIR["kind"]
  const span = call.span
  const args = bindArgs(ctx, call, constructors.optimizer[fn], ["lr"])
  if (fn === "sgd") {
    const lr = hyper(ctx, args, "lr", 0, extent, nonNegative, span)
    const momentum = hyper(ctx, args, "momentum", 0, extent, unitInterval, span)
    const d = args.get("dampening")
    const dampening = d === undefined ? 0 : checkedNumber(ctx, d, "dampening", { min: 0, max: 1 })
    const n = args.get("nesterov")
    const nesterov = n === undefined ? false : checkedBool(ctx, n, "nesterov")
    const weightDecay = hyper(ctx, args, "weight_decay", 0, extent, nonNegative, span)
    if (lr === undefined || momentum === undefined || dampening === undefined || nesterov === undefined || weightDecay === undefined) return undefined
    // torch.optim.SGD refuses the same combination.
    if (nesterov && (dampening !== 0 || (momentum.kind === "constant" && momentum.value === 0))) {
      return ctx.report("LRS2002", n!.span, "nesterov momentum needs `momentum > 0` and `dampening = 0`", "set `momentum = 0.9` (for example) and leave `dampening` at 0")
    }
    return { ir: { kind: "sgd", lr, momentum, dampening, nesterov, weightDecay, span }, args }
  }
  const lr = hyper(ctx, args, "lr", 0, extent, nonNegative, span)
  const beta1 = hyper(ctx, args, "beta1", 0.9, extent, unitInterval, span)
  const beta2 = hyper(ctx, args, "beta2", 0.999, extent, unitInterval, span)
  const epsExpr = args.get("epsilon")
  const epsilon = epsExpr === undefined ? 1e-8 : checkedNumber(ctx, epsExpr, "epsilon", { min: 0, exclusive: true })
  const weightDecay = hyper(ctx, args, "weight_decay", fn === "adamw" ? 0.01 : 0, extent, nonNegative, span)
  if (lr === undefined || beta1 === undefined || beta2 === undefined || epsilon === undefined || weightDecay === undefined) return undefined
  return { ir: { kind: fn, lr, beta1, beta2, epsilon, weightDecay, span }, args }
}
