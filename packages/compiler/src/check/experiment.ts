import type { Block, Expr, Member, Span, Statement } from "@lrs/dsl"
import { isEnv, isTokenEnv, type RunIR, type ScheduleIR } from "../ir/Ir.ts"
import { compileSchedule, type Extent } from "../schedule/compile.ts"
import { checkAverage } from "./average.ts"
import { checkCurriculum } from "./curriculum.ts"
import { checkStream, streamAxes } from "./stream.ts"
import { checkRl, rlAlgorithmOf } from "./rl.ts"
import { rlFeaturesOf } from "./rlControls.ts"
import { rlSignals, supervisedSignals } from "./signals.ts"
import { checkEnsemble } from "./ensemble.ts"
import { checkSearches } from "./searches.ts"
import { checkData, checkModel, checkOptimizer, splitsOf, trainExamples } from "./constructors.ts"
import { type Context, type Origin, Scope } from "./Context.ts"
import { checkOptimizerRanges } from "./ranges.ts"
import { checkCheckpoint, checkEvaluate, checkLog, checkUntil, stepCount } from "./statements.ts"
import { suggestionHelp } from "./suggest.ts"
import { checkedChoice, checkedNumber } from "./values.ts"

/** The fields an experiment block takes (`name = value`), in the order `resolve` prints them. */
export const experimentFields = ["seed", "steps", "epochs", "batch", "data", "model", "optimizer", "on_nonfinite", "average", "ensemble"] as const
export type ExperimentField = (typeof experimentFields)[number]
export const statementKinds = ["evaluate", "log", "checkpoint"] as const
const declarationKinds = ["schedule"] as const
/** Block keywords the later features (streams, curricula, RL loops) own; reserved now so specs cannot take them. */
export const reservedBlocks = ["sweep"] as const

export type Origins = Readonly<Record<string, Origin>>

export interface FieldValue {
  readonly expr: Expr
  readonly origin: Origin
}

const defaults = { seed: 0, batch: 32 }

/** The overrides (`--set`, sweeps) of a block's fields, `<block>.<field>`, by field. */
const blockOverrides = (overrides: ReadonlyMap<string, { readonly expr: Expr }>, block: string): Map<string, Expr> =>
  new Map([...overrides].flatMap(([key, v]) => (key.startsWith(`${block}.`) ? [[key.slice(block.length + 1), v.expr] as const] : [])))

/** Where a block's values came from: the first `--set` or sweep value of one of its fields, else the spec. */
const blockOrigin = (overrides: ReadonlyMap<string, FieldValue>, name: string, block: Block | undefined): Origin => {
  if (block === undefined) return { kind: "default" }
  const replaced = [...overrides].find(([key]) => key.startsWith(`${name}.`))
  return replaced === undefined ? { kind: "spec", span: block.span } : replaced[1].origin
}

/** What an RL experiment cannot have in this release: said rather than ignored. */
const checkRlExperiment = (ctx: Context, fields: ReadonlyMap<string, FieldValue>, statements: ReadonlyMap<string, Statement>, blocks: ReadonlyMap<string, Block>): void => {
  const batch = fields.get("batch")
  if (batch !== undefined && batch.origin.kind !== "default") {
    ctx.report("LRS2001", batch.expr.span, "an rl experiment's batch is its rollout (copies x rollout steps)", "remove `batch`; set `copies` in the environment and `rollout` in `ppo(...)`")
  }
  for (const key of ["average", "ensemble", "on_nonfinite"] as const) {
    const f = fields.get(key)
    if (f !== undefined && f.origin.kind !== "default") ctx.report("LRS1016", f.expr.span, `\`${key}\` cannot be combined with an rl loop in this release`, `remove \`${key}\``)
  }
  const evaluate = statements.get("evaluate")
  if (evaluate !== undefined) ctx.report("LRS1016", evaluate.span, "`evaluate` is not available for an rl loop in this release (it logs its episodes' returns as it trains)", "remove `evaluate`; `until` and `plateau` read the loop's `train.*` signals")
  for (const key of ["curriculum", "stream"] as const) {
    const b = blocks.get(key)
    if (b !== undefined) ctx.report("LRS1016", b.keyword.span, `a \`${key}\` cannot be combined with an rl loop in this release`, "remove one of them")
  }
}

