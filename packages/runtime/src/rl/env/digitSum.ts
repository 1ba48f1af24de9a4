import type { EnvSpec } from "./env.ts"

/** Tokens 0-9 are digits; 10 ends the answer. */
export const DIGIT_SUM_EOS = 10
export const DIGIT_SUM_VOCAB = 11
/** The reflection variant's check token W (vocabulary 12): it adds length, never changes the sum. */
export const DIGIT_SUM_CHECK = 11

export interface DigitSumWeights {
  readonly correct: number
  /** Weight of the length score; it only counts on correct answers. */
  readonly length: number
  /** Weight of "ended with EOS" (no truncation). */
  readonly format: number
}

/** The weights of the research notes (§4.4: "weights are ours"). */
export const DIGIT_SUM_WEIGHTS: DigitSumWeights = { correct: 1, length: 0.5, format: 0.2 }

export interface DigitSumOptions {
  /** Targets S are drawn from minTarget..maxTarget. Defaults 1 and 27. */
  readonly minTarget?: number
  readonly maxTarget?: number
  /** Answer capacity in tokens, EOS included (the observation's size depends on it). Default 8. */
  readonly maxLength?: number
  /** Width of the difficulty bins of S from minTarget: 1-9, 10-18, ... (each bin needs one more digit). Default 9. */
  readonly categoryWidth?: number
  readonly weights?: DigitSumWeights
  /**
   * The reflection variant (research notes §4.4): the vocabulary gains the check token W, and the
   * step after W the observation's last `maxTarget + 2` entries tell the remainder (`stepFeatures`).
   */
  readonly reflect?: boolean
}

export interface DigitSumState {
  readonly target: number
  readonly tokens: ReadonlyArray<number>
}

/**
 * Settable during a run: `lengthLimit` (max answer length, SIRI's oscillating cap, at most
 * maxLength) and `budget` (the token budget B of the length score, Train Long Think Short's
 * decaying budget).
 */
export interface DigitSumParams extends Readonly<Record<string, number>> {
  readonly lengthLimit: number
  readonly budget: number
}

export interface DigitSumGrade {
  /** Ended with EOS and the digits sum to the target. */
  readonly correct: number
  /** Ended with EOS rather than at the length limit. */
  readonly format: number
  /** 1 if |o| <= B, else max(0, 1 - (|o| - B) / B); |o| counts EOS. */
  readonly lengthScore: number
  readonly length: number
}

/** The digits' sum (EOS and W add nothing). */
const digitTotal = (tokens: ReadonlyArray<number>): number => {
  let sum = 0
  for (const t of tokens) if (t < DIGIT_SUM_EOS) sum += t
  return sum
}

/** The verifiable reward's parts for one answer (tokens as emitted, EOS included if emitted; W counts in the length only). */
export const gradeDigitSum = (target: number, tokens: ReadonlyArray<number>, budget: number): DigitSumGrade => {
  const format = tokens.length > 0 && tokens[tokens.length - 1] === DIGIT_SUM_EOS ? 1 : 0
  const sum = digitTotal(tokens)
  const length = tokens.length
  const lengthScore = length <= budget ? 1 : Math.max(0, 1 - (length - budget) / budget)
  return { correct: format === 1 && sum === target ? 1 : 0, format, lengthScore, length }
}

/** r = w_c·correct + w_l·lengthScore·correct + w_f·format. */
export const digitSumReward = (g: DigitSumGrade, w: DigitSumWeights = DIGIT_SUM_WEIGHTS): number =>
  w.correct * g.correct + w.length * g.lengthScore * g.correct + w.format * g.format

/** The shortest correct answer: ⌈S/9⌉ digits and EOS. */
export const minimalDigitSumLength = (target: number): number => Math.ceil(target / 9) + 1

