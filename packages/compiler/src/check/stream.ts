import type { Block, Expr, Span } from "@lrs/dsl"
import { type DataIR, type ScheduleIR, type StreamIR, taskEnds } from "../ir/Ir.ts"
import { compileSchedule, durationSteps, type Extent } from "../schedule/compile.ts"
import { blockFields } from "./blockFields.ts"
import { bindArgs } from "./calls.ts"
import { classCount, type Domain } from "./constructors.ts"
import { checkScheduleRange } from "./ranges.ts"
import type { Context } from "./Context.ts"
import { checkedBool, checkedChoice, checkedNumber, describe } from "./values.ts"

/** The fields of a `stream { ... }` block. */
export const streamFields = ["tasks", "scenario", "budgets", "batches", "replay", "regularizer", "joint", "test_subsample", "forgetting_window"] as const

/**
 * `split(classes_per_task = 2)` or `split(classes = [[0, 1], [2, 3]])`; `permuted(tasks = 5,
 * identity_first = true)`; `rotated(angles = [0, 80, 160])`.
 */
const checkTasks = (ctx: Context, e: Expr, data: DataIR | undefined): StreamIR["tasks"] | undefined => {
  const fn = e.kind === "Call" && e.callee.length === 1 ? e.callee[0]!.text : undefined
  if (e.kind !== "Call" || (fn !== "split" && fn !== "permuted" && fn !== "rotated" && fn !== "scole")) {
    return ctx.report("LRS2001", e.span, `\`tasks\` must be \`split(classes_per_task = 2)\`, \`permuted(tasks = 5)\`, \`rotated(angles = [0, 80, 160])\`, \`scole(tasks = 500)\` or \`online(split(...), size = 10)\`, found ${describe(e)}`)
  }
  if (fn === "scole") {
    const args = bindArgs(ctx, e, ["tasks", "classes_per_task", "seed"], ["tasks"])
    const count = args.get("tasks") === undefined ? undefined : checkedNumber(ctx, args.get("tasks")!, "tasks", { integer: true, min: 1, max: 100000 })
    const per = args.get("classes_per_task") === undefined ? 2 : checkedNumber(ctx, args.get("classes_per_task")!, "classes_per_task", { integer: true, min: 1 })
    const seed = args.get("seed") === undefined ? 0 : checkedNumber(ctx, args.get("seed")!, "seed", { integer: true, min: 0 })
    if (count === undefined || per === undefined || seed === undefined) return undefined
    const total = data === undefined ? undefined : classCount(data)
    if (total === undefined) return ctx.report("LRS2005", e.span, "SCoLe draws its tasks' classes from the data's, whose number is known only when it is read", "use data whose classes are known (`fashion_mnist()`, `mnist()`, `spirals(classes = 10)`)")
    if (per >= total) return ctx.report("LRS2002", (args.get("classes_per_task") ?? e).span, `a SCoLe task draws ${per} of the data's ${total} classes: it must draw fewer`, `choose \`classes_per_task\` below ${total}`)
    return { kind: "scole", count, classesPerTask: per, seed }
  }
  if (fn === "rotated") {
    const args = bindArgs(ctx, e, ["angles", "tasks", "seed"])
    const listed = args.get("angles")
    if (listed === undefined) {
      if (args.get("tasks") === undefined) return ctx.report("LRS2001", e.span, "`rotated` needs `angles = [...]` or `tasks = N` (angles drawn at random)", "write `rotated(angles = [0, 80, 160])` or `rotated(tasks = 5, seed = 0)`")
      const count = checkedNumber(ctx, args.get("tasks")!, "tasks", { integer: true, min: 1, max: 100 })
      const seed = args.get("seed") === undefined ? 0 : checkedNumber(ctx, args.get("seed")!, "seed", { integer: true, min: 0 })
      return count === undefined || seed === undefined ? undefined : { kind: "rotated", angles: { count, seed } }
    }
    if (args.get("tasks") !== undefined) return ctx.report("LRS2002", args.get("tasks")!.span, "`rotated` takes `angles` or `tasks`, not both", "remove one of them")
    if (listed.kind !== "List" || listed.items.length === 0) return ctx.report("LRS2001", listed.span, "`angles` must be a list of degrees, one per task, such as `[0, 80, 160]`")
    const angles = listed.items.map((a) => checkedNumber(ctx, a, "angle", { min: -360, max: 360 }))
    return angles.every((a) => a !== undefined) ? { kind: "rotated", angles } : undefined
  }
  if (fn === "permuted") {
    const args = bindArgs(ctx, e, ["tasks", "identity_first", "seed"], ["tasks"])
    const count = args.get("tasks") === undefined ? undefined : checkedNumber(ctx, args.get("tasks")!, "tasks", { integer: true, min: 1, max: 100 })
    const identityFirst = args.get("identity_first") === undefined ? true : checkedBool(ctx, args.get("identity_first")!, "identity_first")
    const seed = args.get("seed") === undefined ? 0 : checkedNumber(ctx, args.get("seed")!, "seed", { integer: true, min: 0 })
    return count === undefined || identityFirst === undefined || seed === undefined ? undefined : { kind: "permuted", count, identityFirst, seed }
  }
  const args = bindArgs(ctx, e, ["classes_per_task", "classes"])
  const total = data === undefined ? undefined : classCount(data)
  const listed = args.get("classes")
  if (listed !== undefined) {
    if (listed.kind !== "List" || listed.items.some((t) => t.kind !== "List")) return ctx.report("LRS2001", listed.span, "`classes` must be a list of lists of class indices, such as `[[0, 1], [2, 3]]`")
    const groups = listed.items.map((t) => (t as Expr & { kind: "List" }).items.map((c) => checkedNumber(ctx, c, "class", { integer: true, min: 0, ...(total === undefined ? {} : { max: total - 1 }) })))
    if (groups.some((g) => g.some((c) => c === undefined))) return undefined
    const flat = groups.flat() as Array<number>
    if (new Set(flat).size !== flat.length) return ctx.report("LRS2002", listed.span, "a class is in more than one task", "give each class to one task")
    if (groups.some((g) => g.length === 0)) return ctx.report("LRS2002", listed.span, "a task has no classes")
    return { kind: "split", classes: groups as Array<Array<number>> }
  }
  const perExpr = args.get("classes_per_task")
  const per = perExpr === undefined ? 2 : checkedNumber(ctx, perExpr, "classes_per_task", { integer: true, min: 1 })
  if (per === undefined) return undefined
  if (total === undefined) return ctx.report("LRS2005", e.span, "the number of classes of this data is known only when it is read", "list the tasks: `split(classes = [[0, 1], [2, 3]])`")
  if (total % per !== 0) return ctx.report("LRS2002", perExpr?.span ?? e.span, `${total} classes do not split into tasks of ${per}`, "choose `classes_per_task` dividing the number of classes, or list them with `classes = [[...], ...]`")
  return { kind: "split", classes: Array.from({ length: total / per }, (_, k) => Array.from({ length: per }, (_, i) => k * per + i)) }
}

