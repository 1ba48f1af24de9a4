import type { Block, Expr, Span } from "@lrs/dsl"
import type { DataIR, StreamIR } from "../ir/Ir.ts"
import { bindArgs } from "./calls.ts"
import { classCount } from "./constructors.ts"
import type { Context } from "./Context.ts"
import { suggestionHelp } from "./suggest.ts"
import { checkedBool, checkedChoice, checkedNumber, describe } from "./values.ts"

/** The fields of a `stream { ... }` block. */
export const streamFields = ["tasks", "scenario", "replay"] as const

/** `split(classes_per_task = 2)` or `split(classes = [[0, 1], [2, 3]])`; `permuted(tasks = 5, identity_first = true)`. */
const checkTasks = (ctx: Context, e: Expr, data: DataIR | undefined): StreamIR["tasks"] | undefined => {
  const fn = e.kind === "Call" && e.callee.length === 1 ? e.callee[0]!.text : undefined
  if (e.kind !== "Call" || (fn !== "split" && fn !== "permuted")) {
    return ctx.report("LRS2001", e.span, `\`tasks\` must be \`split(classes_per_task = 2)\` or \`permuted(tasks = 5)\`, found ${describe(e)}`)
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

/** `replay = reservoir(capacity = 1000, fraction = 0.5)`. */
const checkReplay = (ctx: Context, e: Expr): StreamIR["replay"] | undefined => {
  if (e.kind !== "Call" || e.callee.length !== 1 || e.callee[0]!.text !== "reservoir") {
    return ctx.report("LRS2001", e.span, `\`replay\` must be \`reservoir(capacity = 1000, fraction = 0.5)\`, found ${describe(e)}`)
  }
  const args = bindArgs(ctx, e, ["capacity", "fraction"], ["capacity"])
  const capacity = args.get("capacity") === undefined ? undefined : checkedNumber(ctx, args.get("capacity")!, "capacity", { integer: true, min: 1 })
  const fraction = args.get("fraction") === undefined ? 0.5 : checkedNumber(ctx, args.get("fraction")!, "fraction", { min: 0, max: 1, exclusive: true })
  return capacity === undefined || fraction === undefined ? undefined : { kind: "reservoir", capacity, fraction }
}

/**
 * A `stream { tasks = ..., scenario = ..., replay = ... }` block: the experiment's data as a
 * sequence of tasks, the run's budget split evenly among them.
 */
export const checkStream = (ctx: Context, block: Block, steps: number, budgetSpan: Span, data: DataIR | undefined): StreamIR | undefined => {
  const fields = new Map<string, Expr>()
  for (const m of block.members) {
    if (m.kind !== "Attribute" || m.keyword !== undefined) {
      ctx.report("LRS1002", m.span, "a `stream` block takes fields only", `write ${streamFields.map((f) => `\`${f} = ...\``).join(", ")}`)
      continue
    }
    if (!(streamFields as ReadonlyArray<string>).includes(m.name.text)) {
      ctx.report("LRS1003", m.name.span, `a stream has no field \`${m.name.text}\``, suggestionHelp(m.name.text, streamFields, "field"))
      continue
    }
    if (fields.has(m.name.text)) {
      ctx.report("LRS1006", m.span, `\`${m.name.text}\` is defined twice in the stream`, "remove one of them")
      continue
    }
    fields.set(m.name.text, m.value)
  }
  const tasksExpr = fields.get("tasks")
  if (tasksExpr === undefined) return ctx.report("LRS1007", block.keyword.span, "the stream has no `tasks`", "add `tasks = split(classes_per_task = 2)` or `tasks = permuted(tasks = 5)`")
  const tasks = checkTasks(ctx, tasksExpr, data)
  const scenarioExpr = fields.get("scenario")
  const scenario = scenarioExpr === undefined ? "class_incremental" : checkedChoice(ctx, scenarioExpr, "scenario", ["class_incremental", "task_incremental", "domain_incremental"] as const)
  const replayExpr = fields.get("replay")
  const replay = replayExpr === undefined ? undefined : checkReplay(ctx, replayExpr)
  if (tasks === undefined || scenario === undefined || (replayExpr !== undefined && replay === undefined)) return undefined
  if (tasks.kind === "split" && scenario === "domain_incremental") {
    return ctx.report("LRS2002", scenarioExpr!.span, "`domain_incremental` over split classes is not in this release", "use `class_incremental` or `task_incremental` with `split`, or `permuted(...)` tasks")
  }
  if ((data?.kind === "csv" || data?.kind === "jsonl" || data?.kind === "spirals") && tasks.kind === "permuted") {
    return ctx.report("LRS2002", tasksExpr.span, "`permuted` tasks permute image pixels; this data is not images", "use `split(...)`, or load `fashion_mnist()` / `mnist()`")
  }
  const count = tasks.kind === "split" ? tasks.classes.length : tasks.count
  if (steps % count !== 0) {
    return ctx.report("LRS2002", budgetSpan, `the budget (${steps} steps) must split evenly among the stream's ${count} tasks`, `make it a multiple of ${count}, such as ${Math.max(1, Math.round(steps / count)) * count} steps`)
  }
  return { tasks, scenario, stepsPerTask: steps / count, ...(replay === undefined ? {} : { replay }), span: block.span }
}
