import type { Expr, Span } from "@lrs/dsl"
import { type Activation, type DataIR, isEnv, type ModelIR, type OptimizerIR, type ScheduleIR } from "../ir/Ir.ts"
import { compileSchedule, type Extent } from "../schedule/compile.ts"
import { bindArgs, expectCall } from "./calls.ts"
import type { Context } from "./Context.ts"
import { checkedBool, checkedChoice, checkedNumber, checkedString, checkedStrings, describe, type NumberRule } from "./values.ts"

export const activations: ReadonlyArray<Activation> = ["relu", "tanh", "gelu", "sigmoid"]

/** Every built-in constructor with its parameters in positional order, for docs and suggestions. */
export const constructors = {
  data: {
    spirals: ["samples", "classes", "noise", "turns", "test_fraction", "validation_fraction"],
    fashion_mnist: ["path", "validation_fraction"],
    mnist: ["path", "validation_fraction"],
    csv: ["path", "features", "label", "test_fraction", "validation_fraction"],
    jsonl: ["path", "features", "label", "test_fraction", "validation_fraction"],
    cartpole: ["copies"],
    frozen_lake: ["copies", "map", "slippery"],
    digit_sum: ["prompts", "group", "max_target", "max_length", "min_target", "reflect", "format_weight"],
    copy_reverse: ["prompts", "group", "mode", "alphabet", "min_length", "max_length", "reward"],
    bandit: ["arms", "copies", "mean", "std", "noise", "drift"]
  },
  model: {
    mlp: ["hidden", "activation", "layer_norm", "dropout"],
    cnn: ["channels", "kernel", "dense", "activation", "dropout"],
    gru: ["hidden", "embedding"]
  },
  optimizer: {
    sgd: ["lr", "momentum", "dampening", "nesterov", "weight_decay", "clip_norm", "project"],
    adam: ["lr", "beta1", "beta2", "epsilon", "weight_decay", "clip_norm", "project"],
    adamw: ["lr", "beta1", "beta2", "epsilon", "weight_decay", "clip_norm", "project"],
    classp: ["lr", "threshold", "epsilon", "power", "scaling", "clip_norm", "project"]
  }
} as const

/** Sizes of the image datasets' training splits (the IDX files' own): what `epochs` converts with. */
const imageTrain = { fashion_mnist: 60_000, mnist: 60_000 } as const

