import type { Adaptive, PlateauIR, RunIR, ScheduleIR, SignalIR } from "@lrs/compiler"
import { evaluateSchedule } from "@lrs/compiler"
import { formatSpan } from "@lrs/dsl"
import { createHash } from "node:crypto"
import { signalKey, usesSignal } from "./signals.ts"

/** One `plateau` schedule's progress: torch's ReduceLROnPlateau fields, plus how many reductions happened. */
export interface PlateauState {
  /** The best value seen; null before the first observation (torch starts at +-inf). */
  readonly best: number | null
  readonly badObservations: number
  readonly cooldown: number
  readonly reductions: number
}

/** Every `plateau` node of a schedule, outermost first. */
export const plateausIn = (s: ScheduleIR | undefined, found: Array<PlateauIR> = []): Array<PlateauIR> => {
  if (s === undefined) return found
  switch (s.kind) {
    case "plateau":
      found.push(s)
      return plateausIn(s.schedule, found)
    case "repeat":
    case "sampled":
      return plateausIn(s.schedule, found)
    case "sequence":
      for (const seg of s.segments) plateausIn(seg.schedule, found)
      return found
    case "binary":
      plateausIn(s.left, found)
      return plateausIn(s.right, found)
    case "negate":
      return plateausIn(s.operand, found)
    default:
      return found
  }
}

/** Every `plateau` node of a run: optimizer hyperparameters, named schedules, the model's dropout. */
export const plateausOf = (ir: RunIR): ReadonlyArray<PlateauIR> => {
  const found: Array<PlateauIR> = []
  for (const value of Object.values(ir.optimizer)) if (typeof value === "object" && value !== null && "kind" in value && "span" in value) plateausIn(value as ScheduleIR, found)
  for (const s of Object.values(ir.schedules)) plateausIn(s, found)
  plateausIn(ir.model.dropout, found)
  return found
}

/**
 * The controllers of a run's `plateau` schedules, fed each time a signal is observed. A node is
 * known by its content, so the copy an optimizer holds and the named schedule it came from (or the
 * same IR read back from `ir.json`) share one state.
 */
export class PlateauControllers {
  private readonly nodes = new Map<string, PlateauIR>()
  private readonly states = new Map<string, PlateauState>()

  constructor(nodes: ReadonlyArray<PlateauIR>) {
    for (const node of nodes) {
      const key = keyOf(node)
      this.nodes.set(key, node)
      this.states.set(key, { best: null, badObservations: 0, cooldown: 0, reductions: 0 })
    }
  }

  /** Whether the run has any plateau schedule. */
  get isEmpty(): boolean {
    return this.nodes.size === 0
  }

  /** The signals the controllers read, so the signal board keeps them (and their moving averages). */
  get signals(): ReadonlyArray<SignalIR> {
    return [...this.nodes.values()].map((n) => n.signal)
  }

  /** How schedules read the controllers: `factor^reductions` for a node (1 for one never seen). */
  readonly adaptive: Adaptive = { plateau: (node) => node.factor ** (this.states.get(keyOf(node))?.reductions ?? 0) }

  /**
   * After `name` was observed (and `value` reads the board): one ReduceLROnPlateau `step(metric)`
   * for every node watching it. A reduction counts when it changes the value the next update,
   * `next`, would use by more than `eps` (torch's `old_lr - new_lr > eps`).
   */
  observed(name: string, value: (s: SignalIR) => number | undefined, next: number): void {
    for (const [key, node] of this.nodes) {
      if (!usesSignal([node.signal], name)) continue
      const current = value(node.signal)
      if (current === undefined) continue
      const state = this.states.get(key)!
      let { best, badObservations, cooldown, reductions } = state
      // Before the first value torch's best is +-inf, which every number but NaN beats.
      if (best === null ? !Number.isNaN(current) : better(node, current, best)) {
        best = current
        badObservations = 0
      } else {
        badObservations++
      }
      if (cooldown > 0) {
        cooldown--
        badObservations = 0
      }
      if (badObservations > node.patience) {
        const old = evaluateSchedule(node, next, this.adaptive)
        const reduced = Math.max(evaluateSchedule(node.schedule, next, this.adaptive) * node.factor ** (reductions + 1), node.min)
        if (old - reduced > node.eps) reductions++
        cooldown = node.cooldown
        badObservations = 0
      }
      this.states.set(key, { best, badObservations, cooldown, reductions })
    }
  }

  /** Plain data for a checkpoint, keyed by the node's place in the spec and a digest of it. */
  snapshot(): Record<string, PlateauState> {
    return Object.fromEntries(this.states)
  }

  restore(saved: Readonly<Record<string, PlateauState>> | undefined): void {
    for (const [key, state] of Object.entries(saved ?? {})) if (this.states.has(key)) this.states.set(key, state)
  }

  /** Each node's reductions so far, for the summary: `spec.lrs:9:17 on test.loss` -> 2. */
  reductions(): Record<string, number> {
    return Object.fromEntries([...this.nodes].map(([key, n]) => [`${formatSpan(n.span)} on ${signalKey(n.signal)}`, this.states.get(key)!.reductions]))
  }
}

/** torch's `is_better` (a NaN is never better, so it counts as a bad observation). */
const better = (n: PlateauIR, a: number, best: number): boolean => {
  if (n.mode === "min") return n.thresholdMode === "rel" ? a < best * (1 - n.threshold) : a < best - n.threshold
  return n.thresholdMode === "rel" ? a > best * (1 + n.threshold) : a > best + n.threshold
}

/** Where the node is written, and a digest of all of it (one definition may compile to several nodes, one per extent). */
const keys = new WeakMap<PlateauIR, string>()
const keyOf = (n: PlateauIR): string => {
  let key = keys.get(n)
  if (key === undefined) {
    key = `${formatSpan(n.span)}#${createHash("sha256").update(JSON.stringify(n)).digest("hex").slice(0, 12)}`
    keys.set(n, key)
  }
  return key
}
