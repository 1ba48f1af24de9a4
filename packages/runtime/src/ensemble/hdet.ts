import type { EnsembleIR, Explorable } from "@lrs/compiler"
import { deriveSeed, rngFromState, shuffleInPlace } from "../data/random.ts"

/** What a checkpoint keeps of an ensemble's exploration; plain data. */
export interface EnsembleState {
  /** Each explored schedule's scale (1 until the first meta-update). */
  readonly scales: Readonly<Partial<Record<Explorable, number>>>
  readonly velocities: Readonly<Partial<Record<Explorable, number>>>
  /** Replica `r` uses multiplier `rho[permutation[r]]`. */
  readonly permutations: Readonly<Partial<Record<Explorable, ReadonlyArray<number>>>>
  /** Each replica's summed training loss since the last average, and over how many updates. */
  readonly window: { readonly sums: ReadonlyArray<number>; readonly count: number }
  readonly syncs: number
}

/** What one averaging did to the exploration, for `metrics.jsonl`. */
export interface SyncOutcome {
  readonly step: number
  /** Whether the schedules were rescaled (from `metaFrom` on). */
  readonly meta: boolean
  readonly losses: ReadonlyArray<number>
  readonly weights: ReadonlyArray<number>
  readonly scales: Readonly<Partial<Record<Explorable, number>>>
}

/** `rho_r = 1 + spread * (r - (N - 1) / 2) / max((N - 1) / 2, 0.5)`: evenly spaced in [1 - spread, 1 + spread], mean 1. */
export const multipliers = (n: number, spread: number): Array<number> => {
  const half = (n - 1) / 2
  const delta = Math.max(half, 0.5)
  return Array.from({ length: n }, (_, r) => 1 + (spread * (r - half)) / delta)
}

/**
 * The exploration state of an HDET ensemble (see EnsembleIR). Replica `r` reads an explored
 * hyperparameter as `scale * schedule(t) * rho[permutation[r]]`. At each averaging from
 * `metaFrom` on, with `L_r` the replica's mean training loss since the last one:
 *
 *     w = softmax((mean(L) - L_r) / temperature)
 *     delta = sum_r w_r * rho[permutation[r]] - 1          (the better replicas' pull, relative)
 *     v = momentum * v + (1 - momentum) * delta
 *     scale = scale * (1 + metaLr * v)                     (at least 1% of the schedule)
 *
 * then the multipliers are dealt out again by a permutation drawn from the run seed. This is the
 * paper's update `eta = eta * (1 - gamma) + lambda * v` in relative terms: its decay `gamma`
 * stands in for the base schedule's own decay, which here the schedule itself supplies.
 */
export class HdetController {
  private readonly ir: EnsembleIR
  private readonly seed: number
  private readonly rho: ReadonlyArray<number>
  private state: EnsembleState

  constructor(ir: EnsembleIR, seed: number) {
    this.ir = ir
    this.seed = seed
    this.rho = multipliers(ir.replicas, ir.spread)
    const identity = Array.from({ length: ir.replicas }, (_, r) => r)
    const each = <A>(f: () => A) => Object.fromEntries(ir.explore.map((h) => [h, f()])) as Partial<Record<Explorable, A>>
    this.state = {
      scales: each(() => 1),
      velocities: each(() => 0),
      permutations: each(() => identity),
      window: { sums: new Array(ir.replicas).fill(0), count: 0 },
      syncs: 0
    }
  }

  /** Replica `r`'s value of explored hyperparameter `h` whose schedule gives `base`. */
  value(h: Explorable, r: number, base: number): number {
    return (this.state.scales[h] ?? 1) * base * this.rho[this.state.permutations[h]![r]!]!
  }

  /** The ensemble's centre: the mean over replicas. */
  center(h: Explorable, base: number): number {
    return (this.state.scales[h] ?? 1) * base
  }

  /** Adds one update's training loss of every replica to the window. */
  observe(losses: ReadonlyArray<number>): void {
    const { sums, count } = this.state.window
    this.state = { ...this.state, window: { sums: sums.map((s, r) => s + losses[r]!), count: count + 1 } }
  }

  /** Called when the replicas have just been averaged, after update `u`. */
  sync(u: number): SyncOutcome {
    const { sums, count } = this.state.window
    const losses = sums.map((s) => s / Math.max(count, 1))
    const meta = u >= this.ir.metaFrom && count > 0 && losses.every(Number.isFinite)
    let weights = new Array<number>(this.ir.replicas).fill(1 / this.ir.replicas)
    let { scales, velocities, permutations } = this.state
    if (meta) {
      const mean = losses.reduce((a, b) => a + b, 0) / losses.length
      const s = losses.map((l) => (mean - l) / this.ir.temperature)
      const top = Math.max(...s)
      const e = s.map((x) => Math.exp(x - top))
      const total = e.reduce((a, b) => a + b, 0)
      weights = e.map((x) => x / total)
      const rng = rngFromState(deriveSeed(this.seed, `hdet/sync-${this.state.syncs}`))
      const nextScales: Partial<Record<Explorable, number>> = {}
      const nextVelocities: Partial<Record<Explorable, number>> = {}
      const nextPermutations: Partial<Record<Explorable, ReadonlyArray<number>>> = {}
      for (const h of this.ir.explore) {
        const perm = permutations[h]!
        const delta = weights.reduce((acc, w, r) => acc + w * this.rho[perm[r]!]!, 0) - 1
        const v = this.ir.momentum * (velocities[h] ?? 0) + (1 - this.ir.momentum) * delta
        nextVelocities[h] = v
        nextScales[h] = Math.max((scales[h] ?? 1) * (1 + this.ir.metaLr * v), 0.01)
        nextPermutations[h] = Array.from(shuffleInPlace(Int32Array.from({ length: this.ir.replicas }, (_, r) => r), rng))
      }
      scales = nextScales
      velocities = nextVelocities
      permutations = nextPermutations
    }
    this.state = { scales, velocities, permutations, window: { sums: new Array(this.ir.replicas).fill(0), count: 0 }, syncs: this.state.syncs + 1 }
    return { step: u, meta, losses, weights, scales }
  }

  snapshot(): EnsembleState {
    return JSON.parse(JSON.stringify(this.state)) as EnsembleState
  }

  restore(saved: EnsembleState | undefined): void {
    if (saved !== undefined) this.state = JSON.parse(JSON.stringify(saved)) as EnsembleState
  }
}
