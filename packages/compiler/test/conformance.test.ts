import { describe, expect, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { formatDiagnostic } from "@lrs/dsl"
import { canonicalJson, compile, printResolved, type Override } from "../src/index.ts"

/**
 * The conformance suite in specs/conformance: each case is `input.lrs`, optionally `args.txt`
 * (one `--set name=value` per line), and `expected.txt`. `valid-*` cases must compile without
 * diagnostics, and `expected.txt` is the resolved spec, which must itself compile to the same IR.
 * `invalid-*` cases must fail with exactly the diagnostics listed. `LRS_UPDATE_FIXTURES=1`
 * rewrites the expectations; review the diff before committing.
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

const check = (dir: string, actual: string) => {
  const file = join(dir, "expected.txt")
  if (update) writeFileSync(file, actual)
  expect(actual).toBe(readFileSync(file, "utf8"))
}

describe("conformance", () => {
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name)
    it(name, () => {
      const result = compile(readFileSync(join(dir, "input.lrs"), "utf8"), { file: "input.lrs", overrides: readArgs(dir) })
      const lines = result.diagnostics.map(formatDiagnostic)
      if (name.startsWith("valid-")) {
        expect(lines).toEqual([])
        expect(result.ir).toBeDefined()
        const resolved = printResolved(result.ir!, result.origins!)
        check(dir, resolved)
        const again = compile(resolved, { file: "resolved.lrs" })
        expect(again.diagnostics.map(formatDiagnostic)).toEqual([])
        expect(canonicalJson(again.ir!)).toBe(canonicalJson(result.ir!))
      } else {
        expect(result.ir).toBeUndefined()
        check(dir, lines.join("\n") + "\n")
      }
    })
  }
})
