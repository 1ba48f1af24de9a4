/**
 * The adaptive replay ratio of Ma et al., "Revisiting Plasticity in Visual RL" (arXiv 2310.07418),
 * for PPO, where the replay ratio is the epochs made over each rollout. Their released DrQ-v2 code
 * (`train_adapt_rr.py`) starts at a low replay ratio, averages the critic's fraction of active units
 * (FAU) and, every `check_freq` episodes, compares the average with the previous check's: once the
 * two differ by at most `Phi_gap` the FAU has plateaued (plasticity has settled) and the replay
 * ratio switches, once and for good, to the high value. Here the unit is the iteration: every
 * `every` iterations the mean FAU of those iterations is compared with the previous window's, and
 * from the iteration after a window within `gap` of its predecessor the run makes `high` epochs.
 */

export interface AdaptiveReplayOptions {
  readonly low: number
  readonly high: number
  readonly every: number
  readonly gap: number
}

/** What a checkpoint keeps: the phase, the open window's sum and count, and the last window's mean. */
export interface AdaptiveReplayState {
  readonly switched: boolean
  readonly sum: number
  readonly count: number
  readonly previous: number | null
}

export class AdaptiveReplay {
  private switched = false
  private sum = 0
  private count = 0
  private previous: number | null = null

  private readonly options: AdaptiveReplayOptions

  constructor(options: AdaptiveReplayOptions) {
    this.options = options
  }

  /** The epochs of the next iteration. */
  get epochs(): number {
    return this.switched ? this.options.high : this.options.low
  }

  /** Records an iteration's FAU (NaN is skipped); true when this observation made the switch. */
  observe(fau: number): boolean {
    if (this.switched || Number.isNaN(fau)) return false
    this.sum += fau
    this.count++
    if (this.count < this.options.every) return false
    const mean = this.sum / this.count
    this.sum = 0
    this.count = 0
    const plateaued = this.previous !== null && Math.abs(mean - this.previous) <= this.options.gap
    this.previous = mean
    if (plateaued) this.switched = true
    return plateaued
  }

  state(): AdaptiveReplayState {
    return { switched: this.switched, sum: this.sum, count: this.count, previous: this.previous }
  }

  restore(saved: AdaptiveReplayState): void {
    this.switched = saved.switched
    this.sum = saved.sum
    this.count = saved.count
    this.previous = saved.previous
  }
}
