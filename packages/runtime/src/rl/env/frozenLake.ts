import type { EnvSpec } from "./env.ts"

/** Gymnasium's built-in maps (`gymnasium/envs/toy_text/frozen_lake.py`, `MAPS`). */
export const FROZEN_LAKE_MAPS = {
  "4x4": ["SFFF", "FHFH", "FFFH", "HFFG"],
  "8x8": ["SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF", "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"]
} as const

/** Actions as in Gymnasium. */
export const LEFT = 0
export const DOWN = 1
export const RIGHT = 2
export const UP = 3

export interface FrozenLakeOptions {
  /** A built-in map name or rows of S (start), F (frozen), H (hole), G (goal). Default "4x4". */
  readonly map?: keyof typeof FROZEN_LAKE_MAPS | ReadonlyArray<string>
  /** Default true, as Gymnasium. */
  readonly slippery?: boolean
  /** Probability of moving as intended when slippery; each perpendicular gets half the rest. Default 1/3. */
  readonly successRate?: number
  /** TimeLimit; default 100 for 4x4 and 200 for 8x8 (Gymnasium's registrations), else 100. */
  readonly maxEpisodeSteps?: number
}

/** One outcome of an action: `[probability, next cell, reward, terminated]`, as Gymnasium's `P[s][a]`. */
export type Outcome = readonly [number, number, number, boolean]

export interface FrozenLakeState {
  readonly cell: number
}

/**
 * The transition table `P[s][a]` built exactly as Gymnasium builds it: from a hole or the goal
 * every action stays put; otherwise, when slippery, the outcomes are, in this order, the moves
 * (a − 1) mod 4, a and (a + 1) mod 4 (the two perpendicular ones around the intended one).
 */
export const frozenLakeTransitions = (rows: ReadonlyArray<string>, slippery: boolean, successRate = 1 / 3): ReadonlyArray<ReadonlyArray<ReadonlyArray<Outcome>>> => {
  const nrow = rows.length
  const ncol = rows[0]!.length
  const at = (r: number, c: number) => rows[r]![c]!
  const move = (row: number, col: number, a: number): Outcome => {
    let r = row
    let c = col
    if (a === LEFT) c = Math.max(c - 1, 0)
    else if (a === DOWN) r = Math.min(r + 1, nrow - 1)
    else if (a === RIGHT) c = Math.min(c + 1, ncol - 1)
    else r = Math.max(r - 1, 0)
    const letter = at(r, c)
    return [0, r * ncol + c, letter === "G" ? 1 : 0, letter === "G" || letter === "H"]
  }
  // (1 − 1/3) / 2 is 0.33333333333333337 in floats; the default keeps Gymnasium's exact 1.0 / 3.0.
  const failRate = successRate === 1 / 3 ? 1 / 3 : (1 - successRate) / 2
  const table: Array<Array<Array<Outcome>>> = []
  for (let row = 0; row < nrow; row++) {
    for (let col = 0; col < ncol; col++) {
      const s = row * ncol + col
      table[s] = [0, 1, 2, 3].map((a) => {
        if (at(row, col) === "G" || at(row, col) === "H") return [[1, s, 0, true]]
        if (!slippery) return [withProbability(move(row, col, a), 1)]
        return [(a + 3) % 4, a, (a + 1) % 4].map((b) => withProbability(move(row, col, b), b === a ? successRate : failRate))
      })
    }
  }
  return table
}

const withProbability = ([, s, r, t]: Outcome, p: number): Outcome => [p, s, r, t]

/**
 * FrozenLake-v1. The observation is the one-hot of the cell (Gymnasium returns the cell index;
 * one-hot is what a network needs). Sampling follows Gymnasium's `categorical_sample`: the first
 * outcome whose cumulative probability exceeds one uniform draw.
 */
export const frozenLake = (options: FrozenLakeOptions = {}): EnvSpec<FrozenLakeState> => {
  const mapName = typeof options.map === "string" ? options.map : options.map === undefined ? "4x4" : undefined
  const rows = mapName !== undefined ? FROZEN_LAKE_MAPS[mapName as keyof typeof FROZEN_LAKE_MAPS] : options.map as ReadonlyArray<string>
  if (rows === undefined) throw new Error(`unknown frozen_lake map ${String(options.map)}`)
  const ncol = rows[0]?.length ?? 0
  if (ncol === 0 || rows.some((r) => r.length !== ncol || /[^SFHG]/.test(r))) throw new Error("frozen_lake map rows must be equal-length strings of S, F, H, G")
  const starts = rows.join("").split("").flatMap((ch, i) => (ch === "S" ? [i] : []))
  if (starts.length === 0) throw new Error("frozen_lake map needs a start cell S")
  const successRate = options.successRate ?? 1 / 3
  if (!(successRate >= 0 && successRate <= 1)) throw new Error(`successRate must be in [0, 1], got ${successRate}`)
  const table = frozenLakeTransitions(rows, options.slippery ?? true, successRate)
  const cells = rows.length * ncol
  return {
    id: "frozen_lake",
    observationSize: cells,
    actions: 4,
    maxEpisodeSteps: options.maxEpisodeSteps ?? (mapName === "8x8" ? 200 : 100),
    categories: [],
    params: {},
    // Gymnasium's initial distribution is uniform over the S cells.
    reset: (rng) => ({ cell: starts.length === 1 ? starts[0]! : starts[rng.int(starts.length)]! }),
    step: (state, action, rng) => {
      const outcomes = table[state.cell]![action]!
      const u = rng.uniform()
      let acc = 0
      let chosen = outcomes[outcomes.length - 1]!
      for (const o of outcomes) {
        acc += o[0]
        if (acc > u) {
          chosen = o
          break
        }
      }
      return { state: { cell: chosen[1] }, reward: chosen[2], terminated: chosen[3] }
    },
    observe: (state, out, offset) => {
      out.fill(0, offset, offset + cells)
      out[offset + state.cell] = 1
    },
    summary: (state) => ({ cell: state.cell, goal: rows.join("")[state.cell] === "G" ? 1 : 0 })
  }
}