const fractionDomain: Domain = { contains: (v) => v >= 0 && v < 1, text: "must be >= 0 and < 1" }

/**
 * `replay = reservoir(capacity = 1000, fraction = 0.5)` or `class_balanced(...)`; `fraction` any
 * schedule in [0, 1), or `concat` (a second batch of the same size from the buffer).
 */
const checkReplay = (ctx: Context, e: Expr, extent: Extent): StreamIR["replay"] | undefined => {
  const fn = e.kind === "Call" && e.callee.length === 1 ? e.callee[0]!.text : undefined
  if (e.kind !== "Call" || (fn !== "reservoir" && fn !== "class_balanced")) {
    return ctx.report("LRS2001", e.span, `\`replay\` must be \`reservoir(capacity = 1000, fraction = 0.5)\` or \`class_balanced(capacity = 1000)\`, found ${describe(e)}`)
  }
  const args = bindArgs(ctx, e, ["capacity", "fraction", "timing"], ["capacity"])
  const timingExpr = args.get("timing")
  const timing = timingExpr === undefined ? undefined : checkTiming(ctx, timingExpr)
  if (timingExpr !== undefined && timing === undefined) return undefined
  const capacity = args.get("capacity") === undefined ? undefined : checkedNumber(ctx, args.get("capacity")!, "capacity", { integer: true, min: 1 })
  const fractionExpr = args.get("fraction")
  let fraction: ScheduleIR | "concat" | undefined = { kind: "constant", value: 0.5, span: e.span }
  if (fractionExpr?.kind === "Ref" && fractionExpr.path.length === 1 && fractionExpr.path[0]!.text === "concat") fraction = "concat"
  else if (fractionExpr !== undefined) {
    fraction = compileSchedule(ctx, fractionExpr, extent)
    if (fraction !== undefined && !checkScheduleRange(ctx, fraction, "fraction", fractionDomain, fractionExpr.span, extent.steps)) fraction = undefined
    if (fraction?.kind === "constant" && !fractionDomain.contains(fraction.value)) {
      fraction = ctx.report("LRS2002", fractionExpr.span, `\`fraction\` ${fractionDomain.text}, found ${fraction.value}`, "replay a share of each batch below 1, or write `fraction = concat` for a second batch from the buffer")
    }
  }
  if (capacity === undefined || fraction === undefined) return undefined
  if (typeof timing === "object" && timing.kind === "k_fpf") {
    // k-FPF replaces the replay in every batch by its periodic fine-tuning on the buffer.
    if (fractionExpr !== undefined) return ctx.report("LRS2002", fractionExpr.span, "k-FPF replays nothing in the batches: it fine-tunes on the buffer k times", "remove `fraction`, or use `timing = every_step` to replay a share of each batch")
    return { kind: fn, capacity, fraction: { kind: "constant", value: 0, span: e.span }, timing }
  }
  return { kind: fn, capacity, fraction, ...(timing === undefined || timing === "every_step" ? {} : { timing }) }
}

