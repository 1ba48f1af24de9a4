import { describe, expect, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { formatDiagnostic } from "@lrs/dsl"
import { canonicalJson, codes, compile, type Override, printResolved, type SourceHost } from "../src/index.ts"

/**
 * The conformance suite, `specs/conformance/{valid,invalid}/<case>/`: `input.lrs`, the files it
 * imports (paths relative to it), optionally `args.txt` (one `--set name=value` per line) and
 * `trial.txt` (a sweep trial), and `expected.txt`.
 * - valid: no errors; `expected.txt` is the warnings (one line each, if any) and then the resolved
 *   spec, which must itself compile to the same run.
 * - invalid: `expected.txt` is exactly the diagnostics, one line each.
 * `LRS_UPDATE_FIXTURES=1` rewrites the expectations; review the diff before committing.
 */
const root = join(import.meta.dirname, "../../../specs/conformance")
const update = process.env["LRS_UPDATE_FIXTURES"] === "1"

const readArgs = (dir: string): Array<Override> => {
  const file = join(dir, "args.txt")
  if (!existsSync(file)) return []
  return readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map((line) => {
    const i = line.indexOf("=")
    return { name: line.slice(0, i), value: line.slice(i + 1) }
  })
}

/** Imports resolve inside the case's folder, as the CLI resolves them on disk. */
const hostFor = (dir: string): SourceHost => ({
  read: (path) => (existsSync(join(dir, path)) ? readFileSync(join(dir, path), "utf8") : undefined)
})

const compileCase = (dir: string) => {
  const trialFile = join(dir, "trial.txt")
  const trial = existsSync(trialFile) ? Number(readFileSync(trialFile, "utf8").trim()) : undefined
  return compile(readFileSync(join(dir, "input.lrs"), "utf8"), {
    file: "input.lrs",
    overrides: readArgs(dir),
    host: hostFor(dir),
    ...(trial === undefined ? {} : { trial })
  })
}

const check = (dir: string, actual: string) => {
  const file = join(dir, "expected.txt")
  if (update) writeFileSync(file, actual)
  expect(actual).toBe(readFileSync(file, "utf8"))
}

const cases = (kind: "valid" | "invalid") => readdirSync(join(root, kind)).sort()
const reported = new Set<string>()

describe("conformance", () => {
  for (const name of cases("valid")) {
    it(`valid/${name}`, () => {
      const dir = join(root, "valid", name)
      const result = compileCase(dir)
      const lines = result.diagnostics.map(formatDiagnostic)
      for (const d of result.diagnostics) reported.add(d.code)
      expect(result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic)).toEqual([])
      const resolved = printResolved(result.ir!, result.origins!)
      check(dir, (lines.length === 0 ? "" : lines.join("\n") + "\n\n") + resolved)
      const again = compile(resolved, { file: "resolved.lrs" })
      expect(again.diagnostics.map(formatDiagnostic)).toEqual([])
      expect(canonicalJson(again.ir!)).toBe(canonicalJson(result.ir!))
    })
  }
  for (const name of cases("invalid")) {
    it(`invalid/${name}`, () => {
      const dir = join(root, "invalid", name)
      const result = compileCase(dir)
      for (const d of result.diagnostics) reported.add(d.code)
      expect(result.ir).toBeUndefined()
      // Every diagnostic labels its primary span (the human output underlines it with that label).
      expect(result.diagnostics.filter((d) => d.label === undefined || d.label === "").map(formatDiagnostic)).toEqual([])
      check(dir, result.diagnostics.map(formatDiagnostic).join("\n") + "\n")
    })
  }

  it("has at least 60 cases that together report every diagnostic code", () => {
    expect(cases("valid").length + cases("invalid").length).toBeGreaterThanOrEqual(60)
    expect(Object.keys(codes).filter((c) => !reported.has(c))).toEqual([])
  })
})
