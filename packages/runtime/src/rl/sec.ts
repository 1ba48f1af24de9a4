/** What a checkpoint keeps of SEC's bandit: one value per category. */
export interface SecState {
  readonly values: ReadonlyArray<number>
}

/**
 * Self-Evolving Curriculum's bandit over a task's categories (Chen et al. 2025): prompts are drawn
 * with Boltzmann probabilities `exp(Q(c) / temperature)`, and after each iteration every category
 * drawn moves by TD(0), `Q(c) = lr * r(c) + (1 - lr) * Q(c)`, with `r(c)` the mean absolute
 * advantage of its answers (largest where the success rate is near one half).
 */
export class SecBandit {
  private values: Array<number>
  private readonly lr: number

  constructor(categories: number, lr: number) {
    this.values = new Array(categories).fill(0)
    this.lr = lr
  }

  probabilities(temperature: number): Array<number> {
    const top = Math.max(...this.values)
    const e = this.values.map((q) => Math.exp((q - top) / temperature))
    const total = e.reduce((a, b) => a + b, 0)
    return e.map((x) => x / total)
  }

  /** The iteration's rewards per category (null: not drawn, left as it was). */
  update(rewards: ReadonlyArray<number | null>): void {
    this.values = this.values.map((q, c) => {
      const r = rewards[c]
      return r === null || r === undefined || !Number.isFinite(r) ? q : this.lr * r + (1 - this.lr) * q
    })
  }

  get qValues(): ReadonlyArray<number> {
    return this.values
  }

  state(): SecState {
    return { values: [...this.values] }
  }

  restore(s: SecState): void {
    this.values = [...s.values]
  }
}