/** `timing = every_step | power_law(alpha = 1) | exponential(beta = 0.5)`: which tasks the replayed examples come from. */
const checkTiming = (ctx: Context, e: Expr): NonNullable<StreamIR["replay"]>["timing"] | "every_step" | undefined => {
  if (e.kind === "Ref" && e.path.length === 1 && e.path[0]!.text === "every_step") return "every_step"
  const fn = e.kind === "Call" && e.callee.length === 1 ? e.callee[0]!.text : undefined
  if (e.kind !== "Call" || (fn !== "power_law" && fn !== "exponential" && fn !== "k_fpf")) {
    return ctx.report("LRS2001", e.span, `\`timing\` must be \`every_step\`, \`power_law(alpha = 1)\`, \`exponential(beta = 0.5)\` or \`k_fpf(k = 10, modules = [output])\`, found ${describe(e)}`)
  }
  if (fn === "k_fpf") {
    const args = bindArgs(ctx, e, ["k", "modules", "iterations", "lr"], ["k", "modules"])
    const k = args.get("k") === undefined ? undefined : checkedNumber(ctx, args.get("k")!, "k", { integer: true, min: 1 })
    const iterations = args.get("iterations") === undefined ? 50 : checkedNumber(ctx, args.get("iterations")!, "iterations", { integer: true, min: 1 })
    const lr = args.get("lr") === undefined ? 0.01 : checkedNumber(ctx, args.get("lr")!, "lr", { min: 0 })
    const listed = args.get("modules")
    if (listed === undefined || k === undefined || iterations === undefined || lr === undefined) return undefined
    const names = listed.kind === "List" ? listed.items.map((m) => (m.kind === "Ref" && m.path.length === 1 ? m.path[0]!.text : undefined)) : []
    if (listed.kind !== "List" || names.length === 0 || names.some((n) => n === undefined || !/^(output|layer\d+|conv\d+|dense\d+)$/.test(n))) {
      return ctx.report("LRS2001", listed.span, "`modules` must list layers by name, such as `[output]` or `[layer1, output]` (`layerN` in an mlp, `convN` / `denseN` in a cnn, `output` the last layer)")
    }
    return { kind: "k_fpf", k, modules: names as Array<string>, iterations, lr }
  }
  if (fn === "power_law") {
    const args = bindArgs(ctx, e, ["alpha"])
    const alpha = args.get("alpha") === undefined ? 1 : checkedNumber(ctx, args.get("alpha")!, "alpha", { min: 0 })
    return alpha === undefined ? undefined : { kind: "power_law", alpha }
  }
  const args = bindArgs(ctx, e, ["beta"], ["beta"])
  const beta = args.get("beta") === undefined ? undefined : checkedNumber(ctx, args.get("beta")!, "beta", { min: 0, max: 1 })
  return beta === undefined ? undefined : { kind: "exponential", beta }
}

