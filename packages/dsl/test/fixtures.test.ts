import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { formatDiagnostic, parseDocument, printDocument } from "../src/index.ts"

/**
 * Parser fixtures: `fixtures/valid/<case>/input.lrs` must parse without diagnostics to the AST in
 * `expected.txt`; `fixtures/invalid/<case>/input.lrs` must give exactly the diagnostics in
 * `expected.txt` (and still yield an AST). `LRS_UPDATE_FIXTURES=1` rewrites the expectations;
 * review the diff before committing.
 */
const root = join(import.meta.dirname, "fixtures")
const update = process.env["LRS_UPDATE_FIXTURES"] === "1"

const cases = (kind: "valid" | "invalid") => readdirSync(join(root, kind)).sort().map((name) => ({ name, dir: join(root, kind, name) }))

const check = (dir: string, actual: string) => {
  const file = join(dir, "expected.txt")
  if (update) writeFileSync(file, actual)
  expect(actual).toBe(readFileSync(file, "utf8"))
}

describe("parser fixtures", () => {
  for (const { name, dir } of cases("valid")) {
    it(`valid/${name}`, () => {
      const result = parseDocument(readFileSync(join(dir, "input.lrs"), "utf8"), "input.lrs")
      expect(result.diagnostics.map(formatDiagnostic)).toEqual([])
      check(dir, printDocument(result.ast))
    })
  }
  for (const { name, dir } of cases("invalid")) {
    it(`invalid/${name}`, () => {
      const result = parseDocument(readFileSync(join(dir, "input.lrs"), "utf8"), "input.lrs")
      expect(result.diagnostics.length).toBeGreaterThan(0)
      check(dir, result.diagnostics.map(formatDiagnostic).join("\n") + "\n")
    })
  }
})
