import type { CurriculumIR } from "@lrs/compiler"
import { deriveSeed, type Rng, rngFromState, type RngState, shuffleInPlace } from "../data/random.ts"
import { Bandit, type BanditState } from "./bandit.ts"

/** What a checkpoint keeps of a curriculum: enough to draw exactly the batches that come next. */
export interface CurriculumState {
  /** The difficulty of every training example (lower is easier); empty before the first scoring. */
  readonly scores: Float32Array
  readonly rng: RngState
  /** `weighted`: the available set and the size it was drawn for. */
  readonly set?: Int32Array
  readonly size: number
  /** `sequential`: how many examples it has handed out. */
  readonly cursor?: number
  readonly bandit?: BanditState
}

/**
 * Draws batches as a curriculum says (see CurriculumIR). The order is the training examples
 * sorted by score (ties by index), or a permutation drawn from the seed for `random`; the
 * available count at update `t` is `max(1, ceil(n * pacing(t)))`. A batch takes distinct examples
 * uniformly from the available ones (with replacement only when fewer are available than the
 * batch). `weighted` first draws the available set without replacement with probability
 * proportional to the weights (Efraimidis-Spirakis keys), again whenever its size changes or the
 * scores are renewed. `sequential` hands out the available examples in order, round and round (so
 * with `hard_to_easy` by a teacher's loss the cleanest data comes last: the setting of Luo et al.).
 * Randomness comes from the stream `"curriculum"` of the run seed.
 */
export class CurriculumSampler {
  private readonly ir: CurriculumIR
  private readonly n: number
  private readonly randomOrder: Int32Array
  private rng: Rng
  private scores: Float32Array = new Float32Array(0)
  private order: Int32Array = new Int32Array(0)
  private set: Int32Array | undefined
  private size = 0
  private cursor = 0
  /** A bandit curriculum's bandit, and the examples of each arm. */
  readonly bandit: Bandit | undefined
  private members: Array<Int32Array> = []
  /** The fraction available at the last batch, and the mean score of its examples (NaN without scores). */
  fraction = Number.NaN
  difficulty = Number.NaN

