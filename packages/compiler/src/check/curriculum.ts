import type { Block, Expr } from "@lrs/dsl"
import type { CurriculumIR, DataIR, ScheduleIR } from "../ir/Ir.ts"
import { compileSchedule, durationSteps, type Extent } from "../schedule/compile.ts"
import { evaluateSchedule } from "../schedule/evaluate.ts"
import { scheduleNodes } from "../schedule/walk.ts"
import { blockFields } from "./blockFields.ts"
import { bindArgs } from "./calls.ts"
import type { Context } from "./Context.ts"
import { suggestionHelp } from "./suggest.ts"
import { checkedChoice, checkedNumber, checkedString, describe } from "./values.ts"

/** The fields of a `curriculum { ... }` block. */
export const curriculumFields = ["score", "order", "pacing", "sampler", "arms", "bandit"] as const
const scores = ["loss", "reference", "column"] as const

/**
 * `score = loss(every = LENGTH)`: each example's loss under the model being trained, recomputed
 * every LENGTH updates (and at the start); `score = reference(from = "RUN_DIR")`: its loss under the
 * last checkpoint of another run of the same model (a teacher), computed once; `score =
 * column("name")`: a column of the CSV or JSONL file (noise level, quality, length). Lower is easier.
 */
const checkScore = (ctx: Context, e: Expr, steps: number, data: DataIR | undefined): CurriculumIR["score"] | undefined => {
  if (e.kind === "Missing") return undefined
  if (e.kind !== "Call" || e.callee.length !== 1) {
    return ctx.report("LRS2001", e.span, `\`score\` must be \`loss(every = 500 steps)\` or \`reference(from = "RUN_DIR")\`, found ${describe(e)}`)
  }
  const fn = e.callee[0]!.text
  if (fn === "loss") {
    const args = bindArgs(ctx, e, ["every"])
    const everyExpr = args.get("every")
    const every = everyExpr === undefined ? steps : durationSteps(ctx, everyExpr, steps)
    if (every === undefined) return undefined
    if (every < 1) return ctx.report("LRS2002", everyExpr!.span, "`every` must be at least 1 step")
    return { kind: "loss", every }
  }
  if (fn === "column") {
    const nameExpr = bindArgs(ctx, e, ["name"], ["name"]).get("name")
    const name = nameExpr === undefined ? undefined : checkedString(ctx, nameExpr, "name")
    if (name === undefined) return undefined
    if (data !== undefined && data.kind !== "csv" && data.kind !== "jsonl") {
      return ctx.report("LRS2001", e.span, `\`column(...)\` scores come from a column of a CSV or JSONL file, and this data is \`${data.kind}\``, "score by `loss(every = ...)` or `reference(from = ...)`, or load the data with `csv(...)`")
    }
    return { kind: "column", name }
  }
  if (fn === "reference") {
    const args = bindArgs(ctx, e, ["from"], ["from"])
    const fromExpr = args.get("from")
    const from = fromExpr === undefined ? undefined : checkedString(ctx, fromExpr, "from")
    return from === undefined ? undefined : { kind: "reference", from }
  }
  return ctx.report("LRS2001", e.callee[0]!.span, `\`${fn}\` is not a difficulty score`, suggestionHelp(fn, scores, "score"))
}

/** `arms = classes` (the label) or `arms = bins(count)` (groups of examples by score). */
const checkArms = (ctx: Context, e: Expr): NonNullable<CurriculumIR["bandit"]>["arms"] | undefined => {
  if (e.kind === "Ref" && e.path.length === 1 && e.path[0]!.text === "classes") return { kind: "classes" }
  if (e.kind === "Call" && e.callee.length === 1 && e.callee[0]!.text === "bins") {
    const countExpr = bindArgs(ctx, e, ["count"], ["count"]).get("count")
    const count = countExpr === undefined ? undefined : checkedNumber(ctx, countExpr, "count", { integer: true, min: 2 })
    return count === undefined ? undefined : { kind: "bins", count }
  }
  return ctx.report("LRS2001", e.span, `\`arms\` must be \`classes\` or \`bins(4)\`, found ${describe(e)}`)
}

/** `bandit = sec(lr = 0.5, temperature = 1, reward = progress)`, the temperature any positive schedule. */
const checkBandit = (ctx: Context, e: Expr, extent: Extent): Omit<NonNullable<CurriculumIR["bandit"]>, "arms"> | undefined => {
  if (e.kind !== "Call" || e.callee.length !== 1 || e.callee[0]!.text !== "sec") {
    return ctx.report("LRS2001", e.span, `\`bandit\` must be \`sec(lr = 0.5, temperature = 1)\` (Self-Evolving Curriculum), found ${describe(e)}`)
  }
  const args = bindArgs(ctx, e, ["lr", "temperature", "reward"])
  const lrExpr = args.get("lr")
  const lr = lrExpr === undefined ? 0.5 : checkedNumber(ctx, lrExpr, "lr", { min: 0, max: 1, exclusive: "min" })
  const temperatureExpr = args.get("temperature")
  const temperature = temperatureExpr === undefined ? { kind: "constant" as const, value: 1, span: e.span } : compileSchedule(ctx, temperatureExpr, extent)
  const rewardExpr = args.get("reward")
  const reward = rewardExpr === undefined ? "progress" : checkedChoice(ctx, rewardExpr, "reward", ["progress", "absolute_progress"] as const)
  if (lr === undefined || temperature === undefined || reward === undefined) return undefined
  for (let t = 0; t < extent.steps; t++) {
    const v = evaluateSchedule(temperature, t)
    if (!(v > 0)) return ctx.report("LRS3005", temperatureExpr!.span, `the bandit's temperature must stay above 0, but it gives ${Number(v.toPrecision(6))} at step ${t}`)
  }
  return { lr, temperature, reward }
}

