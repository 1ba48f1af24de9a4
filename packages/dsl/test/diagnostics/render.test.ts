import { describe, expect, it } from "@effect/vitest"
import { type Diagnostic, diagnosticToJson, error, renderDiagnostic, renderDiagnostics, type Span } from "../../src/index.ts"

/** A span from 1-based line/col to line/col (end exclusive); offsets are computed from `text`. */
const span = (file: string, text: string, line: number, col: number, endLine: number, endCol: number): Span => {
  const offset = (l: number, c: number) => text.split("\n").slice(0, l - 1).reduce((n, s) => n + s.length + 1, 0) + c - 1
  return { file, start: { offset: offset(line, col), line, col }, end: { offset: offset(endLine, endCol), line: endLine, col: endCol } }
}

const spec = [
  "lrs 1",
  "",
  "param peak = 1e-2",
  "",
  "experiment e {",
  "  steps = 1000",
  "  optimizer = adam(lr = warm)",
  "  schedule warm = linear(0 -> 1) for 800 steps then constant(1) for 300 steps",
  "  batch = 32",
  "  log every 10 steps",
  "}",
  ""
].join("\n")
const sources = new Map([["input.lrs", spec]])
const at = (line: number, col: number, endLine: number, endCol: number) => span("input.lrs", spec, line, col, endLine, endCol)

