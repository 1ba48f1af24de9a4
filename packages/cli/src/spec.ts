import { type CompileResult, compile, type Override, type SourceHost } from "@lrs/compiler"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { readFileSync } from "node:fs"
import { SpecInvalid, UsageError } from "./errors.ts"
import { report, type ReportOptions } from "./report.ts"

/** `--set name=value` as typed; the value is everything after the first `=`. */
export const parseSets = (sets: ReadonlyArray<string>): Effect.Effect<Array<Override>, UsageError> =>
  Effect.forEach(sets, (s) => {
    const i = s.indexOf("=")
    return i <= 0
      ? Effect.fail(new UsageError({ message: `--set expects name=value, got \`${s}\` (for example --set seed=3)` }))
      : Effect.succeed({ name: s.slice(0, i), value: s.slice(i + 1) })
  })

/** Imports are read from the file system, relative to the importing file (the compiler itself reads nothing). */
export const fileHost: SourceHost = {
  read: (path) => {
    try {
      return readFileSync(path, "utf8")
    } catch {
      return undefined
    }
  }
}

/** Reads and compiles a spec without printing anything; a missing file is a usage error. */
export const compileFile = Effect.fn("compileFile")(function*(file: string, sets: ReadonlyArray<string>, trial?: number) {
  const fs = yield* FileSystem.FileSystem
  const overrides = yield* parseSets(sets)
  const text = yield* fs.readFileString(file).pipe(
    Effect.mapError((e) => new UsageError({ message: `cannot read ${file}: ${e.message}` }))
  )
  const result: CompileResult = compile(text, { file, overrides, host: fileHost, ...(trial === undefined ? {} : { trial }) })
  return { text, result }
})

/** Reads and compiles a spec; prints every diagnostic as `options` say; fails with SpecInvalid when any is an error. */
export const loadSpec = Effect.fn("loadSpec")(function*(file: string, sets: ReadonlyArray<string>, options: ReportOptions, trial?: number) {
  const { text, result } = yield* compileFile(file, sets, trial)
  yield* report(file, result, options)
  if (result.ir === undefined || result.origins === undefined) {
    return yield* new SpecInvalid({ errors: result.diagnostics.filter((d) => d.severity === "error").length })
  }
  return { text, ir: result.ir, origins: result.origins, sweep: result.sweep }
})
