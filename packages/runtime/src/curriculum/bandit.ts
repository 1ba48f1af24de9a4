/** What a checkpoint keeps of a bandit curriculum. */
export interface BanditState {
  readonly values: ReadonlyArray<number>
  /** The last batch loss seen on each arm (null before its first pull). */
  readonly lastLoss: ReadonlyArray<number | null>
  readonly lastArm: number
}

/**
 * The bandit of Self-Evolving Curriculum (Chen et al.) over `arms` categories: values `Q` start at
 * 0, arms are drawn with Boltzmann probabilities `exp(Q / temperature)` (normalised), and after each
 * batch the pulled arm's value moves by TD(0), `Q = lr * r + (1 - lr) * Q`. The reward is the
 * learning progress on that arm: the drop of its batch loss since its previous pull (`progress`),
 * or the size of the change (`absolute_progress`); an arm's first pull has no reward yet.
 */
export class Bandit {
  private values: Array<number>
  private lastLoss: Array<number | null>
  private lastArm = -1
  private readonly lr: number
  private readonly absolute: boolean

  constructor(arms: number, lr: number, reward: "progress" | "absolute_progress") {
    this.values = new Array(arms).fill(0)
    this.lastLoss = new Array(arms).fill(null)
    this.lr = lr
    this.absolute = reward === "absolute_progress"
  }

  probabilities(temperature: number): Array<number> {
    const top = Math.max(...this.values)
    const e = this.values.map((q) => Math.exp((q - top) / temperature))
    const total = e.reduce((a, b) => a + b, 0)
    return e.map((x) => x / total)
  }

  /** Draws an arm with `uniform` in [0, 1). */
  choose(temperature: number, uniform: number): number {
    const p = this.probabilities(temperature)
    let acc = 0
    for (let arm = 0; arm < p.length; arm++) {
      acc += p[arm]!
      if (uniform < acc) return (this.lastArm = arm)
    }
    return (this.lastArm = p.length - 1)
  }

  /** The loss of the batch the last chosen arm gave. */
  observe(loss: number): void {
    const arm = this.lastArm
    if (arm < 0 || !Number.isFinite(loss)) return
    const previous = this.lastLoss[arm]
    if (previous !== null && previous !== undefined) {
      const progress = previous - loss
      const reward = this.absolute ? Math.abs(progress) : progress
      this.values[arm] = this.lr * reward + (1 - this.lr) * this.values[arm]!
    }
    this.lastLoss[arm] = loss
  }

  get arm(): number {
    return this.lastArm
  }

  get qValues(): ReadonlyArray<number> {
    return this.values
  }

  state(): BanditState {
    return { values: [...this.values], lastLoss: [...this.lastLoss], lastArm: this.lastArm }
  }

  restore(state: BanditState): void {
    this.values = [...state.values]
    this.lastLoss = [...state.lastLoss]
    this.lastArm = state.lastArm
  }
}
