import { deriveSeed, type Rng, rngFromState, type RngState } from "../../data/random.ts"
import type { EnvSpec, EpisodeEnd } from "./env.ts"

export interface VectorEnvOptions {
  readonly numEnvs: number
  readonly seed: number
  /**
   * Copies per group. A group's copies reset from one shared stream, so they get the same prompt,
   * target or start state: GRPO samples `groupSize` answers per prompt this way. Groups larger
   * than 1 need `autoReset = false`, since copies of a group finish at different steps.
   */
  readonly groupSize?: number
  /**
   * true (default): a copy whose episode ends is reset within the same step (SB3's VecEnv and
   * Gymnasium's SAME_STEP mode); `finalObservation` keeps the observation it ended on.
   * false: it waits, inactive, until `reset()` (synchronous rollouts: generate until all are done).
   */
  readonly autoReset?: boolean
}

/** What one step of all copies returns. Arrays are indexed by copy (observations: copy-major). */
export interface VectorStep {
  /** The observation each copy acts on next: a new episode's first one where an episode ended. */
  readonly observation: Float32Array
  /**
   * The observation each action led to, before any reset. Equal to `observation` where no episode
   * ended; where one was truncated, this is what the value is bootstrapped from.
   */
  readonly finalObservation: Float32Array
  readonly reward: Float64Array
  readonly terminated: Uint8Array
  /** Hit `maxEpisodeSteps`. Can be set together with `terminated` (as Gymnasium's TimeLimit does). */
  readonly truncated: Uint8Array
  /** 1 where the copy stepped; 0 where it was waiting for `reset()` (autoReset = false only). */
  readonly active: Uint8Array
  readonly episodes: ReadonlyArray<EpisodeEnd>
}

interface Copy<S> {
  state: S | undefined
  rng: Rng
  elapsed: number
  episodeReturn: number
  category: number
  done: boolean
}

/** Everything needed to continue exactly: plain JSON. */
export interface VectorEnvState<S, P> {
  readonly id: string
  readonly numEnvs: number
  readonly groupSize: number
  readonly autoReset: boolean
  readonly params: P
  readonly categoryWeights: ReadonlyArray<number>
  readonly resetRngs: ReadonlyArray<RngState>
  /** Each group's reset stream before its last reset and how many copies that reset started (`extend` replays them); absent in older checkpoints. */
  readonly promptRngs?: ReadonlyArray<RngState>
  readonly started?: ReadonlyArray<number>
  readonly copies: ReadonlyArray<{
    readonly state: S | null
    readonly rng: RngState
    readonly elapsed: number
    readonly episodeReturn: number
    readonly category: number
    readonly done: boolean
  }>
}

/**
 * N copies of one environment stepping together, each with its own seeded streams (one for its
 * dynamics, one per group for resets), with TimeLimit truncation, auto-reset and a serialisable
 * state. Seeds are derived from the run seed and the env id, so adding draws elsewhere never
 * shifts them.
 */
export class VectorEnv<S, P extends Readonly<Record<string, number>>> {
  readonly numEnvs: number
  readonly groupSize: number
  readonly autoReset: boolean
  private readonly copies: Array<Copy<S>>
  private readonly resetRngs: Array<RngState>
  private readonly promptRngs: Array<RngState>
  private readonly started: Array<number>
  private everReset = false
  private params: P
  private categoryWeights: Array<number>
  private readonly obs: Float32Array
  readonly spec: EnvSpec<S, P>

  constructor(spec: EnvSpec<S, P>, options: VectorEnvOptions) {
    this.spec = spec
    const { numEnvs, seed } = options
    const groupSize = options.groupSize ?? 1
    const autoReset = options.autoReset ?? true
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new Error(`numEnvs must be a positive integer, got ${numEnvs}`)
    if (!Number.isInteger(groupSize) || groupSize < 1 || numEnvs % groupSize !== 0) {
      throw new Error(`groupSize must divide numEnvs (${numEnvs}), got ${groupSize}`)
    }
    if (groupSize > 1 && autoReset) throw new Error("groups of copies need autoReset = false: their episodes end at different steps")
    this.numEnvs = numEnvs
    this.groupSize = groupSize
    this.autoReset = autoReset
    this.copies = Array.from({ length: numEnvs }, (_, i) => ({
      state: undefined,
      rng: rngFromState(deriveSeed(seed, `${spec.id}.step.${i}`)),
      elapsed: 0,
      episodeReturn: 0,
      category: 0,
      done: true
    }))
    this.resetRngs = Array.from({ length: numEnvs / groupSize }, (_, g) => deriveSeed(seed, `${spec.id}.reset.${g}`))
    this.promptRngs = [...this.resetRngs]
    this.started = this.resetRngs.map(() => 0)
    this.params = { ...spec.params }
    this.categoryWeights = spec.categories.map(() => 1)
    this.obs = new Float32Array(numEnvs * spec.observationSize)
  }

