import type { Explorable, RunIR, ScheduleIR } from "@lrs/compiler"
import type { ScheduleReader } from "../schedule/ScheduleReader.ts"
import type { HdetController } from "./hdet.ts"

/**
 * The schedule nodes an ensemble explores, by identity: the optimizer and the model read exactly
 * these objects of the IR, so a reader can tell them apart from every other schedule.
 */
export const exploredNodes = (ir: RunIR): ReadonlyMap<ScheduleIR, Explorable> => {
  const nodes = new Map<ScheduleIR, Explorable>()
  for (const h of ir.ensemble?.explore ?? []) {
    if (h === "lr") nodes.set(ir.optimizer.lr, h)
    if (h === "weight_decay") nodes.set(ir.optimizer.weightDecay, h)
    if (h === "dropout") nodes.set(ir.model.dropout, h)
  }
  return nodes
}

/** How replica `r` reads schedules: explored ones at its multiple, the rest as they are. */
export const replicaReader = (read: ScheduleReader, nodes: ReadonlyMap<ScheduleIR, Explorable>, hdet: HdetController, r: number): ScheduleReader => (s, t) => {
  const h = nodes.get(s)
  const v = read(s, t)
  return h === undefined ? v : hdet.value(h, r, v)
}

/** How the logs read schedules: explored ones at the ensemble's centre. */
export const centreReader = (read: ScheduleReader, nodes: ReadonlyMap<ScheduleIR, Explorable>, hdet: HdetController): ScheduleReader => (s, t) => {
  const h = nodes.get(s)
  const v = read(s, t)
  return h === undefined ? v : hdet.center(h, v)
}