export const checkData = (ctx: Context, e: Expr): DataIR | undefined => {
  const call = expectCall(ctx, e, "data", Object.keys(constructors.data))
  if (call === undefined) return undefined
  const fn = call.callee[0]!.text as keyof typeof constructors.data
  const args = bindArgs(ctx, call, constructors.data[fn], fn === "csv" || fn === "jsonl" ? ["path", "features", "label"] : [])
  const num = (key: string, fallback: number, rule: NumberRule) => {
    const a = args.get(key)
    return a === undefined ? fallback : checkedNumber(ctx, a, key, rule)
  }
  if (fn === "digit_sum") {
    const prompts = num("prompts", 16, { integer: true, min: 1, max: 4096 })
    const group = num("group", 8, { integer: true, min: 2, max: 256 })
    const maxTarget = num("max_target", 27, { integer: true, min: 1, max: 1000 })
    const maxLength = num("max_length", 8, { integer: true, min: 2, max: 64 })
    const minTarget = num("min_target", 1, { integer: true, min: 1, max: 1000 })
    const reflect = args.get("reflect") === undefined ? false : checkedBool(ctx, args.get("reflect")!, "reflect")
    const formatWeight = num("format_weight", 0.2, { min: 0, max: 100 })
    if (prompts === undefined || group === undefined || maxTarget === undefined || maxLength === undefined || minTarget === undefined || reflect === undefined || formatWeight === undefined) return undefined
    if (minTarget > maxTarget) return ctx.report("LRS2002", args.get("min_target")!.span, `\`min_target = ${minTarget}\` is above \`max_target = ${maxTarget}\``, `lower \`min_target\` to at most ${maxTarget}`)
    if (Math.ceil(maxTarget / 9) + 1 > maxLength) {
      return ctx.report("LRS2002", call.span, `a target of ${maxTarget} needs ${Math.ceil(maxTarget / 9)} digits and EOS, more than \`max_length = ${maxLength}\` tokens`, `raise \`max_length\` to ${Math.ceil(maxTarget / 9) + 1} or lower \`max_target\``)
    }
    // Defaults (min_target = 1, reflect = false, format_weight = 0.2) are left out of the IR, so the runs written before them keep their identity.
    return {
      kind: fn,
      prompts,
      group,
      copies: prompts * group,
      ...(minTarget === 1 ? {} : { minTarget }),
      maxTarget,
      maxLength,
      ...(reflect ? { reflect: true as const } : {}),
      ...(formatWeight === 0.2 ? {} : { formatWeight }),
      validationFraction: 0,
      span: call.span
    }
  }
  if (fn === "copy_reverse") {
    const prompts = num("prompts", 16, { integer: true, min: 1, max: 4096 })
    const group = num("group", 8, { integer: true, min: 2, max: 256 })
    const mode = args.get("mode") === undefined ? "reverse" : checkedChoice(ctx, args.get("mode")!, "mode", ["copy", "reverse"] as const)
    const alphabet = num("alphabet", 4, { integer: true, min: 2, max: 64 })
    const minLength = num("min_length", 2, { integer: true, min: 1, max: 64 })
    const maxLength = num("max_length", 8, { integer: true, min: 1, max: 64 })
    const reward = args.get("reward") === undefined ? "exact" : checkedChoice(ctx, args.get("reward")!, "reward", ["exact", "positions"] as const)
    if (prompts === undefined || group === undefined || mode === undefined || alphabet === undefined || minLength === undefined || maxLength === undefined || reward === undefined) return undefined
    if (minLength > maxLength) return ctx.report("LRS2002", args.get("min_length")!.span, `\`min_length = ${minLength}\` is above \`max_length = ${maxLength}\``, `lower \`min_length\` to at most ${maxLength}`)
    return { kind: fn, prompts, group, copies: prompts * group, mode, alphabet, minLength, maxLength, reward, validationFraction: 0, span: call.span }
  }
  if (fn === "bandit") {
    const arms = num("arms", 10, { integer: true, min: 2, max: 1000 })
    const copies = num("copies", 8, { integer: true, min: 1, max: 4096 })
    const mean = num("mean", 0, {})
    const std = num("std", 1, { min: 0 })
    const noise = num("noise", 1, { min: 0 })
    // A stationary testbed leaves `drift` out of the IR, so the runs written before it keep their identity.
    const drift = num("drift", 0, { min: 0 })
    if (arms === undefined || copies === undefined || mean === undefined || std === undefined || noise === undefined || drift === undefined) return undefined
    return { kind: fn, arms, copies, mean, std, noise, ...(drift === 0 ? {} : { drift }), validationFraction: 0, span: call.span }
  }
  if (fn === "cartpole" || fn === "frozen_lake") {
    const copies = num("copies", fn === "cartpole" ? 4 : 8, { integer: true, min: 1, max: 4096 })
    if (copies === undefined) return undefined
    if (fn === "cartpole") return { kind: fn, copies, validationFraction: 0, span: call.span }
    const mapExpr = args.get("map")
    const map = mapExpr === undefined ? "4x4" : checkedString(ctx, mapExpr, "map")
    if (map !== undefined && map !== "4x4" && map !== "8x8") return ctx.report("LRS2002", mapExpr!.span, `\`map\` must be "4x4" or "8x8" (Gymnasium's maps), found "${map}"`)
    const slipperyExpr = args.get("slippery")
    const slippery = slipperyExpr === undefined ? true : checkedBool(ctx, slipperyExpr, "slippery")
    return map === undefined || slippery === undefined ? undefined : { kind: fn, copies, map, slippery, validationFraction: 0, span: call.span }
  }
  const validationFraction = num("validation_fraction", 0, { min: 0, max: 1, exclusive: false })
  if (validationFraction !== undefined && validationFraction >= 1) {
    return ctx.report("LRS2002", args.get("validation_fraction")!.span, "`validation_fraction` must be below 1", "hold out a fraction such as 0.1")
  }
  const path = (): string | undefined | null => {
    const p = args.get("path")
    return p === undefined ? null : checkedString(ctx, p, "path")
  }
  if (fn === "fashion_mnist" || fn === "mnist") {
    const dir = path()
    if (dir === undefined || validationFraction === undefined) return undefined
    return { kind: fn, ...(dir === null ? {} : { path: dir }), validationFraction, span: call.span }
  }
  if (fn === "csv" || fn === "jsonl") {
    const file = path()
    const featuresExpr = args.get("features")
    const features = featuresExpr === undefined ? undefined : checkedStrings(ctx, featuresExpr, "features")
    const labelExpr = args.get("label")
    const label = labelExpr === undefined ? undefined : checkedString(ctx, labelExpr, "label")
    const testFraction = num("test_fraction", 0.2, { min: 0, max: 1, exclusive: true })
    if (file === undefined || file === null || features === undefined || label === undefined || testFraction === undefined || validationFraction === undefined) return undefined
    if (features.length === 0) return ctx.report("LRS2002", featuresExpr!.span, "`features` names no column", "list the feature columns: `features = [\"x1\", \"x2\"]`")
    return { kind: fn, path: file, features, label, testFraction, validationFraction, span: call.span }
  }
  const samples = num("samples", 2000, { integer: true, min: 2 })
  const classes = num("classes", 2, { integer: true, min: 2, max: 64 })
  const noise = num("noise", 0.05, { min: 0 })
  const turns = num("turns", 1.25, { min: 0, exclusive: true })
  const testFraction = num("test_fraction", 0.2, { min: 0, max: 1, exclusive: true })
  if (samples === undefined || classes === undefined || noise === undefined || turns === undefined || testFraction === undefined || validationFraction === undefined) return undefined
  const test = Math.round(samples * testFraction)
  const validation = Math.round((samples - test) * validationFraction)
  if (test < 1 || samples - test - validation < 1) {
    return ctx.report("LRS2002", call.span, `${samples} samples with test_fraction ${testFraction} and validation_fraction ${validationFraction} leave an empty split`, "raise `samples` or move the fractions away from 0 and 1")
  }
  return { kind: "spirals", samples, classes, noise, turns, testFraction, validationFraction, span: call.span }
}

