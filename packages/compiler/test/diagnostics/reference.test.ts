import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { formatDiagnostic } from "@lrs/dsl"
import { compile } from "../../src/index.ts"

// Tested docs: every complete spec (a block starting with `lrs 1`) in the language reference compiles cleanly.
const reference = readFileSync(join(import.meta.dirname, "../../../../specs/language.md"), "utf8")
const blocks = [...reference.matchAll(/```lrs\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.startsWith("lrs 1"))

describe("specs/language.md", () => {
  it("has complete examples", () => expect(blocks.length).toBeGreaterThanOrEqual(3))
  blocks.forEach((block, i) => {
    it(`example ${i + 1} compiles without diagnostics`, () => {
      const r = compile(block, { file: `language.md#${i + 1}` })
      expect(r.diagnostics.map(formatDiagnostic)).toEqual([])
      expect(r.ir).toBeDefined()
    })
  })
})
