import type { SweepInfo } from "@lrs/compiler"
import { join } from "node:path"

/** One trial of a sweep: its number, what it sets, and the run directory it writes. */
export interface Trial {
  readonly index: number
  readonly assignments: ReadonlyArray<{ readonly name: string; readonly value: string }>
  readonly dir: string
}

/** A value as a path segment: letters, digits and `.-+` kept, anything else `_`. */
const segment = (s: string): string => s.replace(/\s+/g, "").replace(/[^A-Za-z0-9.+\-]+/g, "_").slice(0, 60)

/** `peak=0.003_seed=2`: a trial's directory name from what it sets (its number first, so names stay unique and sorted). */
export const trialName = (index: number, assignments: Trial["assignments"]): string =>
  `${String(index).padStart(3, "0")}-${assignments.map((a) => `${segment(a.name)}=${segment(a.value)}`).join("_")}`

/** Every trial of a sweep, each under `root`. */
export const sweepTrials = (sweep: SweepInfo, root: string): Array<Trial> =>
  sweep.trials.map((assignments, index) => ({ index, assignments, dir: join(root, trialName(index, assignments)) }))
