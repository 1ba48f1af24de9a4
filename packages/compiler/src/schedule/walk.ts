import type { ScheduleIR } from "../ir/Ir.ts"

/** The schedules directly inside `s` (a sequence's segments, an operation's operands, what a wrapper wraps). */
export const childSchedules = (s: ScheduleIR): ReadonlyArray<ScheduleIR> => {
  switch (s.kind) {
    case "repeat":
    case "sampled":
    case "plateau":
      return [s.schedule]
    case "sequence":
      return s.segments.map((seg) => seg.schedule)
    case "binary":
      return [s.left, s.right]
    case "negate":
      return [s.operand]
    default:
      return []
  }
}

/** Every node of `s`, `s` first, depth first. */
export const scheduleNodes = (s: ScheduleIR): Array<ScheduleIR> => [s, ...childSchedules(s).flatMap(scheduleNodes)]
