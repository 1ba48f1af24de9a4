import type { Expr } from "@lrs/dsl"
import type { ConditionIR, RlSignalName, SignalIR, SignalName } from "../ir/Ir.ts"
import { bindArgs } from "./calls.ts"
import type { RlFeatures } from "./rlControls.ts"
import type { Context } from "./Context.ts"
import { suggestionHelp } from "./suggest.ts"
import { checkedNumber, constNumber, describe } from "./values.ts"

/** A supervised run's signals observed at every update: the batch loss, the gradients' global L2 norm (before clipping), the weights' norm, examples per second. */
export const updateSignals: ReadonlyArray<SignalName> = ["loss", "grad_norm", "param_norm", "throughput"]

/** `<split>.<metric>`, observed at every evaluation of that split (when `evaluate` computes the metric). */
export const evaluationSignals: ReadonlyArray<SignalName> = ["test.loss", "test.accuracy", "test.top5", "validation.loss", "validation.accuracy", "validation.top5"]

/**
 * An rl loop's signals, observed once per iteration: `train.X` is the iteration's `metrics.jsonl`
 * column `X`. Every algorithm has the first six; the rest belong to the algorithms that measure them,
 * some only with the option or environment named third.
 */
const rlSignalTable: ReadonlyArray<readonly [RlSignalName, ReadonlyArray<RlAlgorithmKind>, (keyof RlFeatures)?]> = [
  ["train.return", ["ppo", "reinforce", "grpo"]],
  ["train.episode_return", ["ppo", "reinforce", "grpo"]],
  ["train.episode_length", ["ppo", "reinforce", "grpo"]],
  ["train.loss", ["ppo", "reinforce", "grpo"]],
  ["train.entropy", ["ppo", "reinforce", "grpo"]],
  ["train.grad_norm", ["ppo", "reinforce", "grpo"]],
  ["train.value_loss", ["ppo"]],
  ["train.explained_variance", ["ppo"]],
  ["train.approx_kl", ["ppo"]],
  ["train.clip_fraction", ["ppo", "grpo"]],
  ["train.accuracy", ["grpo"]],
  ["train.answer_length", ["grpo"]],
  ["train.truncated", ["grpo"]],
  ["train.kl", ["grpo"]],
  ["train.zero_variance_groups", ["grpo"]],
  ["train.fau", ["ppo"]],
  ["train.snr", ["ppo", "grpo"], "snr"],
  ["train.optimal_action", ["ppo", "reinforce"], "bandit"]
]

/** What a feature-bound signal needs, for the diagnostic that it is not observed. */
const featureText: Readonly<Record<keyof RlFeatures, string>> = { snr: "with `lr_scale = snr`", bandit: "on `data = bandit()`" }

export type RlAlgorithmKind = "ppo" | "reinforce" | "grpo"

/** The signals an rl loop running `algorithm` observes (all of them when it is not known yet, or no features are given). */
export const rlSignals = (algorithm: RlAlgorithmKind | undefined, features?: RlFeatures): ReadonlyArray<SignalName> =>
  rlSignalTable
    .filter(([, by, needs]) => (algorithm === undefined || by.includes(algorithm)) && (needs === undefined || features === undefined || features[needs]))
    .map(([name]) => name)

/** Every signal name the language knows. */
export const signalNames: ReadonlyArray<SignalName> = [...updateSignals, ...evaluationSignals, ...rlSignals(undefined)]

/** What a supervised experiment observes: the per-update signals and what `evaluate` computes (`test.accuracy`). */
export const supervisedSignals = (evaluated: ReadonlyArray<string>): ReadonlyArray<string> => [...updateSignals, ...evaluated]

/** Whether these are an rl loop's signals. */
const isRl = (observed: ReadonlyArray<string>): boolean => observed.some((n) => n.startsWith("train.")) && !observed.includes("loss")