/** `ewc(lambda, fisher = empirical, mode = separate, gamma = 1, samples = 1024)`, `l2(lambda)` or `lwf(alpha, temperature = 2)`. */
const checkRegularizer = (ctx: Context, e: Expr): StreamIR["regularizer"] | undefined => {
  const fn = e.kind === "Call" && e.callee.length === 1 ? e.callee[0]!.text : undefined
  if (e.kind !== "Call" || (fn !== "ewc" && fn !== "l2" && fn !== "lwf")) {
    return ctx.report("LRS2001", e.span, `\`regularizer\` must be \`ewc(lambda = 100)\`, \`l2(lambda = 1)\` or \`lwf(alpha = 1)\`, found ${describe(e)}`)
  }
  if (fn === "lwf") {
    const args = bindArgs(ctx, e, ["alpha", "temperature"], ["alpha"])
    const alpha = args.get("alpha") === undefined ? undefined : checkedNumber(ctx, args.get("alpha")!, "alpha", { min: 0 })
    const temperature = args.get("temperature") === undefined ? 2 : checkedNumber(ctx, args.get("temperature")!, "temperature", { min: 1e-6 })
    return alpha === undefined || temperature === undefined ? undefined : { kind: "lwf", alpha, temperature }
  }
  const args = fn === "l2" ? bindArgs(ctx, e, ["lambda"], ["lambda"]) : bindArgs(ctx, e, ["lambda", "fisher", "mode", "gamma", "samples"], ["lambda"])
  const lambda = args.get("lambda") === undefined ? undefined : checkedNumber(ctx, args.get("lambda")!, "lambda", { min: 0 })
  if (fn === "l2") return lambda === undefined ? undefined : { kind: "l2", lambda }
  const fisher = args.get("fisher") === undefined ? "empirical" : checkedChoice(ctx, args.get("fisher")!, "fisher", ["empirical", "sampled"] as const)
  const mode = args.get("mode") === undefined ? "separate" : checkedChoice(ctx, args.get("mode")!, "mode", ["separate", "online"] as const)
  const gamma = args.get("gamma") === undefined ? 1 : checkedNumber(ctx, args.get("gamma")!, "gamma", { min: 0, max: 1 })
  const samples = args.get("samples") === undefined ? 1024 : checkedNumber(ctx, args.get("samples")!, "samples", { integer: true, min: 1 })
  if (lambda === undefined || fisher === undefined || mode === undefined || gamma === undefined || samples === undefined) return undefined
  return { kind: "ewc", lambda, fisher, mode, gamma, samples }
}

/**
 * `online(split(...), size = 10, boundaries = hidden)`: the tasks inside, met one example once, `size`
 * new examples an update; `hidden` (the default) keeps the task changes from the learner.
 */
