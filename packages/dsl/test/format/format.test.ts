import { describe, expect, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import { formatDiagnostic, formatSource, parseDocument, printDocument } from "../../src/index.ts"

/**
 * Formatter fixtures: `fixtures/<case>/input.lrs` must format to `expected.lrs`.
 * `LRS_UPDATE_FIXTURES=1` rewrites the expectations; review the diff before committing.
 * Every fixture and every syntactically valid spec in the repository must also format
 * idempotently, keep its AST and keep its comments.
 */
const root = join(import.meta.dirname, "fixtures")
const repo = join(import.meta.dirname, "../../../..")
const update = process.env["LRS_UPDATE_FIXTURES"] === "1"

const cases = readdirSync(root).sort().map((name) => ({ name, dir: join(root, name) }))

const format = (text: string): string => {
  const r = formatSource(text, "input.lrs")
  expect(r.diagnostics.map(formatDiagnostic)).toEqual([])
  return r.text!
}

const commentImages = (text: string): Array<string> => parseDocument(text, "input.lrs").comments.map((c) => c.image).sort()

/** Specs from around the repository; the invalid ones are invalid to the compiler, not the parser. */
const specs = (): Array<string> => {
  const inputs = (dir: string) =>
    existsSync(dir) ? readdirSync(dir).sort().map((d) => join(dir, d, "input.lrs")).filter(existsSync) : []
  const examples = join(repo, "examples")
  return [
    ...cases.map((c) => join(c.dir, "input.lrs")),
    ...inputs(join(repo, "specs/conformance")),
    ...inputs(join(repo, "packages/dsl/test/fixtures/valid")),
    ...readdirSync(examples).filter((f) => f.endsWith(".lrs")).sort().map((f) => join(examples, f))
  ].filter((f) => parseDocument(readFileSync(f, "utf8"), f).diagnostics.length === 0)
}

describe("formatter fixtures", () => {
  it("has the cases the formatter is specified by", () => {
    expect(cases.length).toBeGreaterThanOrEqual(10)
  })
  for (const { name, dir } of cases) {
    it(name, () => {
      const actual = format(readFileSync(join(dir, "input.lrs"), "utf8"))
      const file = join(dir, "expected.lrs")
      if (update) writeFileSync(file, actual)
      expect(actual).toBe(readFileSync(file, "utf8"))
    })
  }
})

describe("formatter invariants", () => {
  for (const file of specs()) {
    it(relative(repo, file), () => {
      const source = readFileSync(file, "utf8")
      const once = format(source)
      expect(format(once)).toBe(once)
      expect(printDocument(parseDocument(once, "input.lrs").ast)).toBe(printDocument(parseDocument(source, "input.lrs").ast))
      expect(commentImages(once)).toEqual(commentImages(source))
    })
  }
})

describe("formatSource", () => {
  it("refuses a file with syntax errors and returns its diagnostics", () => {
    const r = formatSource("lrs 1\nexperiment e {\n  seed = \n}\n", "bad.lrs")
    expect(r.text).toBeUndefined()
    expect(r.diagnostics.length).toBeGreaterThan(0)
    expect(formatDiagnostic(r.diagnostics[0]!)).toMatch(/^bad\.lrs:\d+:\d+: error\[LRS0100\]/)
  })

  it("gives an empty file no text and a file without a final newline exactly one", () => {
    expect(formatSource("", "e.lrs").text).toBe("")
    expect(formatSource("\n\n", "e.lrs").text).toBe("")
    expect(formatSource("lrs 1", "e.lrs").text).toBe("lrs 1\n")
    expect(formatSource("lrs 1\n\n\n", "e.lrs").text).toBe("lrs 1\n")
  })

  it("reads CRLF line endings and writes LF", () => {
    expect(formatSource("lrs 1\r\n// c\r\nparam a  = 1\r\n", "e.lrs").text).toBe("lrs 1\n// c\nparam a = 1\n")
  })

  it("parenthesizes only where precedence or associativity requires", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["(a - b) - c", "a - b - c"],
      ["a - (b - c)", "a - (b - c)"],
      ["(a * b) + c", "a * b + c"],
      ["a * (b + c)", "a * (b + c)"],
      ["-(-a)", "- -a"],
      ["-(a * b)", "-(a * b)"],
      ["(a then b) then c", "(a then b) then c"],
      ["a then (b for 2)", "a then b for 2"],
      ["(a >= b) for 3", "a >= b for 3"],
      ["(0 -> 1) for 10%", "0 -> 1 for 10%"],
      ["(1 + 2)..(3 * 4)", "1 + 2..3 * 4"]
    ]
    for (const [input, expected] of cases) {
      expect(formatSource(`param x = ${input}\n`, "e.lrs").text).toBe(`param x = ${expected}\n`)
    }
  })
})