/** Checks an experiment block and builds its IR; undefined when anything was reported. */
export const checkExperiment = (
  fileCtx: Context,
  block: Block,
  source: string,
  overrides: ReadonlyMap<string, FieldValue>
): { ir: RunIR; origins: Origins } | undefined => {
  const before = fileCtx.diagnostics.length
  const name = block.label?.text ?? "experiment"
  const scope = new Scope(fileCtx.scope.file, fileCtx.scope)
  const ctx = fileCtx.in(scope)
  const fields = new Map<string, FieldValue>()
  const statements = new Map<string, Statement>()
  const blocks = new Map<string, Block>()
  const seen = new Map<string, Span>()
  const once = (key: string, span: Span, what: string): boolean => {
    const first = seen.get(key)
    if (first !== undefined) {
      ctx.report("LRS1006", span, `${what} is defined twice in experiment \`${name}\``, "remove one of them", {
        related: [{ span: first, label: "first defined here" }]
      })
      return false
    }
    seen.set(key, span)
    return true
  }
  for (const m of block.members) collect(ctx, scope, m, name, once, fields, statements, blocks)
  const ownSteps = fields.get("steps")?.expr
  const overriddenSteps = overrides.get("steps")?.expr
  // A bare count would quietly move a run counted in iterations onto env steps: say which is meant.
  if (ownSteps?.kind === "Number" && ownSteps.unit?.text === "iterations" && overriddenSteps?.kind === "Number" && overriddenSteps.unit === undefined) {
    ctx.report("LRS2005", overriddenSteps.span, `this experiment counts its run in iterations (\`steps = ${ownSteps.raw} iterations\`); a bare count would count env steps`, `write \`steps=${overriddenSteps.raw} iterations\` (or \`${overriddenSteps.raw} env_steps\` to count env steps)`)
  }
  for (const [key, value] of overrides) {
    if (key.startsWith("curriculum.") || key.startsWith("stream.") || key.startsWith("rl.")) continue
    // An overridden budget replaces the spec's, whichever way the spec counts it (`--set steps=60` on an `epochs = 5` spec).
    if (key === "steps" && !overrides.has("epochs")) fields.delete("epochs")
    if (key === "epochs" && !overrides.has("steps")) fields.delete("steps")
    fields.set(key, value)
  }
  if (block.label === undefined) ctx.report("LRS1012", block.keyword.span, "an experiment needs a name", "write `experiment NAME { ... }`")

  const origins: Record<string, Origin> = {}
  const field = (key: ExperimentField): Expr | undefined => {
    const f = fields.get(key)
    origins[key] = f?.origin ?? { kind: "default" }
    return f?.expr
  }
  const required = (key: ExperimentField, example: string): Expr | undefined => {
    const e = field(key)
    if (e === undefined) ctx.report("LRS1007", block.keyword.span, `experiment \`${name}\` has no \`${key}\``, `add \`${key} = ${example}\``, { label: "in this experiment" })
    return e
  }

  const seedExpr = field("seed")
  const seed = seedExpr === undefined ? defaults.seed : checkedNumber(ctx, seedExpr, "seed", { integer: true, min: 0, max: 2 ** 32 - 1 })
  const batchExpr = field("batch")
  const batch = batchExpr === undefined ? defaults.batch : checkedNumber(ctx, batchExpr, "batch", { integer: true, min: 1 })
  const dataExpr = required("data", "spirals()")
  const data = dataExpr === undefined ? undefined : checkData(ctx, dataExpr)
  // An environment's run counts env steps: `steps`, `env_steps` and `%` are its lengths.
  const env = data !== undefined && isEnv(data) ? data : undefined
  // An rl run's clock: env steps, or iterations when its budget says so (`steps = 300 iterations`).
  const stepsValue = fields.get("steps")?.expr
  const iterationClock = env !== undefined && stepsValue?.kind === "Number" && stepsValue.unit?.text === "iterations"
  const axesCtx = ctx.withAxes({
    ...(env === undefined ? {} : iterationClock ? { iterations: true } : { envSteps: true, ...(isTokenEnv(env) ? { tokens: true } : {}) }),
    ...(batch === undefined || env !== undefined ? {} : { batch }),
    ...(batch === undefined || data === undefined || trainExamples(data) === undefined ? {} : { stepsPerEpoch: Math.ceil(trainExamples(data)! / batch) })
  })
  const budget = checkBudget(axesCtx, field("steps"), field("epochs"), fields, block.keyword.span, name)
  // Schedules need the budget for `%` lengths and for the segment that fills the rest.
  const extent: Extent = { steps: budget?.steps ?? 1, source: budget?.span ?? block.keyword.span, what: "the run's budget" }
  // A stream comes early: its tasks are a time unit (`restart(s, every = 1 tasks)`, `evaluate every 1 tasks`).
  const streamBlock = blocks.get("stream")
  const streamOverrides = blockOverrides(overrides, "stream")
  const stream = streamBlock === undefined || budget === undefined ? undefined : checkStream(axesCtx, streamBlock, budget.steps, budget.span, data, streamOverrides)
  origins["stream"] = blockOrigin(overrides, "stream", streamBlock)
  const timedAxes = stream === undefined ? axesCtx : axesCtx.withAxes(streamAxes(axesCtx.axes, stream.taskSteps, stream.online))
  const rlBlock = blocks.get("rl")
  const rlOverrides = blockOverrides(overrides, "rl")
  // An rl loop's signals are its iterations' values, which depend on the algorithm.
  const rlObserved = env === undefined ? undefined : rlSignals(rlBlock === undefined ? undefined : rlAlgorithmOf(rlBlock, rlOverrides), rlFeaturesOf(rlBlock, env, rlOverrides))
  const rl = rlBlock === undefined || env === undefined || budget === undefined ? undefined : checkRl(axesCtx.withObserved(rlObserved!), rlBlock, env, extent, budget.span, rlOverrides)
  origins["rl"] = blockOrigin(overrides, "rl", rlBlock)
  if (rlBlock !== undefined && data !== undefined && env === undefined) {
    ctx.report("LRS2001", rlBlock.keyword.span, "an `rl` block trains on an environment, but this experiment's `data` is a dataset", "write `data = cartpole()` (or `frozen_lake()`), or remove the rl block")
  }
  if (env !== undefined && rlBlock === undefined) {
    ctx.report("LRS1007", env.span, `\`${env.kind}\` is an environment: an \`rl { algorithm = ... }\` block says how to learn from it`, "add `rl { algorithm = ppo() }`")
  }
  if (env !== undefined) checkRlExperiment(ctx, fields, statements, blocks)
  const statementOrigin = (key: string): Origin => {
    const s = statements.get(key)
    return s === undefined ? { kind: "default" } : { kind: "spec", span: s.span }
  }
  // What is evaluated decides which signals exist, so it comes before anything that may read one.
  const evaluation = checkEvaluate(timedAxes, statements.get("evaluate"), extent.steps, block.span, data === undefined ? ["test"] : splitsOf(data))
  origins["evaluate"] = statementOrigin("evaluate")
  const evaluated = (evaluation?.metrics ?? ["accuracy", "loss"]).map((m) => `${evaluation?.split ?? "test"}.${m}`)
  const observed = rlObserved ?? supervisedSignals(evaluated)
  const timed = timedAxes.withObserved(observed)
  const modelExpr = required("model", "mlp(hidden = [64, 64])")
  const model = modelExpr === undefined ? undefined : checkModel(timed, modelExpr, extent, data)
  const nonfiniteExpr = field("on_nonfinite")
  const onNonfinite = nonfiniteExpr === undefined ? "halt" : checkedChoice(ctx, nonfiniteExpr, "on_nonfinite", ["halt", "skip_step", "rollback"] as const)
  const optimizerExpr = required("optimizer", "adam(lr = 1e-3)")
  const optimizer = optimizerExpr === undefined ? undefined : checkOptimizer(timed, optimizerExpr, extent)
  const schedules: Record<string, ScheduleIR> = {}
  for (const [key, def] of scope.definitions) {
    const ir = timed.resolving(def, def.span, () => compileSchedule(timed, def.expr, extent))
    if (ir !== undefined) schedules[key] = ir
    origins[`schedule ${key}`] = def.origin
  }
  const steps = extent.steps
  const log = checkLog(timedAxes, statements.get("log"), steps, observed, block.span)
  origins["log"] = statementOrigin("log")
  const checkpointStatement = statements.get("checkpoint")
  const checkpoint = checkpointStatement === undefined ? undefined : checkCheckpoint(timedAxes, checkpointStatement)
  origins["checkpoint"] = statementOrigin("checkpoint")
  const untilStatement = statements.get("until")
  const stop = untilStatement === undefined ? undefined : checkUntil(timedAxes, untilStatement, observed)
  origins["until"] = statementOrigin("until")
  if (optimizer !== undefined) checkSearches(timed, optimizer.ir, schedules, model?.dropout)
  const curriculumBlock = blocks.get("curriculum")
  const curriculumOverrides = blockOverrides(overrides, "curriculum")
  const curriculum = curriculumBlock === undefined ? undefined : checkCurriculum(timed, curriculumBlock, extent, data, curriculumOverrides)
  origins["curriculum"] = blockOrigin(overrides, "curriculum", curriculumBlock)
  if (curriculumBlock !== undefined && optimizer?.ir.lr.kind === "autolrs") {
    ctx.report("LRS1016", curriculumBlock.keyword.span, "a `curriculum` cannot be combined with an `autolrs` learning rate in this release (its trials would each see other batches)", "give the run an ordinary lr schedule, or remove the curriculum")
  }
  if (streamBlock !== undefined) {
    const other = curriculumBlock !== undefined ? "a `curriculum`" : fields.has("ensemble") ? "an `ensemble`" : optimizer?.ir.lr.kind === "autolrs" ? "an `autolrs` learning rate" : undefined
    if (other !== undefined) ctx.report("LRS1016", streamBlock.keyword.span, `a \`stream\` cannot be combined with ${other} in this release`, "remove one of them")
  }
  const averageExpr = field("average")
  const average = averageExpr === undefined ? undefined : checkAverage(axesCtx, averageExpr, steps)
  const ensembleExpr = field("ensemble")
  const ensemble = ensembleExpr === undefined ? undefined : checkEnsemble(axesCtx, ensembleExpr, steps)
  if (ensemble !== undefined && ensembleExpr !== undefined) {
    // What an ensemble cannot be combined with yet, said rather than ignored.
    const clash = (what: string, help: string) => ctx.report("LRS1016", ensembleExpr.span, `an \`ensemble\` cannot be combined with ${what} in this release`, help)
    if (averageExpr !== undefined) clash("`average` (its replicas are averaged already)", "remove `average`; the ensemble's replicas are averaged every `average_every` updates")
    if (optimizer?.ir.lr.kind === "autolrs") clash("an `autolrs` learning rate", "give the ensemble an ordinary lr schedule to explore around")
    if (onNonfinite === "rollback") clash("`on_nonfinite = rollback`", "use `on_nonfinite = halt` or `skip_step`")
    if (curriculumBlock !== undefined) clash("a `curriculum`", "remove one of them")
    if (batch !== undefined && batch % ensemble.replicas !== 0) {
      ctx.report("LRS2002", ensembleExpr.span, `the ensemble's ${ensemble.replicas} replicas split each batch, but \`batch = ${batch}\` does not divide by ${ensemble.replicas}`, `make \`batch\` a multiple of ${ensemble.replicas}, such as ${Math.max(1, Math.round(batch / ensemble.replicas)) * ensemble.replicas}`)
    }
    if (ensemble.explore.includes("dropout") && model !== undefined && model.dropout.kind === "constant" && model.dropout.value === 0) {
      ctx.report("LRS2001", ensembleExpr.span, "the ensemble explores `dropout`, but the model has none (its multiples of 0 are all 0)", "give the model a dropout, such as `dropout = 0.1`, or leave `dropout` out of `explore`")
    }
  }
  if (optimizer !== undefined && budget !== undefined) checkOptimizerRanges(axesCtx, optimizer.ir, optimizer.args, budget.steps)
  if (env !== undefined && isTokenEnv(env) && model !== undefined && model.kind !== "gru") {
    ctx.report("LRS2001", modelExpr!.span, "a token task's policy is a `gru` in this release", "write `model = gru(hidden = 64, embedding = 16)`")
  } else if (env !== undefined && !isTokenEnv(env) && model !== undefined && model.kind === "cnn") {
    ctx.report("LRS2001", modelExpr!.span, "an rl experiment's policy is an `mlp` in this release", "write `model = mlp(hidden = [64, 64], activation = tanh)`")
  }
  if (env !== undefined && model?.kind === "mlp" && (model.dropout.kind !== "constant" || model.dropout.value !== 0)) {
    ctx.report("LRS2001", modelExpr!.span, "an rl experiment's policy takes `hidden`, `activation` and `layer_norm` only in this release", "remove `dropout`")
  }
  if (env !== undefined && model?.kind === "mlp" && model.activation !== "tanh" && model.activation !== "relu") {
    ctx.report("LRS2002", modelExpr!.span, `an rl experiment's policy uses \`tanh\` or \`relu\` in this release, found \`${model.activation}\``, "write `activation = tanh` (CleanRL's and SB3's choice)")
  }
  if (rl?.algorithm.kind === "ppo" && rl.algorithm.adaptiveReplay !== undefined && model?.kind === "mlp" && model.activation !== "relu") {
    // Active units are ReLU units with a positive output; other activations have no such share.
    ctx.report("LRS2001", modelExpr!.span, `\`adaptive_replay\` reads the fraction of active ReLU units, and this policy uses \`${model.activation}\``, "write `activation = relu` in the mlp")
  }
  if (env !== undefined && optimizer !== undefined && optimizer.ir.kind !== "adam") ctx.report("LRS2001", optimizerExpr!.span, "an rl experiment trains with `adam` in this release", "write `optimizer = adam(lr = 2.5e-4, epsilon = 1e-5)`")
  // NaP's projection leaves the network's function as it is only behind normalisation.
  if (optimizer?.ir.project === true && model !== undefined && model.kind !== "gru" && !(model.kind === "mlp" && model.layerNorm)) {
    ctx.report("LRS2001", optimizer.args.get("project")!.span, "`project = true` (Normalize-and-Project) keeps weight norms fixed, which leaves the network's function intact only with layer norm before each activation", model.kind === "mlp" ? "add `layer_norm = true` to the mlp" : "use an `mlp` with `layer_norm = true`")
  }
  if (model?.kind === "gru" && optimizer?.ir.project === true) ctx.report("LRS1016", optimizer.args.get("project")!.span, "`project` is not available for a token task's gru policy in this release", "remove `project`")
  if (env !== undefined && optimizer?.ir.kind === "adam") {
    // The RL loop's Adam takes a scheduled lr only; the rest must not be silently dropped.
    const o = optimizer.ir
    const at = (arg: string) => optimizer.args.get(arg)?.span ?? optimizerExpr!.span
    if (o.beta1.kind !== "constant" || o.beta2.kind !== "constant") ctx.report("LRS2001", at(o.beta1.kind !== "constant" ? "beta1" : "beta2"), "an rl experiment's Adam takes constant betas in this release", "give `beta1` and `beta2` numbers")
    if (o.weightDecay.kind !== "constant" || o.weightDecay.value !== 0) ctx.report("LRS2001", at("weight_decay"), "an rl experiment's Adam has no weight decay in this release", "remove `weight_decay`")
    if (o.clipNorm !== undefined) ctx.report("LRS2001", at("clip_norm"), "an rl loop clips gradients with its algorithm's `max_grad_norm`", "remove `clip_norm` and write `ppo(max_grad_norm = ...)`")
  }

  // Warnings (an unused name) leave the run intact; only errors drop it.
  if (ctx.diagnostics.slice(before).some((d) => d.severity === "error")) return undefined
  if (
    seed === undefined || budget === undefined || batch === undefined || data === undefined || model === undefined ||
    optimizer === undefined || evaluation === undefined || log === undefined || onNonfinite === undefined ||
    (checkpointStatement !== undefined && checkpoint === undefined) || (untilStatement !== undefined && stop === undefined) ||
    (averageExpr !== undefined && average === undefined) || (ensembleExpr !== undefined && ensemble === undefined) ||
    (curriculumBlock !== undefined && curriculum === undefined) || (streamBlock !== undefined && stream === undefined) ||
    (env !== undefined && rl === undefined)
  ) {
    return undefined
  }
  const ir: RunIR = {
    lrs: 1,
    experiment: name,
    source,
    seed,
    steps: budget.steps,
    // An RL iteration's batch is its rollout.
    batch: rl?.algorithm.kind === "ppo" ? env!.copies * rl.algorithm.rollout : env !== undefined ? env.copies : batch,
    // A curriculum scored by a column has the data loader read that column too.
    data: curriculum?.score?.kind === "column" && (data.kind === "csv" || data.kind === "jsonl") ? { ...data, score: curriculum.score.name } : data,
    model,
    optimizer: optimizer.ir,
    schedules,
    evaluation,
    log,
    onNonfinite,
    ...(checkpoint === undefined ? {} : { checkpoint }),
    ...(stop === undefined ? {} : { stop }),
    ...(average === undefined ? {} : { average }),
    ...(ensemble === undefined ? {} : { ensemble }),
    ...(curriculum === undefined ? {} : { curriculum }),
    ...(stream === undefined ? {} : { stream }),
    ...(rl === undefined ? {} : { rl: iterationClock ? { clock: "iterations", ...rl } : rl }),
    span: block.span
  }
  return { ir, origins }
}

