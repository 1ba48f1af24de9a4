import { closest, type Code, codes, explainText } from "@lrs/compiler"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Argument, Command } from "effect/cli"
import { UsageError } from "../errors.ts"

const code = Argument.String("code").pipe(Argument.withDescription("A diagnostic code: LRS3003, lrs3003 or 3003"))

const known = Object.keys(codes) as ReadonlyArray<Code>

/** `LRS3003`, `lrs3003` and `3003` all name LRS3003. */
const normalize = (typed: string): string => {
  const t = typed.trim().toUpperCase()
  return /^\d+$/.test(t) ? `LRS${t}` : t
}

const isCode = (c: string): c is Code => Object.hasOwn(codes, c)

const commonPrefix = (a: string, b: string): number => {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}

/**
 * The codes closest by edit distance; among equally close ones, those of the same family (the
 * longest common prefix), so LRS1104 suggests LRS1004 rather than LRS4104 too.
 */
const nearest = (word: string): ReadonlyArray<Code> => {
  const near = closest(word, known) as Array<Code>
  const best = Math.max(0, ...near.map((c) => commonPrefix(word, c)))
  return near.filter((c) => commonPrefix(word, c) === best)
}

const unknownCode = (typed: string, normalized: string): UsageError => {
  const near = nearest(normalized)
  const shown = /^LRS\d+$/.test(normalized) ? normalized : typed
  const hint = near.length === 0
    ? `the codes are ${known.join(", ")}`
    : near.length === 1
    ? `the closest is ${near[0]}`
    : `the closest are ${near.join(", ")}`
  return new UsageError({ message: `unknown code ${shown}; ${hint}` })
}

export const explain = Command.make(
  "explain",
  { code },
  Effect.fn("lrs.explain")(function*({ code }) {
    const normalized = normalize(code)
    if (!isCode(normalized)) return yield* Effect.fail(unknownCode(code, normalized))
    // explainText ends with a newline; Console.log adds its own.
    yield* Console.log(explainText(normalized).replace(/\n$/, ""))
  })
).pipe(
  Command.withDescription("Explain a diagnostic code, with a wrong and a fixed example"),
  Command.withExamples([
    { command: "lrs explain LRS3003", description: "Why a schedule's segments cannot outlast the run, and how to fix it" },
    { command: "lrs explain 1008", description: "Explain LRS1008; the prefix and its case may be left out" }
  ])
)