/**
 * The digit-sum "reasoning" task (research notes §4.4): given a target S, emit digits then EOS so
 * that they sum to S. The reward is verifiable and comes on the last step; `0` is a filler digit
 * that changes the length and never the correctness, so length inflation is visible.
 *
 * Reaching the length limit ends the episode as `terminated`: the answer is graded (format 0), the
 * task really is over, so a value must not be bootstrapped past it. `capped` in the episode
 * summary tells those endings apart (DAPO's overlong filtering reads it).
 *
 * Observation (no running-sum feature, so the policy must add up the prefix itself):
 * `[one-hot(S − 1) of maxTarget | one-hot(position) of maxLength | prefix: maxLength × 11 one-hots]`.
 *
 * `reflect`: W (token 11) is a check, a tool call. The prefix one-hots are 12 wide and the
 * observation ends with `maxTarget + 2` step features, all 0 except right after W: then a one-hot
 * of the remainder `r = S − Σ digits`, at `r + 1` for r in 0..maxTarget and at 0 for any r < 0
 * (overshot: the answer can no longer be right, by how much does not matter). W is optional, so
 * it makes nothing correct that was not, only longer: a policy that checks after every digit needs
 * a lookup (remainder to next digit), one that must be short has to keep the sum itself.
 */
export const digitSum = (options: DigitSumOptions = {}): EnvSpec<DigitSumState, DigitSumParams> => {
  const minTarget = options.minTarget ?? 1
  const maxTarget = options.maxTarget ?? 27
  const maxLength = options.maxLength ?? 8
  const width = options.categoryWidth ?? 9
  const weights = options.weights ?? DIGIT_SUM_WEIGHTS
  const reflect = options.reflect === true
  const vocab = reflect ? DIGIT_SUM_VOCAB + 1 : DIGIT_SUM_VOCAB
  const features = reflect ? maxTarget + 2 : 0
  for (const [name, v] of [["minTarget", minTarget], ["maxTarget", maxTarget], ["maxLength", maxLength], ["categoryWidth", width]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`digit_sum ${name} must be a positive integer, got ${v}`)
  }
  if (minTarget > maxTarget) throw new Error(`digit_sum minTarget ${minTarget} is above maxTarget ${maxTarget}`)
  const bins = Array.from({ length: Math.ceil((maxTarget - minTarget + 1) / width) }, (_, k) => [minTarget + k * width, Math.min(minTarget + (k + 1) * width - 1, maxTarget)] as const)
  const observationSize = maxTarget + maxLength + maxLength * vocab + features
  const limitOf = (p: DigitSumParams): number => {
    if (!Number.isInteger(p.lengthLimit) || p.lengthLimit < 1 || p.lengthLimit > maxLength) {
      throw new Error(`digit_sum lengthLimit must be an integer in [1, ${maxLength}], got ${p.lengthLimit}`)
    }
    return p.lengthLimit
  }
  return {
    id: "digit_sum",
    observationSize,
    actions: vocab,
    ...(reflect ? { stepFeatures: features } : {}),
    maxEpisodeSteps: undefined,
    categories: bins.map(([lo, hi]) => `${lo}-${hi}`),
    params: { lengthLimit: maxLength, budget: maxLength },
    reset: (rng, category) => {
      const [lo, hi] = bins[category]!
      return { target: lo + rng.int(hi - lo + 1), tokens: [] }
    },
    step: (state, action, _rng, params) => {
      const tokens = [...state.tokens, action]
      const next = { target: state.target, tokens }
      if (action !== DIGIT_SUM_EOS && tokens.length < limitOf(params)) return { state: next, reward: 0, terminated: false }
      return { state: next, reward: digitSumReward(gradeDigitSum(state.target, tokens, params.budget), weights), terminated: true }
    },
    observe: (state, out, offset) => {
      out.fill(0, offset, offset + observationSize)
      out[offset + state.target - 1] = 1
      const n = state.tokens.length
      if (n < maxLength) out[offset + maxTarget + n] = 1
      const prefix = offset + maxTarget + maxLength
      state.tokens.forEach((t, i) => (out[prefix + i * vocab + t] = 1))
      if (reflect && state.tokens[n - 1] === DIGIT_SUM_CHECK) {
        const remainder = state.target - digitTotal(state.tokens)
        out[offset + observationSize - features + Math.max(remainder, -1) + 1] = 1
      }
    },
    summary: (state) => {
      // Budget-free parts only: the budget may have changed since the reward was computed.
      const g = gradeDigitSum(state.target, state.tokens, Infinity)
      const base = { target: state.target, correct: g.correct, format: g.format, length: g.length, capped: 1 - g.format, minimalLength: minimalDigitSumLength(state.target) }
      return reflect ? { ...base, checks: state.tokens.filter((t) => t === DIGIT_SUM_CHECK).length } : base
    }
  }
}