/** The budget: `steps = N` or `epochs = N` (converted on the batch and the training split), exactly one. */
const checkBudget = (
  ctx: Context,
  stepsExpr: Expr | undefined,
  epochsExpr: Expr | undefined,
  fields: ReadonlyMap<string, FieldValue>,
  at: Span,
  name: string
): { steps: number; span: Span } | undefined => {
  if (stepsExpr !== undefined && epochsExpr !== undefined) {
    const first = fields.get("steps")!.origin
    return ctx.report("LRS1014", epochsExpr.span, `experiment \`${name}\` gives both \`steps\` and \`epochs\``, "keep one of them: the budget is counted in one way", {
      related: first.kind === "default" ? [] : [{ span: first.span, label: "`steps` given here" }]
    })
  }
  if (stepsExpr !== undefined) {
    const steps = stepCount(ctx, stepsExpr, "steps")
    return steps === undefined ? undefined : { steps, span: stepsExpr.span }
  }
  if (epochsExpr !== undefined) {
    const epochs = checkedNumber(ctx, epochsExpr, "epochs", { min: 0, exclusive: true })
    const per = ctx.axes.stepsPerEpoch
    if (epochs === undefined) return undefined
    if (per === undefined) return ctx.report("LRS2005", epochsExpr.span, "`epochs` cannot be converted to steps: the size of this experiment's training split is known only when the data is read", "give the budget as `steps = N`")
    return { steps: Math.max(1, Math.round(epochs * per)), span: epochsExpr.span }
  }
  return ctx.report("LRS1007", at, `experiment \`${name}\` has no budget`, "add `steps = 1000` (or `epochs = 10`)", { label: "in this experiment" })
}