/**
 * Examples in the training split of a data source, for `epochs`; undefined when only the runtime
 * can know it (a CSV or JSONL file is not read by the compiler).
 */
export const trainExamples = (d: DataIR): number | undefined => {
  switch (d.kind) {
    case "spirals": {
      const train = d.samples - Math.round(d.samples * d.testFraction)
      return train - Math.round(train * d.validationFraction)
    }
    case "fashion_mnist":
    case "mnist":
      return imageTrain[d.kind] - Math.round(imageTrain[d.kind] * d.validationFraction)
    default:
      return undefined
  }
}

/** The evaluation splits a data source has. */
/** The number of classes, when the compiler knows it (not for files, whose labels it has not read). */
export const classCount = (d: DataIR): number | undefined => (d.kind === "spirals" ? d.classes : d.kind === "fashion_mnist" || d.kind === "mnist" ? 10 : undefined)

export const splitsOf = (d: DataIR): ReadonlyArray<"test" | "validation"> => (d.validationFraction > 0 ? ["test", "validation"] : ["test"])

const widths = (ctx: Context, e: Expr | undefined, what: string, fallback: Array<number>): Array<number> | undefined => {
  if (e === undefined) return fallback
  if (e.kind !== "List") return ctx.report("LRS2001", e.span, `\`${what}\` must be a list of widths such as \`[64, 64]\`, found ${describe(e)}`)
  const ws = e.items.map((item) => checkedNumber(ctx, item, what, { integer: true, min: 1 }))
  return ws.every((w) => w !== undefined) ? ws : undefined
}

const dropoutDomain: Domain = { contains: (v) => v >= 0 && v < 1, text: "must be >= 0 and < 1" }

export const checkModel = (ctx: Context, e: Expr, extent: Extent, data: DataIR | undefined): ModelIR | undefined => {
  const call = expectCall(ctx, e, "model", Object.keys(constructors.model))
  if (call === undefined) return undefined
  const fn = call.callee[0]!.text as keyof typeof constructors.model
  const args = bindArgs(ctx, call, constructors.model[fn])
  if (fn === "gru") {
    const h = args.get("hidden")
    const hidden = h === undefined ? 64 : checkedNumber(ctx, h, "hidden", { integer: true, min: 1, max: 4096 })
    const em = args.get("embedding")
    const embedding = em === undefined ? 16 : checkedNumber(ctx, em, "embedding", { integer: true, min: 1, max: 4096 })
    if (hidden === undefined || embedding === undefined) return undefined
    if (data !== undefined && data.kind !== "digit_sum" && data.kind !== "copy_reverse") {
      return ctx.report("LRS2001", call.callee[0]!.span, "`gru` is the policy of a token task (`data = digit_sum()` or `copy_reverse()`)", isEnv(data) ? "write `model = mlp(hidden = [64, 64], activation = tanh)`" : "use `mlp` or `cnn` for a dataset")
    }
    return { kind: "gru", hidden, embedding, dropout: { kind: "constant", value: 0, span: call.span }, span: call.span }
  }
  const actExpr = args.get("activation")
  const activation = actExpr === undefined ? "relu" : checkedChoice(ctx, actExpr, "activation", activations)
  const dropout = hyper(ctx, args, "dropout", 0, extent, dropoutDomain, call.span)
  if (fn === "cnn") {
    const channels = widths(ctx, args.get("channels"), "channels", [32, 64])
    const k = args.get("kernel")
    const kernel = k === undefined ? 3 : checkedNumber(ctx, k, "kernel", { integer: true, min: 1, max: 28 })
    const dense = widths(ctx, args.get("dense"), "dense", [128])
    if (channels === undefined || kernel === undefined || dense === undefined || activation === undefined || dropout === undefined) return undefined
    if (data !== undefined && data.kind !== "fashion_mnist" && data.kind !== "mnist") {
      return ctx.report("LRS2001", call.callee[0]!.span, "`cnn` reads 28x28 images; this experiment's data is not images", "use `mlp` for tabular or spiral data, or `data = fashion_mnist()`", {
        related: [{ span: data.span, label: "the data" }]
      })
    }
    if (2 ** channels.length > 28) return ctx.report("LRS2002", args.get("channels")!.span, `${channels.length} conv layers halve 28x28 images below one pixel`, "use at most 4 conv layers")
    return { kind: "cnn", channels, kernel, dense, activation, dropout, span: call.span }
  }
  const hidden = widths(ctx, args.get("hidden"), "hidden", [64, 64])
  const ln = args.get("layer_norm")
  const layerNorm = ln === undefined ? false : checkedBool(ctx, ln, "layer_norm")
  if (hidden === undefined || activation === undefined || layerNorm === undefined || dropout === undefined) return undefined
  return { kind: "mlp", hidden, activation, layerNorm, dropout, span: call.span }
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
  adamw: [["lr", "lr", nonNegative], ["beta1", "beta1", unitInterval], ["beta2", "beta2", unitInterval], ["weight_decay", "weightDecay", nonNegative]],
  classp: [["lr", "lr", nonNegative]]
}