/** Why a known signal is not observed by this run, and what to write instead. */
const unobserved = (name: string, observed: ReadonlyArray<string>): { message: string; help: string } => {
  const rlRun = isRl(observed)
  const rlEntry = rlSignalTable.find(([n]) => n === name)
  if (rlRun) {
    if (rlEntry !== undefined) {
      // A signal of another loop or option is no typo: the help lists this loop's signals, not the nearest spelling.
      const needs = rlEntry[2] === undefined ? "" : ` ${featureText[rlEntry[2]]}`
      return { message: `\`${name}\` is never observed: only ${rlEntry[1].map((a) => `\`${a}\``).join(" and ")} measure${rlEntry[1].length === 1 ? "s" : ""} it${needs}`, help: `use one of ${observed.map((c) => `\`${c}\``).join(", ")}` }
    }
    if (observed.includes(`train.${name}`)) return { message: `\`${name}\` is a supervised run's signal; an rl loop observes its iterations as \`train.*\``, help: `write \`train.${name}\`` }
    return { message: `\`${name}\` is never observed by an rl loop (it has no evaluation in this release)`, help: suggestionHelp(name, observed, "signal of this loop") }
  }
  if (rlEntry !== undefined) {
    return { message: `\`${name}\` is an rl loop's signal, and this experiment trains on a dataset`, help: suggestionHelp(name.slice("train.".length), observed, "signal of this run") }
  }
  const [split, metric] = name.split(".") as [string, string]
  return { message: `\`${name}\` is never observed: \`evaluate\` does not compute \`${metric}\` on \`${split}\``, help: `evaluate on ${split} with \`${metric}\` in its metrics` }
}

/**
 * A signal expression: a named signal or `ema(signal, beta)`. `observed` lists the signals this
 * run observes (a supervised run's `supervisedSignals`, an rl loop's `rlSignals`).
 */
export const checkSignal = (ctx: Context, e: Expr, observed: ReadonlyArray<string>): SignalIR | undefined => {
  if (e.kind === "Missing") return undefined
  if (e.kind === "Call" && e.callee.length === 1 && e.callee[0]!.text === "ema") {
    const args = bindArgs(ctx, e, ["signal", "beta"], ["signal", "beta"])
    const of = args.get("signal")
    const betaExpr = args.get("beta")
    const signal = of === undefined ? undefined : checkSignal(ctx, of, observed)
    const beta = betaExpr === undefined ? undefined : checkedNumber(ctx, betaExpr, "beta", { min: 0, max: 1, exclusive: true })
    return signal === undefined || beta === undefined ? undefined : { kind: "ema", of: signal, beta, span: e.span }
  }
  if (e.kind !== "Ref") {
    const example = isRl(observed) ? "`train.return` or `ema(train.return, 0.9)`" : "`loss` or `ema(test.loss, 0.9)`"
    return ctx.report("LRS4001", e.span, `expected a signal such as ${example}, found ${describe(e)}`, undefined, {
      notes: [`signals: ${observed.join(", ")}`]
    })
  }
  const name = e.path.map((p) => p.text).join(".")
  if (!(signalNames as ReadonlyArray<string>).includes(name)) {
    // `return` in an rl loop is its `train.return`: closer than any edit distance says.
    const help = observed.includes(`train.${name}`) ? `the closest signal is \`train.${name}\`` : suggestionHelp(name, observed, "signal")
    return ctx.report("LRS4001", e.span, `\`${name}\` is not a signal`, help)
  }
  if (!observed.includes(name)) {
    const why = unobserved(name, observed)
    return ctx.report("LRS4002", e.span, why.message, why.help)
  }
  return { kind: "signal", name: name as SignalName, span: e.span }
}

/** `signal OP number` (either side): the condition `until` waits for. */
export const checkCondition = (ctx: Context, e: Expr, observed: ReadonlyArray<string>): ConditionIR | undefined => {
  if (e.kind === "Missing") return undefined
  if (e.kind !== "Compare") {
    return ctx.report("LRS4003", e.span, `expected a condition such as \`${isRl(observed) ? "train.return >= 475" : "test.accuracy >= 0.97"}\`, found ${describe(e)}`)
  }
  const flipped = { ">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "==", "!=": "!=" } as const
  const leftIsNumber = e.left.kind === "Number" || e.left.kind === "Negate" || (e.left.kind === "Ref" && ctx.scope.lookup(e.left.path[0]!.text)?.kind === "param")
  const [signalExpr, numberExpr, op] = leftIsNumber ? [e.right, e.left, flipped[e.op]] : [e.left, e.right, e.op]
  const signal = checkSignal(ctx, signalExpr, observed)
  const threshold = constNumber(ctx, numberExpr)
  return signal === undefined || threshold === undefined ? undefined : { op, signal, threshold, span: e.span }
}

/** A signal as the language writes it, for `resolved.lrs` and metrics column names. */
export const printSignal = (s: SignalIR): string => (s.kind === "signal" ? s.name : `ema(${printSignal(s.of)}, ${s.beta})`)