const collect = (
  ctx: Context,
  scope: Scope,
  m: Member,
  experiment: string,
  once: (key: string, span: Span, what: string) => boolean,
  fields: Map<string, FieldValue>,
  statements: Map<string, Statement>,
  blocks: Map<string, Block>
): void => {
  switch (m.kind) {
    case "Attribute": {
      if (m.keyword === undefined) {
        if (!(experimentFields as ReadonlyArray<string>).includes(m.name.text)) {
          ctx.report("LRS1003", m.name.span, `experiment \`${experiment}\` has no field \`${m.name.text}\``, suggestionHelp(m.name.text, experimentFields, "field"), {
            notes: [`an experiment takes the fields ${experimentFields.map((f) => `\`${f}\``).join(", ")}, \`schedule NAME = ...\` and the statements \`evaluate\`, \`log\`, \`checkpoint\`, \`until\``]
          })
          return
        }
        if (once(m.name.text, m.span, `\`${m.name.text}\``)) fields.set(m.name.text, { expr: m.value, origin: { kind: "spec", span: m.span } })
        return
      }
      if (m.keyword.text !== "schedule") {
        ctx.report("LRS1002", m.keyword.span, `\`${m.keyword.text}\` is not a declaration an experiment takes`, suggestionHelp(m.keyword.text, declarationKinds, "declaration"))
        return
      }
      const outer = scope.parent?.definitions.get(m.name.text)
      if (outer !== undefined) {
        ctx.report("LRS1006", m.name.span, `\`${m.name.text}\` is already a top-level ${outer.kind}`, "rename one of them", {
          related: [{ span: outer.span, label: "declared here" }]
        })
        return
      }
      if (once(`schedule ${m.name.text}`, m.span, `schedule \`${m.name.text}\``)) {
        scope.definitions.set(m.name.text, { kind: "schedule", name: m.name.text, expr: m.value, span: m.span, origin: { kind: "spec", span: m.span }, scope })
      }
      return
    }
    case "Statement": {
      const keyword = m.keyword?.text ?? m.clauses[0]?.preposition?.text
      if (keyword === "until") {
        if (once("until", m.span, "`until`")) statements.set("until", m)
        return
      }
      if (m.keyword === undefined) {
        ctx.report("LRS4004", m.span, `\`${keyword ?? "this"}\` statements are not available in this release`, "use `until CONDITION` to stop early", {
          notes: ["triggers such as `on plateau(...)` arrive with adaptive schedules"]
        })
        return
      }
      if (!(statementKinds as ReadonlyArray<string>).includes(m.keyword.text)) {
        ctx.report("LRS1002", m.keyword.span, `\`${m.keyword.text}\` is not a statement an experiment takes`, suggestionHelp(m.keyword.text, statementKinds, "statement"))
        return
      }
      if (once(m.keyword.text, m.span, `\`${m.keyword.text}\``)) statements.set(m.keyword.text, m)
      return
    }
    case "Block":
      if (m.keyword.text === "stream") {
        if (m.label !== undefined) ctx.report("LRS1012", m.label.span, "a stream has no name", "write `stream { ... }`")
        if (once("stream", m.span, "`stream { ... }`")) blocks.set("stream", m)
        return
      }
      if (m.keyword.text === "rl") {
        if (m.label !== undefined) ctx.report("LRS1012", m.label.span, "an rl block has no name", "write `rl { ... }`")
        if (once("rl", m.span, "`rl { ... }`")) blocks.set("rl", m)
        return
      }
      if (m.keyword.text === "curriculum") {
        if (m.label !== undefined) ctx.report("LRS1012", m.label.span, "a curriculum has no name", "write `curriculum { ... }`")
        if (once("curriculum", m.span, "`curriculum { ... }`")) blocks.set("curriculum", m)
        return
      }
      if ((reservedBlocks as ReadonlyArray<string>).includes(m.keyword.text)) {
        ctx.report("LRS1013", m.keyword.span, `\`${m.keyword.text} { ... }\` is reserved and not available in this release`, "declare `sweep { ... }` at the top level of the file")
        return
      }
      ctx.report("LRS1002", m.keyword.span, `\`${m.keyword.text} { ... }\` is not a block an experiment takes`, "experiments take fields, `schedule NAME = ...`, `curriculum { ... }`, `stream { ... }` and `rl { ... }` blocks and the statements `evaluate`, `log`, `checkpoint`, `until`")
  }
}
