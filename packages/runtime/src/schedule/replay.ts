import { evaluateSchedule, metricsRows, type ScheduleIR } from "@lrs/compiler"
import { PlateauControllers, plateausIn } from "../run/plateau.ts"
import { SignalBoard } from "../run/signals.ts"

export { plateausIn } from "../run/plateau.ts"

/** One recorded value of a signal, and the first update that could react to it (as the trainer passes it). */
export interface Observation {
  readonly name: string
  readonly value: number
  readonly next: number
}

/** Signals the trainer observes at an update, as `metrics.jsonl` columns of train rows. */
const updateSignals = ["loss", "grad_norm", "param_norm", "throughput"] as const
const metrics = ["accuracy", "loss", "top5"] as const

/**
 * The observations a run's `metrics.jsonl` records, in order: each train row of update `t` observed
 * its update signals before update `t + 1`; each evaluation after `u` updates its `<split>.<metric>`
 * before update `u` (rows of averaged weights are not signals). A torn last line is skipped; any
 * other line that is not a JSON object is an error naming it.
 */
export const observationsOf = (text: string): { readonly observations: ReadonlyArray<Observation> } | { readonly bad: string } => {
  const parsed = metricsRows(text)
  if ("badLine" in parsed) return { bad: `line ${parsed.badLine} is not JSON` }
  const observations: Array<Observation> = []
  for (const { row } of parsed.rows) {
    const step = row["step"]
    if (typeof step !== "number") continue
    const add = (name: string, v: unknown, next: number) => {
      if (typeof v === "number") observations.push({ name, value: v, next })
    }
    if (row["kind"] === "train") for (const s of updateSignals) add(s, row[s], step + 1)
    if (row["kind"] === "eval" && row["weights"] === undefined && typeof row["split"] === "string") {
      for (const m of metrics) add(`${row["split"]}.${m}`, row[m], step)
    }
  }
  return { observations }
}

/**
 * What `schedule` gives updates `0..steps-1` when the run observes `trace`: every `plateau` in it
 * is fed the observations in order, each before the first update that may react to it, exactly as
 * the trainer feeds its controllers. A signal logged only every N updates is replayed every N
 * updates, so a plateau on `loss` (observed at every update while training) can differ from the run.
 */
export const replaySchedule = (schedule: ScheduleIR, steps: number, trace: ReadonlyArray<Observation>): Array<number> => {
  const plateaus = new PlateauControllers(plateausIn(schedule))
  const board = new SignalBoard(plateaus.signals)
  const values: Array<number> = []
  let k = 0
  for (let t = 0; t < steps; t++) {
    for (; k < trace.length && trace[k]!.next <= t; k++) {
      const o = trace[k]!
      board.observe(o.name, o.value)
      plateaus.observed(o.name, (s) => board.value(s), o.next)
    }
    values.push(evaluateSchedule(schedule, t, plateaus.adaptive))
  }
  return values
}
