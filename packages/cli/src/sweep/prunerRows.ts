import { metricsRows } from "@lrs/compiler"
import { readFileSync } from "node:fs"
import { join } from "node:path"

type Row = Readonly<Record<string, unknown>>

/**
 * A trial's metrics rows as the prune rule counts them. A pruned trial counts only up to the update
 * it was stopped at (`pruned.json`): it logs a little more before its process ends, and how much
 * depends on timing, so counting those rows would make other trials' verdicts depend on it.
 */
export const prunerRows = (dir: string): ReadonlyArray<Row> => {
  let rows: ReadonlyArray<Row>
  try {
    const parsed = metricsRows(readFileSync(join(dir, "metrics.jsonl"), "utf8"))
    rows = "rows" in parsed ? parsed.rows.map((r) => r.row) : []
  } catch {
    return []
  }
  let stoppedAt: unknown
  try {
    stoppedAt = (JSON.parse(readFileSync(join(dir, "pruned.json"), "utf8")) as { step?: unknown }).step
  } catch {
    return rows
  }
  return typeof stoppedAt === "number" ? rows.filter((r) => typeof r["step"] !== "number" || r["step"] <= stoppedAt) : rows
}
