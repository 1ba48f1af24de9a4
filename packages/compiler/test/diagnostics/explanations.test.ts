import { describe, expect, it } from "@effect/vitest"
import { type Code, codes, compile, type CompileResult } from "../../src/index.ts"
import { type Example, exampleFile, explainText, explanations } from "../../src/diagnostics/explanations.ts"

/** An example compiled as `lrs check` would: imports read from its `files`, with its `--set`s and trial. */
const compileExample = (e: Example): CompileResult => {
  const files = e.files ?? {}
  return compile(e.spec, {
    file: exampleFile,
    host: { read: (path) => files[path] },
    ...(e.overrides === undefined ? {} : { overrides: e.overrides }),
    ...(e.trial === undefined ? {} : { trial: e.trial })
  })
}

const show = (r: CompileResult): Array<string> =>
  r.diagnostics.map((d) => `${d.span.file}:${d.span.start.line}:${d.span.start.col}: ${d.code} ${d.message}`)

const all = Object.keys(codes) as Array<Code>

describe("explanations", () => {
  it("cover every code and only codes", () => {
    expect(Object.keys(explanations).sort()).toEqual([...all].sort())
  })

  for (const code of all) {
    describe(code, () => {
      it("has a wrong example that reports the code", () => {
        const r = compileExample(explanations[code].wrong)
        expect(r.diagnostics.map((d) => d.code), show(r).join("\n")).toContain(code)
        // Warnings (unused names) leave the run intact; errors stop it.
        const severity = r.diagnostics.find((d) => d.code === code)!.severity
        if (severity === "error") expect(r.ir).toBeUndefined()
        else expect(r.ir).toBeDefined()
      })

      it("has a fixed example that compiles without diagnostics", () => {
        const r = compileExample(explanations[code].fixed)
        expect(show(r)).toEqual([])
        expect(r.ir).toBeDefined()
      })
    })
  }
})

describe("explainText", () => {
  it("starts with the code and its title, then shows both examples", () => {
    for (const code of all) {
      const text = explainText(code)
      expect(text.startsWith(`${code}: ${codes[code]}\n\n`)).toBe(true)
      expect(text).toContain("\n\nWrong:\n\n    ")
      expect(text).toContain("\n\nFixed:\n\n    ")
      expect(text.endsWith("\n")).toBe(true)
    }
  })

  it("wraps the explanation and indents the examples", () => {
    const text = explainText("LRS3003")
    const explanation = text.split("\n\nWrong:")[0]!.split("\n").slice(2)
    for (const line of explanation) expect(line.length).toBeLessThanOrEqual(90)
    expect(text).toContain("\n    lrs 1\n    experiment baseline {\n      steps = 1000\n")
  })

  it("shows the --set flags and the trial an example is compiled with", () => {
    expect(explainText("LRS9001")).toContain("\n    with --set lr=3e-3\n")
    expect(explainText("LRS4106")).toContain("\n    with --trial 3\n")
  })

  it("shows the files an example imports", () => {
    expect(explainText("LRS5002")).toContain("    // common.lrs\n    lrs 1\n    import \"./example.lrs\" as main\n")
  })
})
