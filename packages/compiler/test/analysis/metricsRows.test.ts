import { describe, expect, it } from "@effect/vitest"
import { metricsRows } from "../../src/analysis/metricsRows.ts"

describe("metricsRows", () => {
  it("reads rows with their line numbers, skipping blank lines and a torn last line", () => {
    const parsed = metricsRows('{"kind":"train","step":0}\n\n{"kind":"eval","step":1}\n{"kind":"tr')
    expect(parsed).toEqual({ rows: [{ line: 1, row: { kind: "train", step: 0 } }, { line: 3, row: { kind: "eval", step: 1 } }] })
  })

  it("names the first damaged line that is not the last, and refuses JSON that is not an object", () => {
    expect(metricsRows('{"step":0}\nnope\n{"step":1}\n')).toEqual({ badLine: 2 })
    expect(metricsRows('{"step":0}\n[1, 2]\n{"step":1}\n')).toEqual({ badLine: 2 })
  })
})
