import type { PruneRule } from "@lrs/compiler"

/**
 * The median stopping rule over a sweep's trials. Each trial reports its evaluations of the rule's
 * metric; at every eligible update (a multiple of `every`, from `after` on) its best value so far is
 * kept, and a trial whose best is worse than the median of the others' at that update (once
 * `trials` others got there) is to stop. In a parallel sweep the decision depends on which trials
 * got there first; with `--parallel 1` it is fixed by the order of the trials.
 */
export class MedianPruner {
  private readonly rule: PruneRule
  /** Update -> trial -> best value so far at that update. */
  private readonly history = new Map<number, Map<number, number>>()
  private readonly higherIsBetter: boolean
  private readonly split: string
  private readonly metric: string

  constructor(rule: PruneRule) {
    this.rule = rule
    this.higherIsBetter = !rule.metric.endsWith(".loss")
    ;[this.split, this.metric] = rule.metric.split(".") as [string, string]
  }

  private better(a: number, b: number): boolean {
    return this.higherIsBetter ? a > b : a < b
  }

  /**
   * Takes a trial's evaluation rows so far (of a run of `budget` updates); returns the update at
   * which it should stop, and the values compared, or undefined to go on.
   */
  report(trial: number, rows: ReadonlyArray<Readonly<Record<string, unknown>>>, budget: number): { step: number; value: number; median: number } | undefined {
    let best: number | undefined
    for (const r of rows) {
      if (r["kind"] !== "eval" || r["split"] !== this.split || r["weights"] !== undefined) continue
      const step = r["step"]
      const v = r[this.metric]
      if (typeof step !== "number" || typeof v !== "number") continue
      if (best === undefined || this.better(v, best)) best = v
      if (step % this.rule.every !== 0 || step < this.rule.after || step >= budget) continue
      const at = this.history.get(step) ?? new Map<number, number>()
      if (at.has(trial)) continue
      at.set(trial, best)
      this.history.set(step, at)
      const others = [...at].filter(([t]) => t !== trial).map(([, x]) => x).sort((a, b) => a - b)
      if (others.length < this.rule.trials) continue
      const mid = others.length >> 1
      const median = others.length % 2 === 1 ? others[mid]! : (others[mid - 1]! + others[mid]!) / 2
      if (this.better(median, best)) return { step, value: best, median }
    }
    return undefined
  }
}
