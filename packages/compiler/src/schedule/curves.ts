import type { CurveShape } from "../ir/Ir.ts"

/**
 * The options of each curve shape and their defaults, shared by the constructors, the evaluator and
 * the printer. A curve's IR stores only options that differ from these, so one schedule has one IR.
 */
export const curveDefaults: Readonly<Record<CurveShape, Readonly<Record<string, number>>>> = {
  linear: {},
  cosine: { exponent: 1 },
  exponential: {},
  polynomial: { power: 2 },
  one_minus_sqrt: {},
  rex: { alpha: 0.5, beta: 0.5 },
  uba: { phi: 1 },
  k_decay: { k: 2 }
}

/** A curve option's value: the stored one, else the shape's default. */
export const curveOption = (shape: CurveShape, options: Readonly<Record<string, number>>, key: string): number =>
  options[key] ?? curveDefaults[shape][key]!
