/** What ADORA reads of one answer: whether it is correct, whether it was cut at the length limit, and its length. */
export interface AdoraAnswer {
  readonly correct: boolean
  readonly truncated: boolean
  readonly length: number
}

/**
 * ADORA's length advantage (arXiv 2602.10019; its released LLM variant,
 * `compute_grpo_outcome_advantage_ADORA` in ShadeCloak/ADORA), one per group of `groupSize` answers
 * laid out group after group: a group has it when its longest correct answer is longer than the
 * mean length of its wrong answers that were not truncated (no correct answer: the longest is
 * -inf; no such wrong answer: the mean is -inf, as the code writes it). The code's "correct" is a
 * score above 1.01 and its "truncated" a length of 4054 tokens or more, both specific to its task;
 * here the task says which answers are which.
 */
export const lengthAdvantages = (answers: ReadonlyArray<AdoraAnswer>, groupSize: number): Array<boolean> => {
  if (!Number.isInteger(groupSize) || groupSize < 1 || answers.length % groupSize !== 0) {
    throw new Error(`${answers.length} answers do not split into groups of ${groupSize}`)
  }
  const out: Array<boolean> = []
  for (let g = 0; g < answers.length; g += groupSize) {
    const group = answers.slice(g, g + groupSize)
    const correct = group.filter((a) => a.correct).map((a) => a.length)
    const wrong = group.filter((a) => !a.correct && !a.truncated).map((a) => a.length)
    const longest = correct.length === 0 ? -Infinity : Math.max(...correct)
    const meanWrong = wrong.length === 0 ? -Infinity : wrong.reduce((s, x) => s + x, 0) / wrong.length
    out.push(longest > meanWrong)
  }
  return out
}

/** The weight of each group's GRPO advantages: 1 with a length advantage, `lambda` (the code's 0.1) without. */
export const adoraWeights = (answers: ReadonlyArray<AdoraAnswer>, groupSize: number, lambda: number): Array<number> =>
  lengthAdvantages(answers, groupSize).map((a) => (a ? 1 : lambda))
