import { evaluateSchedule, type ScheduleIR } from "@lrs/compiler"

/**
 * How optimizers and models read a scheduled value at update `t`. The trainer passes one that
 * includes the run's adaptive state (what each `plateau` has reduced) and comes from the
 * `Schedules` service; on their own they read the closed form.
 */
export type ScheduleReader = (s: ScheduleIR, t: number) => number

export const closedForm: ScheduleReader = (s, t) => evaluateSchedule(s, t)
