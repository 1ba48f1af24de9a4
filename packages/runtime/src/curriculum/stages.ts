import type { Adaptive, SignalIR, StagesIR } from "@lrs/compiler"
import { usesSignal } from "../run/signals.ts"

/** Where a staged pacing stands; plain data for checkpoints. */
export interface StagesState {
  /** The best value of the signal in this stage; null before its first observation. */
  readonly best: number | null
  readonly badObservations: number
  /** The update the current stage began at. */
  readonly since: number
  readonly advances: number
}

/**
 * The controller of a `stages(...)` pacing (see StagesIR), fed every observation of its signal as
 * the plateau controllers are: a value below `best * (1 - threshold)` is progress; more than
 * `patience` observations without it, or `max` updates in the stage, open the next cluster (from
 * update `next` on) and start the count again.
 */
export class StagesController {
  readonly node: StagesIR
  private state: StagesState = { best: null, badObservations: 0, since: 0, advances: 0 }

  constructor(node: StagesIR) {
    this.node = node
  }

  readonly adaptive: Adaptive = { stages: () => this.state.advances }

  get signals(): ReadonlyArray<SignalIR> {
    return [this.node.signal]
  }

  observed(name: string, value: (s: SignalIR) => number | undefined, next: number): void {
    if (this.state.advances >= this.node.count - 1 || !usesSignal([this.node.signal], name)) return
    const current = value(this.node.signal)
    if (current === undefined) return
    let { best, badObservations, since, advances } = this.state
    if (best === null ? !Number.isNaN(current) : current < best * (1 - this.node.threshold)) {
      best = current
      badObservations = 0
    } else {
      badObservations++
    }
    if (badObservations > this.node.patience || (this.node.max !== undefined && next - since >= this.node.max)) {
      advances++
      best = null
      badObservations = 0
      since = next
    }
    this.state = { best, badObservations, since, advances }
  }

  snapshot(): StagesState {
    return { ...this.state }
  }

  restore(saved: StagesState | undefined): void {
    if (saved !== undefined) this.state = { ...saved }
  }
}
