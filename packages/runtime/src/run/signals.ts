import type { ConditionIR, SignalIR } from "@lrs/compiler"

/** A signal's name as the spec writes it; also its metrics column (`grad_norm`, `ema(loss, 0.9)`). */
export const signalKey = (s: SignalIR): string => (s.kind === "signal" ? s.name : `ema(${signalKey(s.of)}, ${s.beta})`)

const depth = (s: SignalIR): number => (s.kind === "signal" ? 0 : 1 + depth(s.of))

const holds = (c: ConditionIR, v: number): boolean => {
  switch (c.op) {
    case ">=":
      return v >= c.threshold
    case "<=":
      return v <= c.threshold
    case ">":
      return v > c.threshold
    case "<":
      return v < c.threshold
    case "==":
      return v === c.threshold
    case "!=":
      return v !== c.threshold
  }
}

/**
 * The latest value of every signal a run uses. Observing a raw signal updates the moving averages
 * built on it (innermost first): `m = beta * m + (1 - beta) * x`, starting at the first `x`.
 * Plain data in and out, so a checkpoint can hold it.
 */
export class SignalBoard {
  private readonly values = new Map<string, number>()
  private readonly emas: ReadonlyArray<SignalIR & { kind: "ema" }>

  constructor(used: ReadonlyArray<SignalIR>) {
    const all = new Map<string, SignalIR & { kind: "ema" }>()
    const visit = (s: SignalIR): void => {
      if (s.kind === "ema") {
        all.set(signalKey(s), s)
        visit(s.of)
      }
    }
    used.forEach(visit)
    this.emas = [...all.values()].sort((a, b) => depth(a) - depth(b))
  }

  observe(name: string, value: number): void {
    this.values.set(name, value)
    // Called at every update: without moving averages there is nothing more to do.
    if (this.emas.length === 0) return
    const changed = new Set([name])
    for (const e of this.emas) {
      const of = signalKey(e.of)
      if (!changed.has(of)) continue
      const x = this.values.get(of)!
      const key = signalKey(e)
      const previous = this.values.get(key)
      this.values.set(key, previous === undefined ? x : e.beta * previous + (1 - e.beta) * x)
      changed.add(key)
    }
  }

  value(s: SignalIR): number | undefined {
    return this.values.get(signalKey(s))
  }

  /** Whether the condition holds now (false until its signal has been observed). */
  holds(c: ConditionIR): boolean {
    const v = this.value(c.signal)
    return v !== undefined && holds(c, v)
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.values)
  }

  /** Puts back what `snapshot` saved (a resumed run continues its moving averages exactly). */
  restore(saved: Readonly<Record<string, number>>): void {
    this.values.clear()
    for (const [k, v] of Object.entries(saved)) this.values.set(k, v)
  }
}

/** Whether any of these signals (or what they smooth) is `name`, so the trainer computes it only when used. */
export const usesSignal = (signals: ReadonlyArray<SignalIR>, name: string): boolean =>
  signals.some((s) => (s.kind === "signal" ? s.name === name : usesSignal([s.of], name)))