  /**
   * Starts a new episode in every copy and returns their observations. With `sizes` (one per group,
   * 1..groupSize), only the first `sizes[g]` copies of group g start one; the others wait, done,
   * and neither step nor draw (a group smaller than the env's capacity).
   */
  reset(sizes?: ReadonlyArray<number>): Float32Array {
    this.checkSizes(sizes, 1, () => this.groupSize)
    this.everReset = true
    for (let g = 0; g < this.resetRngs.length; g++) {
      const n = sizes?.[g] ?? this.groupSize
      this.promptRngs[g] = this.resetRngs[g]!
      this.started[g] = n
      this.resetRngs[g] = this.startCopies(g, 0, n)
      for (let i = g * this.groupSize + n; i < (g + 1) * this.groupSize; i++) this.copies[i]!.done = true
    }
    return this.observation()
  }

  /**
   * Starts `extra[g]` more copies of each group on the episode its last `reset` drew (the same
   * prompt: its reset stream is replayed), after the copies already started; the copies that
   * finished stay done. CurES's allocation: probe answers first, then more for some prompts.
   */
  extend(extra: ReadonlyArray<number>): Float32Array {
    if (!this.everReset) throw new Error("VectorEnv.extend before reset()")
    this.checkSizes(extra, 0, (g) => this.groupSize - this.started[g]!)
    extra.forEach((n, g) => {
      this.startCopies(g, this.started[g]!, n)
      this.started[g]! += n
    })
    return this.observation()
  }

  /** The copies whose episodes are running, in order (with autoReset = false, those a generation still has to finish). */
  running(): Array<number> {
    const out: Array<number> = []
    this.copies.forEach((c, i) => {
      if (!c.done) out.push(i)
    })
    return out
  }

  /** Steps every copy with its action (one integer per copy). */
  step(actions: ArrayLike<number>): VectorStep {
    const { numEnvs, spec } = this
    if (actions.length !== numEnvs) throw new Error(`expected ${numEnvs} actions, got ${actions.length}`)
    const size = spec.observationSize
    const finalObservation = new Float32Array(numEnvs * size)
    const reward = new Float64Array(numEnvs)
    const terminated = new Uint8Array(numEnvs)
    const truncated = new Uint8Array(numEnvs)
    const active = new Uint8Array(numEnvs)
    const episodes: Array<EpisodeEnd> = []
    for (let i = 0; i < numEnvs; i++) {
      const copy = this.copies[i]!
      // A copy a smaller group left out was never reset: it waits like a finished one.
      if (copy.state === undefined && (!this.everReset || !copy.done)) throw new Error("VectorEnv.step before reset()")
      if (copy.done || copy.state === undefined) {
        finalObservation.set(this.obs.subarray(i * size, (i + 1) * size), i * size)
        continue
      }
      const a = actions[i]!
      if (!Number.isInteger(a) || a < 0 || a >= spec.actions) throw new Error(`action ${a} of copy ${i} is not in [0, ${spec.actions})`)
      const t = spec.step(copy.state, a, copy.rng, this.params)
      copy.state = t.state
      copy.elapsed += 1
      copy.episodeReturn += t.reward
      active[i] = 1
      reward[i] = t.reward
      terminated[i] = t.terminated ? 1 : 0
      const timeUp = spec.maxEpisodeSteps !== undefined && copy.elapsed >= spec.maxEpisodeSteps
      truncated[i] = timeUp ? 1 : 0
      spec.observe(t.state, finalObservation, i * size)
      if (t.terminated || timeUp) {
        episodes.push({
          env: i,
          return: copy.episodeReturn,
          length: copy.elapsed,
          category: copy.category,
          terminated: t.terminated,
          truncated: timeUp,
          info: spec.summary?.(t.state) ?? {}
        })
        if (this.autoReset) {
          // Groups are size 1 here, so the copy's reset stream is its own.
          const rng = rngFromState(this.resetRngs[i]!)
          this.resetCopy(i, rng)
          this.resetRngs[i] = rng.state
          continue
        }
        copy.done = true
      }
      this.obs.set(finalObservation.subarray(i * size, (i + 1) * size), i * size)
    }
    return { observation: this.observation(), finalObservation, reward, terminated, truncated, active, episodes }
  }

  /** A copy of the current observations. */
  observation(): Float32Array {
    return this.obs.slice()
  }

  /** The current episode state of copy `i` (for policies that read raw tokens rather than features). */
  envState(i: number): S {
    const s = this.copies[i]?.state
    if (s === undefined) throw new Error(`copy ${i} has not been reset`)
    return s
  }

  /** With autoReset = false: whether every copy's episode has ended. */
  allDone(): boolean {
    return this.copies.every((c) => c.done)
  }

  currentParams(): P {
    return { ...this.params }
  }

