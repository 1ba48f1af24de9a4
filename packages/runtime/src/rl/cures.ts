/** What a checkpoint keeps of CurES's sampler: each category's correct and total answers so far. */
export interface CuresState {
  readonly correct: ReadonlyArray<number>
  readonly all: ReadonlyArray<number>
}

/**
 * CurES's prompt sampler (arXiv 2510.01037; ZexuSun/CurES `EpicSampler`) over a task's categories:
 * each category's accuracy estimated by the mean of its Beta posterior, `p = (correct + 1) / (all +
 * 2)`, and categories drawn with probabilities `exp(sqrt(p (1 - p)) / t)` normalised, so those whose
 * success is near one half (the largest gradient signal) come most often. `t` is the temperature
 * given, or with `released` the code's per-category `(correct + 1) / 0.01`, which keeps the exponent
 * under 0.005 and the sampling almost uniform (kept to reproduce the code).
 */
export class CuresSampler {
  private correct: Array<number>
  private all: Array<number>

  constructor(categories: number) {
    this.correct = new Array(categories).fill(0)
    this.all = new Array(categories).fill(0)
  }

  /** Each category's posterior-mean accuracy. */
  get accuracies(): ReadonlyArray<number> {
    return this.correct.map((c, k) => (c + 1) / (this.all[k]! + 2))
  }

  probabilities(temperature: number | "released"): Array<number> {
    const exponents = this.accuracies.map((p, k) => Math.sqrt(p * (1 - p)) / (temperature === "released" ? (this.correct[k]! + 1) / 0.01 : temperature))
    const top = Math.max(...exponents)
    const e = exponents.map((x) => Math.exp(x - top))
    const total = e.reduce((a, b) => a + b, 0)
    return e.map((x) => x / total)
  }

  /** Adds an iteration's answers: per category, how many were correct of how many. */
  observe(counts: ReadonlyArray<{ readonly correct: number; readonly all: number }>): void {
    counts.forEach((c, k) => {
      this.correct[k]! += c.correct
      this.all[k]! += c.all
    })
  }

  state(): CuresState {
    return { correct: [...this.correct], all: [...this.all] }
  }

  restore(s: CuresState): void {
    this.correct = [...s.correct]
    this.all = [...s.all]
  }
}