  /** `labels` (the training split's) are the arms of a bandit over `classes`. */
  constructor(ir: CurriculumIR, n: number, seed: number, labels?: Int32Array, classes = 0) {
    this.ir = ir
    this.n = n
    this.rng = rngFromState(deriveSeed(seed, "curriculum"))
    this.randomOrder = shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), rngFromState(deriveSeed(seed, "curriculum/order")))
    const arms = ir.bandit?.arms
    this.bandit = ir.bandit === undefined ? undefined : new Bandit(arms!.kind === "classes" ? classes : arms!.count, ir.bandit.lr, ir.bandit.reward)
    if (arms?.kind === "classes") {
      if (labels === undefined) throw new Error("curriculum: a bandit over the classes needs the labels")
      this.members = Array.from({ length: classes }, (_, c) => Int32Array.from({ length: n }, (_, i) => i).filter((i) => labels[i] === c))
    }
  }

  /** Whether batches can be drawn: the scores are in, or a bandit over the classes needs none. */
  get scored(): boolean {
    return this.scores.length === this.n || (this.ir.bandit?.arms.kind === "classes" && this.ir.score === undefined)
  }

  /** New scores (a rescoring): the order follows them, and a weighted set is drawn again. */
  setScores(scores: Float32Array): void {
    if (scores.length !== this.n) throw new Error(`curriculum: ${scores.length} scores for ${this.n} examples`)
    this.scores = scores
    const idx = Int32Array.from({ length: this.n }, (_, i) => i)
    const sign = this.ir.order === "hard_to_easy" ? -1 : 1
    this.order = this.ir.order === "random" ? this.randomOrder : idx.sort((a, b) => sign * (scores[a]! - scores[b]!) || a - b)
    this.set = undefined
    const arms = this.ir.bandit?.arms
    if (arms?.kind === "bins") {
      // Equal groups of the examples by score, easiest first.
      const easiest = this.ir.order === "easy_to_hard" ? this.order : Int32Array.from(idx).sort((a, b) => scores[a]! - scores[b]! || a - b)
      this.members = Array.from({ length: arms.count }, (_, k) => easiest.slice(Math.floor((k * this.n) / arms.count), Math.floor(((k + 1) * this.n) / arms.count)))
    }
  }

  /** The examples of update `t`'s batch; `fraction` is the pacing's value at `t`, `temperature` the bandit's. */
  nextBatch(size: number, fraction: number, temperature = 1): Int32Array {
    if (!this.scored) throw new Error("curriculum: no scores yet")
    const available = Math.max(1, Math.ceil(this.n * fraction))
    let pool: Int32Array
    if (this.bandit !== undefined) {
      pool = this.members[this.bandit.choose(temperature, this.rng.uniform())]!
      if (pool.length === 0) throw new Error(`curriculum: arm ${this.bandit.arm} has no examples`)
      return this.note(this.distinct(pool, size), fraction)
    }
    if (this.ir.sampler === "sequential") {
      // The available examples in order, round and round.
      const out = new Int32Array(size)
      for (let i = 0; i < size; i++) out[i] = this.order[this.cursor++ % available]!
      return this.note(out, fraction)
    }
    if (this.ir.sampler === "uniform") pool = this.order.subarray(0, available)
    else {
      if (this.set === undefined || this.size !== available) {
        this.set = this.drawSet(available)
        this.size = available
      }
      pool = this.set
    }
    return this.note(this.distinct(pool, size), fraction)
  }

  /** `size` distinct examples of `pool`, uniformly (with repeats only when the pool is smaller). */
  private distinct(pool: Int32Array, size: number): Int32Array {
    const out = new Int32Array(size)
    if (pool.length >= size) {
      // A partial Fisher-Yates over positions of the pool, with the swaps kept sparse.
      const swapped = new Map<number, number>()
      for (let i = 0; i < size; i++) {
        const j = i + this.rng.int(pool.length - i)
        const at = swapped.get(j) ?? j
        swapped.set(j, swapped.get(i) ?? i)
        out[i] = pool[at]!
      }
    } else {
      for (let i = 0; i < size; i++) out[i] = pool[this.rng.int(pool.length)]!
    }
    return out
  }

  /** Keeps what the logs report of a batch: the fraction available and its mean score. */
  private note(out: Int32Array, fraction: number): Int32Array {
    this.fraction = fraction
    let sum = 0
    for (const i of out) sum += this.scores[i] ?? Number.NaN
    this.difficulty = sum / out.length
    return out
  }

  /** `k` examples without replacement, each with probability proportional to its weight. */
  private drawSet(k: number): Int32Array {
    const weight = (i: number) => {
      const s = Math.max(this.scores[i]!, 1e-12)
      return this.ir.order === "easy_to_hard" ? 1 / s : this.ir.order === "hard_to_easy" ? s : 1
    }
    // Efraimidis-Spirakis: the k largest of log(u) / w.
    const keys = new Float64Array(this.n)
    for (let i = 0; i < this.n; i++) keys[i] = Math.log(1 - this.rng.uniform()) / weight(i)
    const idx = Int32Array.from({ length: this.n }, (_, i) => i).sort((a, b) => keys[b]! - keys[a]! || a - b)
    return idx.slice(0, k)
  }

  state(): CurriculumState {
    return {
      scores: this.scores,
      rng: this.rng.state,
      ...(this.set === undefined ? {} : { set: this.set }),
      size: this.size,
      cursor: this.cursor,
      ...(this.bandit === undefined ? {} : { bandit: this.bandit.state() })
    }
  }

  restore(state: CurriculumState): void {
    if (state.scores.length === this.n) this.setScores(state.scores)
    this.rng = rngFromState(state.rng)
    this.set = state.set
    this.size = state.size
    this.cursor = state.cursor ?? 0
    if (state.bandit !== undefined) this.bandit?.restore(state.bandit)
  }
}
