import { higherIsBetter, type RunInfo } from "../runs/read.ts"
import type { Trial } from "./trials.ts"

/** A trial's best evaluated metric, or `-`. */
export const cell = (r: RunInfo | undefined): string => (r?.best === undefined ? "-" : `${r.best.metric} ${r.best.value.toFixed(4)}`)

/** The trials, best first (by the evaluated metric), as an aligned table. */
export const summaryTable = (trials: ReadonlyArray<Trial>, infos: ReadonlyArray<RunInfo | undefined>): string => {
  const order = trials.map((t, i) => ({ t, info: infos[i] })).sort((a, b) => {
    const va = a.info?.best
    const vb = b.info?.best
    if (va === undefined || vb === undefined) return va === undefined ? (vb === undefined ? a.t.index - b.t.index : 1) : -1
    return higherIsBetter(va.metric) ? vb.value - va.value : va.value - vb.value
  })
  const rows = [["trial", "sets", "status", "steps", "best"], ...order.map(({ t, info }) => [String(t.index), t.assignments.map((a) => `${a.name}=${a.value}`).join(" "), info?.status ?? "not started", info === undefined ? "-" : `${info.steps}/${info.ir.steps}`, cell(info)])]
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows.map((r) => r.map((x, c) => (c === r.length - 1 ? x : x.padEnd(widths[c]!))).join("  ")).join("\n")
}
