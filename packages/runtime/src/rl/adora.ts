import { type GroupSizes, groupRanges } from "./groupSizes.ts"

/** What ADORA reads of one answer: whether it is correct, whether it was cut at the length limit, and its length. */
export interface AdoraAnswer {
  readonly correct: boolean
  readonly truncated: boolean
  readonly length: number
}

/**
 * ADORA's length advantage (arXiv 2602.10019; its released LLM variant,
 * `compute_grpo_outcome_advantage_ADORA` in ShadeCloak/ADORA), one per group of `groupSize` answers
 * laid out group after group (or one size per group): a group has it when its longest correct answer is longer than the
 * mean length of its wrong answers that were not truncated (no correct answer: the longest is
 * -inf; no such wrong answer: the mean is -inf, as the code writes it). The code's "correct" is a
 * score above 1.01 and its "truncated" a length of 4054 tokens or more, both specific to its task;
 * here the task says which answers are which.
 */
export const lengthAdvantages = (answers: ReadonlyArray<AdoraAnswer>, groupSize: GroupSizes): Array<boolean> =>
  groupRanges(answers.length, groupSize, "answers").map(([start, end]) => {
    const group = answers.slice(start, end)
    const correct = group.filter((a) => a.correct).map((a) => a.length)
    const wrong = group.filter((a) => !a.correct && !a.truncated).map((a) => a.length)
    const longest = correct.length === 0 ? -Infinity : Math.max(...correct)
    const meanWrong = wrong.length === 0 ? -Infinity : wrong.reduce((s, x) => s + x, 0) / wrong.length
    return longest > meanWrong
  })

/** The weight of each group's GRPO advantages: 1 with a length advantage, `lambda` (the code's 0.1) without. */
export const adoraWeights = (answers: ReadonlyArray<AdoraAnswer>, groupSize: GroupSizes, lambda: number): Array<number> =>
  lengthAdvantages(answers, groupSize).map((a) => (a ? 1 : lambda))