/** `clip_norm`: gradients rescaled to at most this global L2 norm; null when given and invalid. */
const clip = (ctx: Context, args: ReadonlyMap<string, Expr>): number | undefined | null => {
  const e = args.get("clip_norm")
  if (e === undefined) return undefined
  return checkedNumber(ctx, e, "clip_norm", { min: 0, exclusive: true }) ?? null
}

export const checkOptimizer = (ctx: Context, e: Expr, extent: Extent): { ir: OptimizerIR; args: ReadonlyMap<string, Expr> } | undefined => {
  const call = expectCall(ctx, e, "optimizer", Object.keys(constructors.optimizer))
  if (call === undefined) return undefined
  const fn = call.callee[0]!.text as OptimizerIR["kind"]
  const span = call.span
  const args = bindArgs(ctx, call, constructors.optimizer[fn], ["lr"])
  const projectExpr = args.get("project")
  const project = projectExpr === undefined ? false : checkedBool(ctx, projectExpr, "project")
  if (project === undefined) return undefined
  const projected = project ? { project: true } : {}
  if (fn === "classp") {
    const lr = hyper(ctx, args, "lr", 0, extent, nonNegative, span)
    const num = (key: string, fallback: number, rule: NumberRule) => (args.get(key) === undefined ? fallback : checkedNumber(ctx, args.get(key)!, key, rule))
    // The README's threshold 0.5 masks nearly every gradient of a typical network (its released code
    // tests the whole tensor, so never masks): 0 here, every non-zero gradient counts.
    const threshold = num("threshold", 0, { min: 0 })
    const epsilon = num("epsilon", 1e-5, { min: 0, exclusive: "min" })
    const power = num("power", 1, { min: 0, exclusive: "min" })
    const scalingExpr = args.get("scaling")
    const scaling = scalingExpr === undefined ? true : checkedBool(ctx, scalingExpr, "scaling")
    const clipNorm = clip(ctx, args)
    if (lr === undefined || threshold === undefined || epsilon === undefined || power === undefined || scaling === undefined || clipNorm === null) return undefined
    return { ir: { kind: "classp", lr, threshold, epsilon, power, scaling, weightDecay: { kind: "constant", value: 0, span }, ...(clipNorm === undefined ? {} : { clipNorm }), ...projected, span }, args }
  }
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
    const clipNorm = clip(ctx, args)
    if (clipNorm === null) return undefined
    return { ir: { kind: "sgd", lr, momentum, dampening, nesterov, weightDecay, ...(clipNorm === undefined ? {} : { clipNorm }), ...projected, span }, args }
  }
  const lr = hyper(ctx, args, "lr", 0, extent, nonNegative, span)
  const beta1 = hyper(ctx, args, "beta1", 0.9, extent, unitInterval, span)
  const beta2 = hyper(ctx, args, "beta2", 0.999, extent, unitInterval, span)
  const epsExpr = args.get("epsilon")
  const epsilon = epsExpr === undefined ? 1e-8 : checkedNumber(ctx, epsExpr, "epsilon", { min: 0, exclusive: true })
  const weightDecay = hyper(ctx, args, "weight_decay", fn === "adamw" ? 0.01 : 0, extent, nonNegative, span)
  if (lr === undefined || beta1 === undefined || beta2 === undefined || epsilon === undefined || weightDecay === undefined) return undefined
  const clipNorm = clip(ctx, args)
  if (clipNorm === null) return undefined
  return { ir: { kind: fn, lr, beta1, beta2, epsilon, weightDecay, ...(clipNorm === undefined ? {} : { clipNorm }), ...projected, span }, args }
}
