import type { Block, Expr } from "@lrs/dsl"
import type { EnvIR, RlIR } from "../ir/Ir.ts"
import { bindArgs } from "./calls.ts"
import type { Context } from "./Context.ts"
import { checkedChoice, checkedNumber } from "./values.ts"

type Ppo = Extract<RlIR["algorithm"], { kind: "ppo" }>

/**
 * `lr_scale = snr` (OBLR-PO's SNR-driven learning rate) on `ppo` or `grpo`. The SNR is estimated
 * from the first epoch's minibatch gradients, so it needs at least two of them; `minibatches` is
 * the count the algorithm was given. Undefined after an error, null when not asked for.
 */
export const checkLrScale = (ctx: Context, args: ReadonlyMap<string, Expr>, minibatches: number | undefined): "snr" | null | undefined => {
  const e = args.get("lr_scale")
  if (e === undefined) return null
  const scale = checkedChoice(ctx, e, "lr_scale", ["none", "snr"] as const)
  if (scale === undefined) return undefined
  if (scale === "none") return null
  if (minibatches !== undefined && minibatches < 2) {
    return ctx.report(
      "LRS2002",
      args.get("minibatches")?.span ?? e.span,
      `\`lr_scale = snr\` estimates the gradient's noise from the spread of an epoch's minibatch gradients, and ${minibatches} minibatch has none`,
      "use at least 2 minibatches, such as `minibatches = 4`"
    )
  }
  return "snr"
}

/**
 * `epochs`: a whole number, or `adaptive_replay(low = 2, high = 8, every = 10, gap = 0.001)` (Ma et
 * al.'s FAU-driven replay ratio): `low` epochs until the mean fraction of active units over
 * `every` iterations moves by at most `gap` from the previous window's, then `high`.
 */
export const checkEpochs = (ctx: Context, e: Expr | undefined, fallback: number): { readonly epochs: number; readonly adaptiveReplay?: NonNullable<Ppo["adaptiveReplay"]> } | undefined => {
  if (e === undefined) return { epochs: fallback }
  if (!(e.kind === "Call" && e.callee.length === 1 && e.callee[0]!.text === "adaptive_replay")) {
    const epochs = checkedNumber(ctx, e, "epochs", { integer: true, min: 1 })
    return epochs === undefined ? undefined : { epochs }
  }
  const args = bindArgs(ctx, e, ["low", "high", "every", "gap"])
  const int = (key: string, fallback: number) => (args.get(key) === undefined ? fallback : checkedNumber(ctx, args.get(key)!, key, { integer: true, min: 1 }))
  const low = int("low", 2)
  const high = int("high", 8)
  const every = int("every", 10)
  const gap = args.get("gap") === undefined ? 0.001 : checkedNumber(ctx, args.get("gap")!, "gap", { min: 0, max: 1 })
  if (low === undefined || high === undefined || every === undefined || gap === undefined) return undefined
  if (high <= low) {
    return ctx.report("LRS2002", args.get("high")?.span ?? e.span, `\`adaptive_replay\` raises the epochs from \`low = ${low}\` to \`high = ${high}\`, which is no rise`, `make \`high\` above ${low}, such as ${low * 4} (the paper's 0.5 -> 2 is four times)`)
  }
  return { epochs: low, adaptiveReplay: { high, every, gap } }
}

/** The `algorithm = ...` of an rl block as written, or as `--set rl.algorithm=...` / a sweep replaces it. */
export const rlAlgorithmExpr = (block: Block | undefined, overrides: ReadonlyMap<string, Expr> = new Map()): Expr | undefined => {
  const replaced = overrides.get("algorithm")
  if (replaced !== undefined) return replaced
  for (const m of block?.members ?? []) if (m.kind === "Attribute" && m.keyword === undefined && m.name.text === "algorithm") return m.value
  return undefined
}

/** The optional per-iteration values an rl block asks for, read from its text before it is checked (its signals are needed first). */
export interface RlFeatures {
  /** `lr_scale = snr`: `train.snr`. */
  readonly snr: boolean
  /** A bandit environment: `train.optimal_action`. */
  readonly bandit: boolean
}

export const rlFeaturesOf = (block: Block | undefined, env: EnvIR | undefined, overrides: ReadonlyMap<string, Expr> = new Map()): RlFeatures => {
  const algorithm = rlAlgorithmExpr(block, overrides)
  const args = algorithm?.kind === "Call" ? algorithm.args : []
  const snr = args.some((arg) => arg.name?.text === "lr_scale" && arg.value.kind === "Ref" && arg.value.path.length === 1 && arg.value.path[0]!.text === "snr")
  return { snr, bandit: env?.kind === "bandit" }
}
