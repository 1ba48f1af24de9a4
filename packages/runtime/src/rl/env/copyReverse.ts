import type { EnvSpec } from "./env.ts"

export interface CopyReverseOptions {
  /** "reverse" (default): answer the prompt backwards; "copy": repeat it. */
  readonly mode?: "copy" | "reverse"
  /** Alphabet size k; symbols are tokens 0..k-1 and token k is EOS. Default 4. */
  readonly alphabet?: number
  /** Prompt lengths n; each length is one difficulty category. Default 2..8. */
  readonly minLength?: number
  readonly maxLength?: number
  /** "exact" (default): 1 iff the answer equals the target and ends with EOS; "positions": partial credit. */
  readonly reward?: "exact" | "positions"
}

export interface CopyReverseState {
  readonly prompt: ReadonlyArray<number>
  readonly tokens: ReadonlyArray<number>
}

/** Settable: the answer's length cap (EOS included), at most maxLength + 1. */
export interface CopyReverseParams extends Readonly<Record<string, number>> {
  readonly lengthLimit: number
}

/**
 * "exact": 1 iff the answer is the target followed by EOS. "positions": the fraction of target
 * positions answered right, over max(n, answer length) so that extra symbols cost credit; the
 * answer is what was emitted before EOS (or everything, if it was cut at the length limit).
 */
export const gradeCopyReverse = (target: ReadonlyArray<number>, tokens: ReadonlyArray<number>, eos: number, kind: "exact" | "positions"): number => {
  const ended = tokens.length > 0 && tokens[tokens.length - 1] === eos
  const answer = ended ? tokens.slice(0, -1) : tokens
  if (kind === "exact") return ended && answer.length === target.length && answer.every((t, i) => t === target[i]) ? 1 : 0
  let right = 0
  for (let i = 0; i < Math.min(answer.length, target.length); i++) if (answer[i] === target[i]) right++
  return right / Math.max(target.length, answer.length)
}

/**
 * Copy or reverse a string (research notes §4.4): the second token task. Categories are prompt
 * lengths n = minLength..maxLength; the reward comes on the last step. Answers are capped at
 * maxLength + 1 tokens; reaching the cap ends the episode as terminated (the answer is graded).
 *
 * Observation: `[prompt: maxLength × k one-hots, zero-padded | one-hot(position) of cap |
 * answer prefix: cap × (k + 1) one-hots]`, cap = maxLength + 1.
 */
export const copyReverse = (options: CopyReverseOptions = {}): EnvSpec<CopyReverseState, CopyReverseParams> => {
  const mode = options.mode ?? "reverse"
  const k = options.alphabet ?? 4
  const minLength = options.minLength ?? 2
  const maxLength = options.maxLength ?? 8
  const kind = options.reward ?? "exact"
  if (!Number.isInteger(k) || k < 2) throw new Error(`copy/reverse alphabet must be an integer >= 2, got ${k}`)
  if (!Number.isInteger(minLength) || !Number.isInteger(maxLength) || minLength < 1 || maxLength < minLength) {
    throw new Error(`copy/reverse lengths must be integers with 1 <= minLength <= maxLength, got ${minLength}..${maxLength}`)
  }
  const eos = k
  const cap = maxLength + 1
  const observationSize = maxLength * k + cap + cap * (k + 1)
  const targetOf = (prompt: ReadonlyArray<number>) => (mode === "reverse" ? [...prompt].reverse() : prompt)
  return {
    id: mode,
    observationSize,
    actions: k + 1,
    maxEpisodeSteps: undefined,
    categories: Array.from({ length: maxLength - minLength + 1 }, (_, c) => `n=${minLength + c}`),
    params: { lengthLimit: cap },
    reset: (rng, category) => ({ prompt: Array.from({ length: minLength + category }, () => rng.int(k)), tokens: [] }),
    step: (state, action, _rng, params) => {
      if (!Number.isInteger(params.lengthLimit) || params.lengthLimit < 1 || params.lengthLimit > cap) {
        throw new Error(`${mode} lengthLimit must be an integer in [1, ${cap}], got ${params.lengthLimit}`)
      }
      const tokens = [...state.tokens, action]
      const next = { prompt: state.prompt, tokens }
      if (action !== eos && tokens.length < params.lengthLimit) return { state: next, reward: 0, terminated: false }
      return { state: next, reward: gradeCopyReverse(targetOf(state.prompt), tokens, eos, kind), terminated: true }
    },
    observe: (state, out, offset) => {
      out.fill(0, offset, offset + observationSize)
      state.prompt.forEach((t, i) => (out[offset + i * k + t] = 1))
      const n = state.tokens.length
      if (n < cap) out[offset + maxLength * k + n] = 1
      const prefix = offset + maxLength * k + cap
      state.tokens.forEach((t, i) => (out[prefix + i * (k + 1) + t] = 1))
    },
    summary: (state) => {
      const ended = state.tokens[state.tokens.length - 1] === eos
      return {
        promptLength: state.prompt.length,
        correct: gradeCopyReverse(targetOf(state.prompt), state.tokens, eos, "exact"),
        positions: gradeCopyReverse(targetOf(state.prompt), state.tokens, eos, "positions"),
        length: state.tokens.length,
        capped: ended ? 0 : 1
      }
    }
  }
}