describe("renderDiagnostic", () => {
  it("underlines a single-line span and labels it", () => {
    const d = error("LRS3003", at(8, 53, 8, 78), "this segment ends at step 1100, past the end of its span (1000 steps)", undefined, {
      label: "ends at step 1100"
    })
    expect(renderDiagnostic(d, sources)).toBe(
      [
        "input.lrs:8:53: error[LRS3003]: this segment ends at step 1100, past the end of its span (1000 steps)",
        "   |",
        " 8 |   schedule warm = linear(0 -> 1) for 800 steps then constant(1) for 300 steps",
        "   |                                                     ^^^^^^^^^^^^^^^^^^^^^^^^^ ends at step 1100"
      ].join("\n")
    )
  })

  it("shows a related span of the same file in the same snippet, sorted by line, and hangs labels that share a line", () => {
    const d = error("LRS3003", at(8, 53, 8, 78), "this segment overruns the budget", "shorten it to `for 200 steps`", {
      label: "ends at step 1100",
      related: [
        { span: at(6, 3, 6, 15), label: "the budget is 1000 steps" },
        { span: at(8, 34, 8, 47), label: "the first segment takes 800" }
      ],
      notes: ["segments run one after the other"]
    })
    expect(renderDiagnostic(d, sources)).toBe(
      [
        "input.lrs:8:53: error[LRS3003]: this segment overruns the budget",
        "   |",
        " 6 |   steps = 1000",
        "   |   ------------ the budget is 1000 steps",
        " 7 |   optimizer = adam(lr = warm)",
        " 8 |   schedule warm = linear(0 -> 1) for 800 steps then constant(1) for 300 steps",
        "   |                                  -------------      ^^^^^^^^^^^^^^^^^^^^^^^^^ ends at step 1100",
        "   |                                  |",
        "   |                                  the first segment takes 800",
        "   |",
        "   = note: segments run one after the other",
        "   = help: shorten it to `for 200 steps`"
      ].join("\n")
    )
  })

  it("shows a related span in another file under :::", () => {
    const lib = "lrs 1\n\nparam warmup = 800\n"
    const d = error("LRS3003", at(8, 53, 8, 78), "this segment overruns the budget", undefined, {
      related: [{ span: span("lib.lrs", lib, 3, 7, 3, 19), label: "declared here" }]
    })
    expect(renderDiagnostic(d, new Map([...sources, ["lib.lrs", lib]]))).toBe(
      [
        "input.lrs:8:53: error[LRS3003]: this segment overruns the budget",
        "   |",
        " 8 |   schedule warm = linear(0 -> 1) for 800 steps then constant(1) for 300 steps",
        "   |                                                     ^^^^^^^^^^^^^^^^^^^^^^^^^",
        "   |",
        "  ::: lib.lrs:3:7",
        "   |",
        " 3 | param warmup = 800",
        "   |       ------------ declared here"
      ].join("\n")
    )
  })

  it("puts overlapping underlines of one line on rows of their own", () => {
    const d = error("LRS2001", at(7, 15, 7, 30), "bad optimizer", undefined, {
      label: "this call",
      related: [{ span: at(7, 20, 7, 29), label: "this argument" }]
    })
    expect(renderDiagnostic(d, sources)).toBe(
      [
        "input.lrs:7:15: error[LRS2001]: bad optimizer",
        "   |",
        " 7 |   optimizer = adam(lr = warm)",
        "   |               ^^^^^^^^^^^^^^^ this call",
        "   |                    --------- this argument"
      ].join("\n")
    )
  })

  it("gives notes and help without a label", () => {
    const d = error("LRS1003", at(9, 3, 9, 8), "experiment `e` has no field `batch`", "the closest field is `batches`", {
      notes: ["fields are listed in the language reference", "a second note\nover two lines"]
    })
    expect(renderDiagnostic(d, sources)).toBe(
      [
        "input.lrs:9:3: error[LRS1003]: experiment `e` has no field `batch`",
        "   |",
        " 9 |   batch = 32",
        "   |   ^^^^^",
        "   |",
        "   = note: fields are listed in the language reference",
        "   = note: a second note",
        "           over two lines",
        "   = help: the closest field is `batches`"
      ].join("\n")
    )
  })

  it("marks a zero-width span at the end of the file with one caret", () => {
    const text = "lrs 1\nexperiment e {\n  steps = 10"
    const d = error("LRS0001", span("eof.lrs", text, 3, 13, 3, 13), "the file ends inside `experiment e`", "add `}`", { label: "expected `}`" })
    expect(renderDiagnostic(d, new Map([["eof.lrs", text]]))).toBe(
      [
        "eof.lrs:3:13: error[LRS0001]: the file ends inside `experiment e`",
        "   |",
        " 3 |   steps = 10",
        "   |             ^ expected `}`",
        "   |",
        "   = help: add `}`"
      ].join("\n")
    )
  })

  it("marks a zero-width span on the empty last line after a final newline", () => {
    const d = error("LRS0001", at(12, 1, 12, 1), "expected another experiment", undefined, {})
    expect(renderDiagnostic(d, sources)).toBe(
      ["input.lrs:12:1: error[LRS0001]: expected another experiment", "    |", " 12 |", "    | ^"].join("\n")
    )
  })

  it("shows the first and last line of a multi-line span", () => {
    const d = error("LRS1004", at(5, 1, 11, 2), "a file declares one experiment in this release", undefined, { label: "this experiment" })
    expect(renderDiagnostic(d, sources)).toBe(
      [
        "input.lrs:5:1: error[LRS1004]: a file declares one experiment in this release",
        "    |",
        "  5 | experiment e {",
        "    | ^^^^^^^^^^^^^^",
        "...",
        " 11 | }",
        "    | ^ this experiment"
      ].join("\n")
    )
  })

  it("shows a two-line span ending at column 1 of the next line as one line", () => {
    const d = error("LRS1003", at(6, 3, 7, 1), "line break included", undefined, {})
    expect(renderDiagnostic(d, sources)).toBe(
      ["input.lrs:6:3: error[LRS1003]: line break included", "   |", " 6 |   steps = 1000", "   |   ^^^^^^^^^^^^"].join("\n")
    )
  })

  it("widens the gutter to the largest line number, and shows a single line between two marked lines", () => {
    const d = error("LRS1006", at(10, 3, 10, 6), "`log` is given twice", undefined, {
      label: "second",
      related: [{ span: at(8, 3, 8, 11), label: "first" }]
    })
    expect(renderDiagnostic(d, sources)).toBe(
      [
        "input.lrs:10:3: error[LRS1006]: `log` is given twice",
        "    |",
        "  8 |   schedule warm = linear(0 -> 1) for 800 steps then constant(1) for 300 steps",
        "    |   -------- first",
        "  9 |   batch = 32",
        " 10 |   log every 10 steps",
        "    |   ^^^ second"
      ].join("\n")
    )
  })

  it("expands tabs in the line and under it", () => {
    const text = "experiment e {\n\tsed\t= 1\n}\n"
    const d = error("LRS1003", span("tab.lrs", text, 2, 2, 2, 8), "tabs", undefined, { label: "here" })
    expect(renderDiagnostic(d, new Map([["tab.lrs", text]]))).toBe(
      ["tab.lrs:2:2: error[LRS1003]: tabs", "   |", " 2 |     sed    = 1", "   |     ^^^^^^^^^ here"].join("\n")
    )
  })

  it("falls back to the location when the file is unknown or the span lies past the end of the text", () => {
    const missing = error("LRS5001", span("gone.lrs", "", 3, 4, 3, 9), "cannot read the import", "check the path", {
      related: [{ span: span("gone.lrs", "", 1, 1, 1, 2), label: "imported here" }]
    })
    expect(renderDiagnostic(missing, sources)).toBe(
      [
        "gone.lrs:3:4: error[LRS5001]: cannot read the import",
        "   = note: gone.lrs:1:1: imported here",
        "   = help: check the path"
      ].join("\n")
    )
    const past = error("LRS1001", at(40, 2, 40, 5), "stale span", undefined, {})
    expect(renderDiagnostic(past, sources)).toBe(["input.lrs:40:2: error[LRS1001]: stale span"].join("\n"))
    const pastColumn = error("LRS1001", at(6, 30, 6, 31), "stale column", undefined, {})
    expect(renderDiagnostic(pastColumn, sources)).toBe(["input.lrs:6:30: error[LRS1001]: stale column"].join("\n"))
  })

  it("colors only when asked", () => {
    const d = error("LRS1003", at(9, 3, 9, 8), "no field `batch`", "use `batches`", { label: "unknown", related: [{ span: at(6, 3, 6, 8), label: "seen" }] })
    const plain = renderDiagnostic(d, sources, { color: false })
    expect(plain).not.toContain("\x1b")
    expect(renderDiagnostic(d, sources)).toBe(plain)
    const colored = renderDiagnostic(d, sources, { color: true })
    expect(colored).toBe(
      [
        "\x1b[1minput.lrs:9:3: \x1b[0m\x1b[1;31merror[LRS1003]\x1b[0m\x1b[1m: no field `batch`\x1b[0m",
        "   \x1b[1;34m|\x1b[0m",
        " \x1b[1;34m6 |\x1b[0m   steps = 1000",
        "   \x1b[1;34m|\x1b[0m   \x1b[1;34m-----\x1b[0m \x1b[1;34mseen\x1b[0m",
        "...",
        " \x1b[1;34m9 |\x1b[0m   batch = 32",
        "   \x1b[1;34m|\x1b[0m   \x1b[1;31m^^^^^\x1b[0m \x1b[1;31munknown\x1b[0m",
        "   \x1b[1;34m|\x1b[0m",
        "   \x1b[1;34m=\x1b[0m \x1b[1;32mhelp\x1b[0m: use `batches`"
      ].join("\n")
    )
    // Without the escapes, the colored form is the plain one.
    expect(colored.replaceAll(/\x1b\[[0-9;]*m/g, "")).toBe(plain)
  })

  it("separates several diagnostics with a blank line", () => {
    const a = error("LRS1003", at(9, 3, 9, 8), "one", undefined, {})
    const b = error("LRS1003", at(6, 3, 6, 8), "two", undefined, {})
    expect(renderDiagnostics([a, b], sources)).toBe(
      ["input.lrs:9:3: error[LRS1003]: one", "   |", " 9 |   batch = 32", "   |   ^^^^^", "", "input.lrs:6:3: error[LRS1003]: two", "   |", " 6 |   steps = 1000", "   |   ^^^^^"].join("\n")
    )
  })
})

describe("diagnosticToJson", () => {
  it("gives every field, with empty related and notes when there are none", () => {
    const d: Diagnostic = error("LRS1003", at(9, 3, 9, 8), "no field", undefined, {})
    expect(diagnosticToJson(d)).toEqual({
      code: "LRS1003",
      severity: "error",
      message: "no field",
      file: "input.lrs",
      start: { line: 9, col: 3, offset: 166 },
      end: { line: 9, col: 8, offset: 171 },
      related: [],
      notes: []
    })
    const full = error("LRS1003", at(9, 3, 9, 8), "no field", "use `batches`", { label: "here", related: [{ span: at(6, 3, 6, 8), label: "there" }], notes: ["n"] })
    expect(JSON.parse(JSON.stringify(diagnosticToJson(full)))).toEqual({
      code: "LRS1003",
      severity: "error",
      message: "no field",
      file: "input.lrs",
      start: { line: 9, col: 3, offset: 166 },
      end: { line: 9, col: 8, offset: 171 },
      label: "here",
      related: [{ file: "input.lrs", start: { line: 6, col: 3, offset: 43 }, end: { line: 6, col: 8, offset: 48 }, label: "there" }],
      notes: ["n"],
      help: "use `batches`"
    })
  })
})
