import type { PruneRule } from "@lrs/compiler"

/** Why a trial stops: the update, its best value so far, and what it was held against. */
export interface Verdict {
  readonly step: number
  readonly value: number
  /** The median of the others (median rule), or the worst value still kept at the rung (halving). */
  readonly against: number
  readonly rule: PruneRule["kind"]
}

/**
 * Stops weak trials of a sweep. Each trial reports its evaluation rows as they are written; at each
 * of the rule's checkpoints its best value so far is recorded, and:
 *
 * - `median` (Vizier's median stopping rule, Optuna's MedianPruner): at every multiple of `every`
 *   from `after` on, a trial worse than the median of the others' values there (once `trials`
 *   others got there) stops;
 * - `halving` (successive halving as ASHA runs it, stopping rather than promoting): at the rungs
 *   `min * factor^k`, a trial outside the top `1 / factor` of all values recorded at that rung (once
 *   `factor` trials got there) stops.
 *
 * In a parallel sweep the decisions depend on which trials got there first; with `--parallel 1` the
 * order of the trials fixes them.
 */
export class Pruner {
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

  /** Whether the rule looks at update `step` of a run of `budget` updates. */
  private checkpoint(step: number, budget: number): boolean {
    if (step >= budget) return false
    if (this.rule.kind === "median") return step % this.rule.every === 0 && step >= this.rule.after
    for (let rung = this.rule.min; rung <= step; rung *= this.rule.factor) if (rung === step) return true
    return false
  }

  /** Takes a trial's rows so far (of a run of `budget` updates); returns why it should stop, or undefined. */
  report(trial: number, rows: ReadonlyArray<Readonly<Record<string, unknown>>>, budget: number): Verdict | undefined {
    let best: number | undefined
    for (const r of rows) {
      if (r["kind"] !== "eval" || r["split"] !== this.split || r["weights"] !== undefined || r["task"] !== undefined || r["class"] !== undefined) continue
      const step = r["step"]
      const v = r[this.metric]
      if (typeof step !== "number" || typeof v !== "number") continue
      if (best === undefined || this.better(v, best)) best = v
      if (!this.checkpoint(step, budget)) continue
      const at = this.history.get(step) ?? new Map<number, number>()
      if (at.has(trial)) continue
      at.set(trial, best)
      this.history.set(step, at)
      const verdict = this.judge(step, trial, best, at)
      if (verdict !== undefined) return verdict
    }
    return undefined
  }

  private judge(step: number, trial: number, value: number, at: ReadonlyMap<number, number>): Verdict | undefined {
    if (this.rule.kind === "median") {
      const others = [...at].filter(([t]) => t !== trial).map(([, x]) => x).sort((a, b) => a - b)
      if (others.length < this.rule.trials) return undefined
      const mid = others.length >> 1
      const median = others.length % 2 === 1 ? others[mid]! : (others[mid - 1]! + others[mid]!) / 2
      return this.better(median, value) ? { step, value, against: median, rule: "median" } : undefined
    }
    if (at.size < this.rule.factor) return undefined
    // Best first; the top ceil(n / factor) go on.
    const ranked = [...at.values()].sort((a, b) => (this.higherIsBetter ? b - a : a - b))
    const kept = Math.max(1, Math.ceil(ranked.length / this.rule.factor))
    const cutoff = ranked[kept - 1]!
    return this.better(cutoff, value) ? { step, value, against: cutoff, rule: "halving" } : undefined
  }
}