const checkOnline = (ctx: Context, e: Expr & { kind: "Call" }, data: DataIR | undefined): { tasks: StreamIR["tasks"]; online: NonNullable<StreamIR["online"]>; inner: Expr } | undefined => {
  const args = bindArgs(ctx, e, ["tasks", "size", "boundaries"], ["tasks"])
  const inner = args.get("tasks")
  if (inner === undefined) return undefined
  if (inner.kind === "Call" && inner.callee.length === 1 && inner.callee[0]!.text === "online") return ctx.report("LRS2001", inner.span, "an online stream cannot hold another", "write `online(split(classes_per_task = 2), size = 10)`")
  const tasks = checkTasks(ctx, inner, data)
  const size = args.get("size") === undefined ? ctx.axes.batch ?? 10 : checkedNumber(ctx, args.get("size")!, "size", { integer: true, min: 1 })
  const boundaries = args.get("boundaries") === undefined ? "hidden" : checkedChoice(ctx, args.get("boundaries")!, "boundaries", ["hidden", "known"] as const)
  return tasks === undefined || size === undefined || boundaries === undefined ? undefined : { tasks, online: { size, boundaries }, inner }
}

const taskCount = (tasks: StreamIR["tasks"]): number =>
  tasks.kind === "split" ? tasks.classes.length : tasks.kind === "rotated" ? ("count" in tasks.angles ? tasks.angles.count : tasks.angles.length) : tasks.count

/** Why a SCoLe sequence cannot take a setting: its tasks re-occur and share one head. */
const scoleConflict = (scenario: StreamIR["scenario"], online: StreamIR["online"], regularizer: StreamIR["regularizer"]): string | undefined =>
  scenario !== "class_incremental" ? "a SCoLe sequence is class-incremental: one head over every class, its tasks re-occurring"
  : online !== undefined ? "an online stream meets each example once; a SCoLe sequence's tasks re-occur"
  : regularizer?.kind === "lwf" ? "LwF distils the classes earlier tasks trained; a SCoLe sequence has no earlier-only classes once they re-occur"
  : undefined

/**
 * `budgets = [500 steps, 1000 steps, 500 steps]`: each task's updates, adding up to the run's
 * budget (without it the budget splits evenly); `%` is a share of the run's budget.
 */
const checkBudgets = (ctx: Context, e: Expr | undefined, count: number, steps: number, budgetSpan: Span): ReadonlyArray<number> | undefined => {
  if (e === undefined) {
    if (steps % count === 0) return Array.from({ length: count }, () => steps / count)
    return ctx.report("LRS2002", budgetSpan, `the budget (${steps} steps) must split evenly among the stream's ${count} tasks`, `make it a multiple of ${count}, such as ${Math.max(1, Math.round(steps / count)) * count} steps, or give each task's budget in the stream: \`budgets = [...]\``)
  }
  if (e.kind !== "List") return ctx.report("LRS2001", e.span, `\`budgets\` must be a list of lengths, one per task, such as \`[500 steps, 1000 steps]\`, found ${describe(e)}`)
  if (e.items.length !== count) return ctx.report("LRS2002", e.span, `\`budgets\` lists ${e.items.length} lengths for ${count} tasks`, `give one length per task (${count})`)
  const lengths = e.items.map((item) => {
    const n = durationSteps(ctx, item, steps)
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) return ctx.report("LRS2002", item.span, `a task's budget must be a whole number of updates, at least 1, found ${n}`)
    return n
  })
  if (lengths.some((n) => n === undefined)) return undefined
  const total = (lengths as Array<number>).reduce((a, b) => a + b, 0)
  if (total !== steps) {
    return ctx.report("LRS2002", e.span, `the tasks' budgets add up to ${total} steps, but the run's budget is ${steps}`, `make the experiment's \`steps = ${total}\`, or change the budgets`, { related: [{ span: budgetSpan, label: `the run's budget: ${steps} steps` }] })
  }
  return lengths as Array<number>
}

