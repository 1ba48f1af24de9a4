import type { AutoLrsIR, OptimizerIR, ScheduleIR } from "../ir/Ir.ts"
import { scheduleNodes } from "../schedule/walk.ts"
import type { Context } from "./Context.ts"

const isSearch = (s: ScheduleIR): s is AutoLrsIR => s.kind === "autolrs"

/**
 * A search schedule (`autolrs`) trains trial updates of its own, so a run has at most one and it
 * chooses the whole learning rate: it may be the optimizer's `lr`, or a named schedule that is
 * exactly that `lr`, and nothing else (not inside another schedule, not another hyperparameter).
 */
export const checkSearches = (
  ctx: Context,
  optimizer: OptimizerIR,
  schedules: Readonly<Record<string, ScheduleIR>>,
  dropout: ScheduleIR | undefined
): void => {
  // A staged pacing is driven by the curriculum it paces: anywhere else nothing would advance it.
  const elsewhere = [...Object.values(optimizer).filter((v): v is ScheduleIR => typeof v === "object" && v !== null && "kind" in v && "span" in v), ...Object.values(schedules), ...(dropout === undefined ? [] : [dropout])]
  for (const root of elsewhere) {
    for (const s of scheduleNodes(root)) {
      if (s.kind === "stages") ctx.report("LRS3004", s.span, "`stages` paces a curriculum, and nothing else would advance it", "use it as a curriculum's pacing: `curriculum { ... pacing = stages(...) }`")
    }
  }
  const lr = optimizer.lr
  const rootSearch = isSearch(lr) ? lr : undefined
  const same = (s: AutoLrsIR) => rootSearch !== undefined && JSON.stringify({ ...s, span: 0 }) === JSON.stringify({ ...rootSearch, span: 0 })
  const misplaced = (s: AutoLrsIR, where: string) =>
    ctx.report("LRS3004", s.span, `\`autolrs\` chooses the learning rate stage by stage, so it cannot be ${where}`, "use it as the whole learning rate: `lr = autolrs(...)`")
  for (const s of scheduleNodes(lr).slice(1)) if (isSearch(s)) misplaced(s, "part of another schedule")
  for (const [name, value] of Object.entries(optimizer)) {
    if (name === "lr" || typeof value !== "object" || value === null || !("kind" in value)) continue
    for (const s of scheduleNodes(value as ScheduleIR)) if (isSearch(s)) misplaced(s, `the optimizer's \`${name === "weightDecay" ? "weight_decay" : name}\``)
  }
  if (dropout !== undefined) for (const s of scheduleNodes(dropout)) if (isSearch(s)) misplaced(s, "the dropout")
  for (const [name, schedule] of Object.entries(schedules)) {
    scheduleNodes(schedule).forEach((s, i) => {
      if (!isSearch(s)) return
      if (i > 0) misplaced(s, "part of another schedule")
      else if (!same(s)) misplaced(s, `the schedule \`${name}\` unless that is the optimizer's \`lr\``)
    })
  }
}
