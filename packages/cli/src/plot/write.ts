import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { extname } from "node:path"
import type { TopLevelSpec } from "vega-lite"
import { RunFailed, UsageError } from "../errors.ts"
import { renderPng, renderSvg } from "./chart.ts"

/** The format `-o` asks for, by its extension; checked before any work is done. */
export const chartFormat = (output: string): Effect.Effect<".svg" | ".png", UsageError> => {
  const kind = extname(output).toLowerCase()
  return kind === ".svg" || kind === ".png"
    ? Effect.succeed(kind)
    : Effect.fail(new UsageError({ message: `-o ${output}: the chart is written as SVG or PNG; end the file name in .svg or .png` }))
}

/** Draws a chart and writes it to `output` as SVG or PNG, by its extension (`lrs plot`, `lrs predict`). */
export const writeChart = Effect.fn("writeChart")(function*(chart: TopLevelSpec, output: string) {
  const kind = yield* chartFormat(output)
  const draw = <A>(what: string, f: () => Promise<A>) =>
    Effect.tryPromise({ try: f, catch: (e) => new RunFailed({ message: `cannot draw the chart (${what}): ${e instanceof Error ? e.message : String(e)}` }) })
  const svg = yield* draw("svg", () => renderSvg(chart))
  const fs = yield* FileSystem.FileSystem
  const written = kind === ".svg" ? fs.writeFileString(output, svg) : Effect.flatMap(draw("png", () => renderPng(svg)), (png) => fs.writeFile(output, png))
  yield* written.pipe(
    Effect.catchTag("PlatformError", (e) => Effect.fail(new UsageError({ message: `cannot write ${output}: ${e.message}` })))
  )
})