/** The first step at which a pacing leaves (0, 1]. */
const firstOutside = (pacing: ScheduleIR, steps: number): { t: number; value: number } | undefined => {
  for (let t = 0; t < steps; t++) {
    const value = evaluateSchedule(pacing, t)
    if (!(value > 0 && value <= 1)) return { t, value }
  }
  return undefined
}

/**
 * A `curriculum { score = ..., order = ..., pacing = ..., sampler = ... }` block: which examples
 * a batch may draw from as training goes on. `pacing` is any schedule of the fraction available
 * (checked to stay in (0, 1] over the run); its default is all of it (the order then matters to
 * the `weighted` sampler only).
 */
export const checkCurriculum = (ctx: Context, block: Block, extent: Extent, data: DataIR | undefined, overrides: ReadonlyMap<string, Expr>): CurriculumIR | undefined => {
  // `--set curriculum.order=random` and sweeps over `curriculum.<field>` replace what the block says.
  const fields = blockFields(ctx, block, { keyword: "curriculum", a: "a curriculum", the: "the curriculum" }, curriculumFields, overrides)
  const armsExpr = fields.get("arms")?.expr
  const banditExpr = fields.get("bandit")?.expr
  const arms = armsExpr === undefined ? undefined : checkArms(ctx, armsExpr)
  const bandit = banditExpr === undefined ? undefined : checkBandit(ctx, banditExpr, extent)
  if (banditExpr !== undefined && armsExpr === undefined) ctx.report("LRS1007", block.keyword.span, "the curriculum's bandit has no `arms`", "add `arms = classes` or `arms = bins(4)`")
  if (armsExpr !== undefined && banditExpr === undefined) ctx.report("LRS1007", block.keyword.span, "the curriculum has `arms` but no `bandit` to choose among them", "add `bandit = sec(lr = 0.5, temperature = 1)`")
  if (banditExpr !== undefined) {
    for (const field of ["pacing", "sampler", "order"] as const) {
      const f = fields.get(field)
      if (f !== undefined) ctx.report("LRS1016", f.span, `a bandit curriculum draws each batch from the arm it chooses, so it takes no \`${field}\``, `remove \`${field}\``)
    }
  }
  const scoreField = fields.get("score")
  if (scoreField === undefined && !(arms?.kind === "classes")) {
    return ctx.report("LRS1007", block.keyword.span, "the curriculum has no `score`", "add `score = loss(every = 500 steps)` or `score = reference(from = \"RUN_DIR\")`")
  }
  const score = scoreField === undefined ? undefined : checkScore(ctx, scoreField.expr, extent.steps, data)
  const orderExpr = fields.get("order")?.expr
  const order = orderExpr === undefined ? "easy_to_hard" : checkedChoice(ctx, orderExpr, "order", ["easy_to_hard", "hard_to_easy", "random"] as const)
  const samplerExpr = fields.get("sampler")?.expr
  const sampler = samplerExpr === undefined ? "uniform" : checkedChoice(ctx, samplerExpr, "sampler", ["uniform", "weighted", "sequential"] as const)
  const pacingExpr = fields.get("pacing")?.expr
  const pacing = pacingExpr === undefined ? { kind: "constant" as const, value: 1, span: block.span } : compileSchedule(ctx, pacingExpr, extent)
  if (pacing !== undefined) {
    for (const s of scheduleNodes(pacing).slice(1)) if (s.kind === "stages") ctx.report("LRS3004", s.span, "`stages` must be the whole pacing", "write `pacing = stages(...)`")
  }
  const outside = pacing === undefined ? undefined : firstOutside(pacing, extent.steps)
  if (outside !== undefined) {
    ctx.report("LRS3005", pacingExpr!.span, `the pacing is the fraction of the data available, in (0, 1], but it gives ${Number(outside.value.toPrecision(6))} at step ${outside.t}`, "keep the pacing's values above 0 and at most 1, for example `linear(0.1 -> 1)`")
  }
  if ((scoreField !== undefined && score === undefined) || order === undefined || sampler === undefined || pacing === undefined || outside !== undefined) return undefined
  if ((armsExpr !== undefined || banditExpr !== undefined) && (arms === undefined || bandit === undefined)) return undefined
  if (score?.kind === "reference" && data === undefined) return undefined
  return {
    ...(score === undefined ? {} : { score }),
    order,
    pacing,
    sampler,
    ...(arms === undefined || bandit === undefined ? {} : { bandit: { arms, ...bandit } }),
    span: block.span
  }
}
