import type { Adaptive, AutoLrsIR } from "@lrs/compiler"
import { deriveSeed, rngFromState } from "../data/random.ts"
import { proposeNext } from "./bayes.ts"
import { forecastExponential } from "./forecast.ts"

/** What a checkpoint keeps of a search: the value chosen for each stage so far. */
export interface SearchState {
  readonly chosen: ReadonlyArray<number>
}

/** A trial a stage's search asks for: `candidate` trained `updates` updates from the stage's snapshot; answered with its losses. */
interface Trial {
  readonly candidate: number
  readonly updates: number
}

/** One stage's search, as `metrics.jsonl` records it. */
export interface StageSearch {
  readonly stage: number
  readonly candidates: ReadonlyArray<number>
  readonly forecasts: ReadonlyArray<number>
  readonly chosen: number
}

/**
 * The controller of an `autolrs` learning rate. Before the first update of each stage the trainer
 * calls `searchStage` with a function that trains one candidate for `trial` updates from the
 * stage's snapshot and returns the trial's losses. Candidates are points of `[min, max]` on a log
 * scale: two drawn from the run seed (stream `autolrs/stage-<k>`), the rest proposed by Bayesian
 * optimisation over the forecasts so far; each forecast extrapolates its trial's losses to the end
 * of the stage. The lowest forecast wins (the smallest candidate when every trial diverged).
 */
export class SearchController {
  private chosen: Array<number> = []
  /** The candidate under trial, which the learning rate reads while a trial trains. */
  private trying: number | undefined

  readonly node: AutoLrsIR | undefined
  private readonly seed: number

  constructor(node: AutoLrsIR | undefined, seed: number) {
    this.node = node
    this.seed = seed
  }

  readonly adaptive: Adaptive = {
    search: (node, t) => this.trying ?? this.chosen[Math.floor(Math.max(t, 0) / node.every)]
  }

  /** Whether update `t` needs a search first (the first update of a stage without a value). */
  due(t: number): boolean {
    return this.node !== undefined && Math.floor(t / this.node.every) >= this.chosen.length
  }

  /** Searches the stage that starts at update `t` of a run of `steps` updates; `train` runs one trial. */
  searchStage(t: number, steps: number, train: (candidate: number, updates: number) => ReadonlyArray<number>): StageSearch {
    const stage = this.stage(t, steps)
    let next = stage.next()
    while (!next.done) {
      let losses: ReadonlyArray<number>
      try {
        losses = train(next.value.candidate, next.value.updates)
      } catch (e) {
        next = stage.throw(e)
        continue
      }
      next = stage.next(losses)
    }
    return next.value
  }

  /** The same with trials that read their losses asynchronously (on a GPU). */
  async searchStageAsync(t: number, steps: number, train: (candidate: number, updates: number) => Promise<ReadonlyArray<number>>): Promise<StageSearch> {
    const stage = this.stage(t, steps)
    let next = stage.next()
    while (!next.done) {
      let losses: ReadonlyArray<number>
      try {
        losses = await train(next.value.candidate, next.value.updates)
      } catch (e) {
        next = stage.throw(e)
        continue
      }
      next = stage.next(losses)
    }
    return next.value
  }

  /** The search of one stage: yields each trial to run, receives its losses, returns the outcome. */
  private *stage(t: number, steps: number): Generator<Trial, StageSearch, ReadonlyArray<number>> {
    const node = this.node
    if (node === undefined) throw new Error("this run has no search")
    const stage = Math.floor(t / node.every)
    const length = Math.min(node.every, steps - t)
    const trialUpdates = Math.max(1, Math.min(node.trial, length - 1))
    const rng = rngFromState(deriveSeed(this.seed, `autolrs/stage-${stage}`))
    const [logMin, logMax] = [Math.log(node.min), Math.log(node.max)]
    const xs: Array<number> = []
    const forecasts: Array<number> = []
    const candidates: Array<number> = []
    try {
      for (let k = 0; k < node.trials; k++) {
        const x = k < 2 ? rng.uniform() : proposeNext(xs, forecasts)
        const candidate = x === 0 ? node.min : x === 1 ? node.max : Math.exp(logMin + x * (logMax - logMin))
        this.trying = candidate
        const losses = yield { candidate, updates: trialUpdates }
        xs.push(x)
        candidates.push(candidate)
        forecasts.push(losses.length < trialUpdates ? Number.POSITIVE_INFINITY : forecastExponential(losses, length))
      }
    } finally {
      this.trying = undefined
    }
    let best = -1
    forecasts.forEach((f, i) => {
      if (Number.isFinite(f) && (best < 0 || f < forecasts[best]!)) best = i
    })
    const chosen = best < 0 ? node.min : candidates[best]!
    this.chosen[stage] = chosen
    return { stage, candidates, forecasts, chosen }
  }

  state(): SearchState {
    return { chosen: [...this.chosen] }
  }

  restore(state: SearchState | undefined): void {
    this.chosen = [...(state?.chosen ?? [])]
  }
}