/** `batches = [128, 64, 128]`: examples per update of each task (before replay). */
const checkBatches = (ctx: Context, e: Expr, count: number): ReadonlyArray<number> | undefined => {
  if (e.kind !== "List") return ctx.report("LRS2001", e.span, `\`batches\` must be a list of batch sizes, one per task, such as \`[128, 64]\`, found ${describe(e)}`)
  if (e.items.length !== count) return ctx.report("LRS2002", e.span, `\`batches\` lists ${e.items.length} batch sizes for ${count} tasks`, `give one batch size per task (${count})`)
  const sizes = e.items.map((item) => checkedNumber(ctx, item, "batch", { integer: true, min: 1 }))
  return sizes.some((b) => b === undefined) ? undefined : (sizes as Array<number>)
}

/**
 * A `stream { tasks = ..., scenario = ..., replay = ... }` block: the experiment's data as a
 * sequence of tasks, the run's budget split evenly among them.
 */
export const checkStream = (ctx: Context, block: Block, steps: number, budgetSpan: Span, data: DataIR | undefined, overrides: ReadonlyMap<string, Expr> = new Map()): StreamIR | undefined => {
  // `--set stream.replay=none` and sweeps over `stream.<field>` replace what the block says.
  const fields = new Map([...blockFields(ctx, block, { keyword: "stream", a: "a stream", the: "the stream" }, streamFields, overrides)].map(([k, v]) => [k, v.expr] as const))
  // `none` leaves an optional field out (the naive baseline of a sweep over strategies).
  for (const name of ["replay", "regularizer"]) {
    const e = fields.get(name)
    if (e?.kind === "Ref" && e.path.length === 1 && e.path[0]!.text === "none") fields.delete(name)
  }
  const tasksExpr = fields.get("tasks")
  if (tasksExpr === undefined) return ctx.report("LRS1007", block.keyword.span, "the stream has no `tasks`", "add `tasks = split(classes_per_task = 2)` or `tasks = permuted(tasks = 5)`")
  const isOnline = tasksExpr.kind === "Call" && tasksExpr.callee.length === 1 && tasksExpr.callee[0]!.text === "online"
  const checkedOnline = isOnline ? checkOnline(ctx, tasksExpr as Expr & { kind: "Call" }, data) : undefined
  const tasks = isOnline ? checkedOnline?.tasks : checkTasks(ctx, tasksExpr, data)
  const online = checkedOnline?.online
  const scenarioExpr = fields.get("scenario")
  const scenario = scenarioExpr === undefined ? "class_incremental" : checkedChoice(ctx, scenarioExpr, "scenario", ["class_incremental", "task_incremental", "domain_incremental"] as const)
  const count = tasks === undefined ? undefined : taskCount(tasks)
  const budgetsExpr = fields.get("budgets")
  const taskSteps = count === undefined ? undefined : checkBudgets(ctx, budgetsExpr, count, steps, budgetSpan)
  const batchesExpr = fields.get("batches")
  if (batchesExpr !== undefined && online !== undefined) return ctx.report("LRS2002", batchesExpr.span, "an online stream takes `size` new examples every update", "remove `batches`, or set `size` in `online(...)`")
  const listed = batchesExpr === undefined || count === undefined ? undefined : checkBatches(ctx, batchesExpr, count)
  // The replay fraction may be scheduled in `tasks`: it is checked on the tasks' time axis.
  const timed = taskSteps === undefined ? ctx : ctx.withAxes(streamAxes(ctx.axes, taskSteps, online))
  const replayExpr = fields.get("replay")
  const replay = replayExpr === undefined ? undefined : checkReplay(timed, replayExpr, { steps, source: budgetSpan, what: "the run's budget" })
  const regularizerExpr = fields.get("regularizer")
  const regularizer = regularizerExpr === undefined ? undefined : checkRegularizer(ctx, regularizerExpr)
  const subsampleExpr = fields.get("test_subsample")
  const testSubsample = subsampleExpr === undefined ? undefined : checkedNumber(ctx, subsampleExpr, "test_subsample", { integer: true, min: 1 })
  const windowExpr = fields.get("forgetting_window")
  const forgettingWindow = windowExpr === undefined ? 10 : checkedNumber(ctx, windowExpr, "forgetting_window", { integer: true, min: 2 })
  if (tasks === undefined || scenario === undefined || taskSteps === undefined || (batchesExpr !== undefined && listed === undefined) || (replayExpr !== undefined && replay === undefined) || (regularizerExpr !== undefined && regularizer === undefined)) return undefined
  const jointExpr = fields.get("joint")
  const joint = jointExpr === undefined ? false : checkedBool(ctx, jointExpr, "joint")
  if ((subsampleExpr !== undefined && testSubsample === undefined) || forgettingWindow === undefined || joint === undefined) return undefined
  if (joint && (replay !== undefined || regularizer !== undefined)) {
    return ctx.report("LRS2002", jointExpr!.span, `joint training sees every task from the start; it takes no ${replay !== undefined ? "`replay`" : "`regularizer`"}`, "remove it, or set `joint = false`")
  }
  if (tasks.kind === "split" && scenario === "domain_incremental" && new Set(tasks.classes.map((g) => g.length)).size > 1) {
    return ctx.report("LRS2002", scenarioExpr!.span, "domain-incremental tasks share one head, one output per place in a task: every task needs the same number of classes", "give each task as many classes (`split(classes_per_task = 2)`), or use `class_incremental`")
  }
  if (online?.boundaries === "hidden") {
    const needs = regularizerExpr !== undefined ? { span: regularizerExpr.span, what: `\`${regularizer!.kind}\` keeps the weights that ended each task, so it needs the task boundaries` }
      : scenario === "task_incremental" ? { span: scenarioExpr!.span, what: "a task-incremental learner is told each example's task" }
      : undefined
    if (needs !== undefined) return ctx.report("LRS2002", needs.span, `${needs.what}; this online stream hides them (\`boundaries = hidden\`)`, "write `boundaries = known` in `online(...)`, or leave it out")
  }
  if (tasks.kind === "scole") {
    const conflict = scoleConflict(scenario, online, regularizer)
    if (conflict !== undefined) return ctx.report("LRS2002", tasksExpr.span, conflict, "use `split(...)` tasks for this, or drop the setting")
  }
  if ((data?.kind === "csv" || data?.kind === "jsonl" || data?.kind === "spirals") && tasks.kind !== "split" && tasks.kind !== "scole") {
    return ctx.report("LRS2002", tasksExpr.span, `\`${tasks.kind}\` tasks ${tasks.kind === "permuted" ? "permute" : "rotate"} image pixels; this data is not images`, "use `split(...)`, or load `fashion_mnist()` / `mnist()`")
  }
  if (joint && online !== undefined) return ctx.report("LRS2002", jointExpr!.span, "joint training mixes every task from the start; an online stream meets them in order", "remove `joint`, or the `online(...)` around the tasks")
  const batch = ctx.axes.batch ?? 1
  return {
    tasks,
    scenario,
    taskSteps,
    taskBatches: online !== undefined ? taskSteps.map(() => online.size) : listed ?? taskSteps.map(() => batch),
    ...(online === undefined ? {} : { online }),
    ...(replay === undefined ? {} : { replay }),
    ...(regularizer === undefined ? {} : { regularizer }),
    joint,
    ...(testSubsample === undefined ? {} : { testSubsample }),
    forgettingWindow,
    span: block.span
  }
}

/**
 * The time axes a stream adds: `N tasks` converts when every task has the same budget,
 * `restart(s, every = N tasks)` restarts where tasks end; neither when the learner must not see
 * the boundaries.
 */
export const streamAxes = <A extends Context["axes"]>(axes: A, taskSteps: ReadonlyArray<number>, online: StreamIR["online"]): A => {
  if (online?.boundaries === "hidden") return { ...axes, tasksHidden: true }
  const even = taskSteps.every((n) => n === taskSteps[0])
  return { ...axes, ...(even ? { stepsPerTask: taskSteps[0] } : {}), taskEnds: taskEnds({ taskSteps }) }
}
