import type { LossLaw } from "@lrs/compiler"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { UsageError } from "./errors.ts"

/** Names the law a fit file holds, so that a file of another law (or another tool) is not read as one. */
export const lawName = "L0 + A*S1^-alpha - C*S2 (Tissue et al., arXiv 2408.11029)"

/** What `lrs fit` writes and `lrs predict` reads. */
export interface FitFile extends LossLaw {
  readonly law: typeof lawName
  readonly lambda: number
  /** The run directory fitted. */
  readonly fittedOn: string
  readonly column: string
  readonly points: number
  readonly rmseLog: number
  readonly r2Log: number
}

/** Reads a fit written by `lrs fit`; anything else is a usage error that says how to make one. */
export const readFitFile = Effect.fn("readFitFile")(function*(path: string) {
  const fs = yield* FileSystem.FileSystem
  const make = `make one with \`lrs fit RUN_DIR -o ${path}\``
  const text = yield* fs.readFileString(path).pipe(Effect.mapError((e) => new UsageError({ message: `cannot read the fit ${path}: ${e.message}; ${make}` })))
  const doc = yield* Effect.try({
    try: () => JSON.parse(text) as Record<string, unknown>,
    catch: () => new UsageError({ message: `${path} is not valid JSON; ${make}` })
  })
  if (typeof doc !== "object" || doc === null || doc["law"] !== lawName) {
    return yield* new UsageError({ message: `${path} is not a fit written by \`lrs fit\` (its \`law\` is not \`${lawName}\`); ${make}` })
  }
  for (const key of ["L0", "A", "alpha", "C", "lambda"] as const) {
    if (typeof doc[key] !== "number" || !Number.isFinite(doc[key])) {
      return yield* new UsageError({ message: `${path}: \`${key}\` is ${JSON.stringify(doc[key])}, not a finite number; ${make}` })
    }
  }
  return doc as unknown as FitFile
})
