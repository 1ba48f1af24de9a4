import type { EpisodeEnd } from "../env/env.ts"

/** What an iteration reports about the episodes that finished during it (NaN means when none did). */
export interface EpisodeStatistics {
  readonly episodes: number
  readonly meanReturn: number
  readonly meanLength: number
  /** Returns in the order the episodes ended (for curves and windows over iterations). */
  readonly returns: ReadonlyArray<number>
  readonly lengths: ReadonlyArray<number>
  /** The share of episodes that report `optimal` = 1 (a bandit's optimal pulls); NaN where none reports it. */
  readonly optimalAction: number
}

export const episodeStatistics = (episodes: ReadonlyArray<EpisodeEnd>): EpisodeStatistics => {
  const returns = episodes.map((e) => e.return)
  const lengths = episodes.map((e) => e.length)
  const avg = (xs: ReadonlyArray<number>) => (xs.length === 0 ? Number.NaN : xs.reduce((s, x) => s + x, 0) / xs.length)
  return { episodes: episodes.length, meanReturn: avg(returns), meanLength: avg(lengths), returns, lengths, optimalAction: meanInfo(episodes, "optimal") }
}

/** Mean of an `info` field over the episodes that report it (NaN when none does). */
export const meanInfo = (episodes: ReadonlyArray<EpisodeEnd>, key: string): number => {
  let sum = 0
  let n = 0
  for (const e of episodes) {
    const v = e.info[key]
    if (v !== undefined) {
      sum += v
      n++
    }
  }
  return n === 0 ? Number.NaN : sum / n
}