  /** Changes settable scalars (from a schedule); takes effect from the next step or reset. */
  setParams(update: Partial<P>): void {
    for (const [k, v] of Object.entries(update)) {
      if (!(k in this.spec.params)) throw new Error(`${this.spec.id} has no parameter ${k}`)
      if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${this.spec.id}.${k} must be a finite number, got ${v}`)
    }
    this.params = { ...this.params, ...update }
  }

  /** Relative weights of the difficulty categories new episodes are drawn from (a curriculum's choice). */
  setCategoryWeights(weights: ReadonlyArray<number>): void {
    if (weights.length !== this.spec.categories.length) {
      throw new Error(`${this.spec.id} has ${this.spec.categories.length} categories, got ${weights.length} weights`)
    }
    if (weights.some((w) => !(w >= 0) || !Number.isFinite(w)) || !weights.some((w) => w > 0)) {
      throw new Error("category weights must be finite, non-negative and not all zero")
    }
    this.categoryWeights = [...weights]
  }

  state(): VectorEnvState<S, P> {
    return structuredClone({
      id: this.spec.id,
      numEnvs: this.numEnvs,
      groupSize: this.groupSize,
      autoReset: this.autoReset,
      params: this.params,
      categoryWeights: this.categoryWeights,
      resetRngs: this.resetRngs,
      promptRngs: this.promptRngs,
      started: this.started,
      copies: this.copies.map((c) => ({
        state: c.state ?? null,
        rng: c.rng.state,
        elapsed: c.elapsed,
        episodeReturn: c.episodeReturn,
        category: c.category,
        done: c.done
      }))
    })
  }

  /** Puts a saved state back; the env must have been built with the same spec and options. */
  restore(saved: VectorEnvState<S, P>): void {
    if (saved.id !== this.spec.id || saved.numEnvs !== this.numEnvs || saved.groupSize !== this.groupSize || saved.autoReset !== this.autoReset) {
      throw new Error(`saved state is for ${saved.id} x${saved.numEnvs} (group ${saved.groupSize}, autoReset ${saved.autoReset}), not ${this.spec.id} x${this.numEnvs} (group ${this.groupSize}, autoReset ${this.autoReset})`)
    }
    const copy = structuredClone(saved)
    this.params = copy.params
    this.categoryWeights = [...copy.categoryWeights]
    copy.resetRngs.forEach((r, g) => (this.resetRngs[g] = r))
    copy.promptRngs?.forEach((r, g) => (this.promptRngs[g] = r))
    copy.started?.forEach((n, g) => (this.started[g] = n))
    this.everReset = copy.copies.some((c) => c.state !== null)
    copy.copies.forEach((c, i) => {
      this.copies[i] = {
        state: c.state ?? undefined,
        rng: rngFromState(c.rng),
        elapsed: c.elapsed,
        episodeReturn: c.episodeReturn,
        category: c.category,
        done: c.done
      }
      if (c.state !== null) this.spec.observe(c.state, this.obs, i * this.spec.observationSize)
    })
  }

  /** Starts copies `from..from + n - 1` of group g, each replaying the group's stream from `promptRngs[g]`; returns the stream after it. */
  private startCopies(g: number, from: number, n: number): RngState {
    let after = this.promptRngs[g]!
    for (let i = g * this.groupSize + from; i < g * this.groupSize + from + n; i++) {
      // Every copy of the group replays the same stream, so they draw the same episode.
      const rng = rngFromState(this.promptRngs[g]!)
      this.resetCopy(i, rng)
      after = rng.state
    }
    return after
  }

  private checkSizes(sizes: ReadonlyArray<number> | undefined, least: number, most: (g: number) => number): void {
    if (sizes === undefined) return
    if (sizes.length !== this.resetRngs.length) throw new Error(`expected a size for each of ${this.resetRngs.length} groups, got ${sizes.length}`)
    sizes.forEach((n, g) => {
      if (!Number.isInteger(n) || n < least || n > most(g)) throw new Error(`group ${g} cannot start ${n} copies (${least}..${most(g)})`)
    })
  }

  private resetCopy(i: number, rng: Rng): void {
    const copy = this.copies[i]!
    const category = this.drawCategory(rng)
    copy.state = this.spec.reset(rng, category, copy.state, this.params)
    copy.elapsed = 0
    copy.episodeReturn = 0
    copy.category = category
    copy.done = false
    this.spec.observe(copy.state, this.obs, i * this.spec.observationSize)
  }

  private drawCategory(rng: Rng): number {
    const w = this.categoryWeights
    if (w.length === 0) return 0
    const total = w.reduce((s, x) => s + x, 0)
    const u = rng.uniform() * total
    let acc = 0
    for (let k = 0; k < w.length; k++) {
      acc += w[k]!
      if (u < acc) return k
    }
    // Rounding can leave u == total; the last category with weight takes it.
    return w.findLastIndex((x) => x > 0)
  }
}
