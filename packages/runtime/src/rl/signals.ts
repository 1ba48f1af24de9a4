import type { ConditionIR, PlateauIR, RunIR, ScheduleIR, SignalIR } from "@lrs/compiler"
import { PlateauControllers, type PlateauState, plateausIn, plateausOf } from "../run/plateau.ts"
import { SignalBoard, signalKey } from "../run/signals.ts"

/** What a checkpoint keeps of an rl run's signals: the board (moving averages) and the plateau controllers. */
export interface RlSignalsState {
  readonly signals: Readonly<Record<string, number>>
  readonly plateaus: Readonly<Record<string, PlateauState>>
}

/** Every `plateau` node of the rl block's own schedules (clip, entropy, budget, length_limit, ...). */
const plateausOfRl = (value: unknown, found: Array<PlateauIR>): Array<PlateauIR> => {
  if (value === null || typeof value !== "object") return found
  if ("kind" in value && "span" in value && (value as { kind: unknown }).kind === "plateau") return plateausIn(value as ScheduleIR, found)
  for (const v of Object.values(value)) plateausOfRl(v, found)
  return found
}

/**
 * An rl run's signals: each iteration's row values, observed as `train.<column>` once per
 * iteration, feed the `plateau` schedules, the `until` condition and `log`'s extra columns. A
 * non-finite value (no episode finished yet) is not observed, so it neither stops a run nor counts
 * as a bad plateau observation.
 */
export class RlSignals {
  private readonly board: SignalBoard
  private readonly plateaus: PlateauControllers
  private readonly stop: ConditionIR | undefined
  private readonly logged: ReadonlyArray<SignalIR>

  constructor(ir: RunIR) {
    this.plateaus = new PlateauControllers([...plateausOf(ir), ...plateausOfRl(ir.rl, [])])
    this.stop = ir.stop
    this.logged = ir.log.signals
    this.board = new SignalBoard([...ir.log.signals, ...(ir.stop === undefined ? [] : [ir.stop.signal]), ...this.plateaus.signals])
  }

  /** How schedules read the plateau controllers (`evaluateSchedule`'s third argument). */
  get adaptive() {
    return this.plateaus.adaptive
  }

  /** Observes an iteration's row; `next` is the env step the next iteration reads its schedules at. */
  observe(row: Readonly<Record<string, unknown>>, next: number): void {
    for (const [column, value] of Object.entries(row)) {
      if (typeof value !== "number" || !Number.isFinite(value)) continue
      const name = `train.${column}`
      this.board.observe(name, value)
      this.plateaus.observed(name, (s) => this.board.value(s), next)
    }
  }

  /** The `until` condition's text and value when it holds now; undefined otherwise. */
  stopped(): string | undefined {
    if (this.stop === undefined || !this.board.holds(this.stop)) return undefined
    return `until ${signalKey(this.stop.signal)} ${this.stop.op} ${this.stop.threshold}: ${this.board.value(this.stop.signal)}`
  }

  /** `log [...]`'s columns, named as written (`ema(train.return, 0.9)`); null before a first value. */
  columns(): Record<string, number | null> {
    return Object.fromEntries(this.logged.map((s) => [signalKey(s), this.board.value(s) ?? null]))
  }

  /** Each plateau's reductions so far, for the summary; undefined without one. */
  reductions(): Record<string, number> | undefined {
    return this.plateaus.isEmpty ? undefined : this.plateaus.reductions()
  }

  state(): RlSignalsState {
    return { signals: this.board.snapshot(), plateaus: this.plateaus.snapshot() }
  }

  restore(saved: RlSignalsState): void {
    this.board.restore(saved.signals)
    this.plateaus.restore(saved.plateaus)
  }
}
