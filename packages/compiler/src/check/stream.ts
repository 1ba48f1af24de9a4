import type { Block, Expr, Span } from "@lrs/dsl"
import type { DataIR, ScheduleIR, StreamIR } from "../ir/Ir.ts"
import { compileSchedule, type Extent } from "../schedule/compile.ts"
import { blockFields } from "./blockFields.ts"
import { bindArgs } from "./calls.ts"
import { classCount, type Domain } from "./constructors.ts"
import { checkScheduleRange } from "./ranges.ts"
import type { Context } from "./Context.ts"
import { checkedBool, checkedChoice, checkedNumber, describe } from "./values.ts"

/** The fields of a `stream { ... }` block. */
export const streamFields = ["tasks", "scenario", "replay", "regularizer", "joint", "test_subsample", "forgetting_window"] as const

/**
 * `split(classes_per_task = 2)` or `split(classes = [[0, 1], [2, 3]])`; `permuted(tasks = 5,
 * identity_first = true)`; `rotated(angles = [0, 80, 160])`.
 */
const checkTasks = (ctx: Context, e: Expr, data: DataIR | undefined): StreamIR["tasks"] | undefined => {
  const fn = e.kind === "Call" && e.callee.length === 1 ? e.callee[0]!.text : undefined
  if (e.kind !== "Call" || (fn !== "split" && fn !== "permuted" && fn !== "rotated")) {
    return ctx.report("LRS2001", e.span, `\`tasks\` must be \`split(classes_per_task = 2)\`, \`permuted(tasks = 5)\` or \`rotated(angles = [0, 80, 160])\`, found ${describe(e)}`)
  }
  if (fn === "rotated") {
    const args = bindArgs(ctx, e, ["angles"], ["angles"])
    const listed = args.get("angles")
    if (listed === undefined) return undefined
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
  const args = bindArgs(ctx, e, ["capacity", "fraction"], ["capacity"])
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
  return capacity === undefined || fraction === undefined ? undefined : { kind: fn, capacity, fraction }
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
  const tasks = checkTasks(ctx, tasksExpr, data)
  const scenarioExpr = fields.get("scenario")
  const scenario = scenarioExpr === undefined ? "class_incremental" : checkedChoice(ctx, scenarioExpr, "scenario", ["class_incremental", "task_incremental", "domain_incremental"] as const)
  // The replay fraction may be scheduled in `tasks`: it is checked once the tasks' length is known.
  const count = tasks === undefined ? undefined : tasks.kind === "split" ? tasks.classes.length : tasks.kind === "rotated" ? tasks.angles.length : tasks.count
  const stepsPerTask = count === undefined || steps % count !== 0 ? undefined : steps / count
  const replayExpr = fields.get("replay")
  const replay = replayExpr === undefined
    ? undefined
    : checkReplay(stepsPerTask === undefined ? ctx : ctx.withAxes({ ...ctx.axes, stepsPerTask }), replayExpr, { steps, source: budgetSpan, what: "the run's budget" })
  const regularizerExpr = fields.get("regularizer")
  const regularizer = regularizerExpr === undefined ? undefined : checkRegularizer(ctx, regularizerExpr)
  const subsampleExpr = fields.get("test_subsample")
  const testSubsample = subsampleExpr === undefined ? undefined : checkedNumber(ctx, subsampleExpr, "test_subsample", { integer: true, min: 1 })
  const windowExpr = fields.get("forgetting_window")
  const forgettingWindow = windowExpr === undefined ? 10 : checkedNumber(ctx, windowExpr, "forgetting_window", { integer: true, min: 2 })
  if (tasks === undefined || scenario === undefined || (replayExpr !== undefined && replay === undefined) || (regularizerExpr !== undefined && regularizer === undefined)) return undefined
  const jointExpr = fields.get("joint")
  const joint = jointExpr === undefined ? false : checkedBool(ctx, jointExpr, "joint")
  if ((subsampleExpr !== undefined && testSubsample === undefined) || forgettingWindow === undefined || joint === undefined) return undefined
  if (joint && (replay !== undefined || regularizer !== undefined)) {
    return ctx.report("LRS2002", jointExpr!.span, `joint training sees every task from the start; it takes no ${replay !== undefined ? "`replay`" : "`regularizer`"}`, "remove it, or set `joint = false`")
  }
  if (tasks.kind === "split" && scenario === "domain_incremental") {
    return ctx.report("LRS2002", scenarioExpr!.span, "`domain_incremental` over split classes is not in this release", "use `class_incremental` or `task_incremental` with `split`, or `permuted(...)` / `rotated(...)` tasks")
  }
  if ((data?.kind === "csv" || data?.kind === "jsonl" || data?.kind === "spirals") && tasks.kind !== "split") {
    return ctx.report("LRS2002", tasksExpr.span, `\`${tasks.kind}\` tasks ${tasks.kind === "permuted" ? "permute" : "rotate"} image pixels; this data is not images`, "use `split(...)`, or load `fashion_mnist()` / `mnist()`")
  }
  if (stepsPerTask === undefined) {
    return ctx.report("LRS2002", budgetSpan, `the budget (${steps} steps) must split evenly among the stream's ${count} tasks`, `make it a multiple of ${count}, such as ${Math.max(1, Math.round(steps / count!)) * count!} steps`)
  }
  return {
    tasks,
    scenario,
    stepsPerTask,
    ...(replay === undefined ? {} : { replay }),
    ...(regularizer === undefined ? {} : { regularizer }),
    joint,
    ...(testSubsample === undefined ? {} : { testSubsample }),
    forgettingWindow,
    span: block.span
  }
}
