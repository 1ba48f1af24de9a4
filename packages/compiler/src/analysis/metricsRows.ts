/** One row of a run's `metrics.jsonl` and the line it is on (1-based). */
export interface MetricsRow {
  readonly line: number
  readonly row: Readonly<Record<string, unknown>>
}

/**
 * The rows of a run's `metrics.jsonl`, in file order. A torn last line (a run killed mid-write) is
 * skipped, as `lrs resume` does; any other line that is not a JSON object is damage, reported by
 * its line number.
 */
export const metricsRows = (text: string): { readonly rows: ReadonlyArray<MetricsRow> } | { readonly badLine: number } => {
  const lines = text.split("\n")
  const last = lines.findLastIndex((l) => l.trim() !== "")
  const rows: Array<MetricsRow> = []
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue
    let row: unknown
    try {
      row = JSON.parse(line)
    } catch {
      if (i === last) continue
      return { badLine: i + 1 }
    }
    if (typeof row !== "object" || row === null || Array.isArray(row)) return { badLine: i + 1 }
    rows.push({ line: i + 1, row: row as Record<string, unknown> })
  }
  return { rows }
}
