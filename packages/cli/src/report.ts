import type { CompileResult } from "@lrs/compiler"
import { diagnosticToJson, formatDiagnostic, renderDiagnostic } from "@lrs/dsl"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

/** How diagnostics are printed: `human` source excerpts, `short` one line each, `json` one document. */
export type Format = "human" | "json" | "short"

/** Colors on stderr: only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export const stderrColor = (): boolean => process.stderr.isTTY === true && (process.env["NO_COLOR"] ?? "") === ""

export interface ReportOptions {
  readonly format: Format
  /** Where the `json` document goes: `check` prints it on stdout always, `run` on stderr when there is something to say. */
  readonly json: "stdout" | "stderr"
  readonly color: boolean
}

/** `{ file, ok, diagnostics }`, the document `--format json` prints. */
export const reportJson = (file: string, result: CompileResult) => ({
  file,
  ok: result.ir !== undefined,
  diagnostics: result.diagnostics.map(diagnosticToJson)
})

/** Prints a compile's diagnostics, then `<file>: N errors` when it failed (human and short). */
export const report = Effect.fn("report")(function*(file: string, result: CompileResult, options: ReportOptions) {
  const ok = result.ir !== undefined
  const errors = result.diagnostics.filter((d) => d.severity === "error").length
  switch (options.format) {
    case "json": {
      const text = JSON.stringify(reportJson(file, result))
      if (options.json === "stdout") yield* Console.log(text)
      else if (!ok || result.diagnostics.length > 0) yield* Console.error(text)
      return
    }
    case "short":
      for (const d of result.diagnostics) yield* Console.error(formatDiagnostic(d))
      break
    case "human":
      // Each block is followed by a blank line, as rustc does.
      for (const d of result.diagnostics) yield* Console.error(renderDiagnostic(d, result.sources, { color: options.color }) + "\n")
      break
  }
  if (!ok) yield* Console.error(`${file}: ${errors} error${errors === 1 ? "" : "s"}`)
})
