import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { codes } from "../../src/index.ts"

const reference = readFileSync(join(import.meta.dirname, "../../../../specs/language.md"), "utf8")

describe("diagnostic codes", () => {
  it("are each documented in the language reference", () => {
    const undocumented = Object.keys(codes).filter((code) => !new RegExp(`^\\| ${code} \\|`, "m").test(reference))
    expect(undocumented).toEqual([])
  })

  it("are the only codes the reference lists", () => {
    const listed = [...reference.matchAll(/^\| (LRS\d{4}) \|/gm)].map((m) => m[1])
    expect(listed.filter((code) => !(code! in codes))).toEqual([])
  })
})
