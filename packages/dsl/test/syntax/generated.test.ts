import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { cstTypes, grammarHtml } from "../../scripts/grammar.ts"

// Run `node packages/dsl/scripts/gen-grammar.ts` after changing the grammar.
describe("files generated from the parser", () => {
  it("src/syntax/cst.generated.ts is up to date", () => {
    expect(readFileSync(join(import.meta.dirname, "../../src/syntax/cst.generated.ts"), "utf8")).toBe(cstTypes())
  })

  it("specs/grammar.html is up to date and needs no network", () => {
    const html = readFileSync(join(import.meta.dirname, "../../../../specs/grammar.html"), "utf8")
    expect(html).toBe(grammarHtml())
    expect(html).not.toMatch(/(src|href)=['"]https?:/)
  })
})
