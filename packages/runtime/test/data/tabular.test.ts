import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import type { TabularIR } from "@lrs/compiler"
import { Effect } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { loadData } from "../../src/data/load.ts"
import { parseCsv, parseJsonl, splitCsvLine, type TableSpec } from "../../src/data/tabular.ts"
import { span, tempDir } from "./fixtures.ts"

const fixtures = resolve(import.meta.dirname, "../fixtures/data")
const spec = (over: Partial<TableSpec> = {}): TableSpec => ({ file: "t.csv", features: ["a", "b"], label: "y", span, ...over })
const csvError = (text: string, over: Partial<TableSpec> = {}) => Effect.flip(parseCsv(text, spec(over)))
const jsonlError = (text: string, over: Partial<TableSpec> = {}) => Effect.flip(parseJsonl(text, spec({ file: "t.jsonl", ...over })))
const tab = (over: Partial<TabularIR> = {}): TabularIR => ({
  kind: "csv",
  path: "small.csv",
  features: ["x1", "x 2"],
  label: "label",
  testFraction: 0.2,
  validationFraction: 0,
  span,
  ...over
})

const expected = {
  x: [0.5, -1.25, 0.001, 2, 0.75, 350, -0, 0, 9, 8].map(Math.fround),
  y: [0, 1, 2, 0, 1]
}

describe("CSV", () => {
  it("splits lines with quotes and spaces", () => {
    assert.deepStrictEqual(splitCsvLine(" a , \"b,c\" ,\"d\"\"e\",,"), ["a", "b,c", "d\"e", "", ""])
    assert.deepStrictEqual(splitCsvLine(""), [""])
    assert.strictEqual(splitCsvLine("\"open"), "a quoted value is not closed")
    assert.include(splitCsvLine("\"a\"b,c") as string, "unexpected text after a quoted value at character 4")
  })

  it.effect("parses the fixture: header, quotes, CRLF, blank lines, number forms", () =>
    Effect.gen(function*() {
      const t = yield* parseCsv(readFileSync(join(fixtures, "small.csv"), "utf8"), spec({ file: "small.csv", features: ["x1", "x 2"], label: "label" }))
      assert.strictEqual(t.n, 5)
      assert.strictEqual(t.classes, 3)
      assert.deepStrictEqual(Array.from(t.x), expected.x)
      assert.deepStrictEqual(Array.from(t.y), expected.y)
    }))

  it.effect("accepts a BOM and column order other than the spec's", () =>
    Effect.gen(function*() {
      const t = yield* parseCsv("\uFEFFy,b,a\n3,1,2\n", spec())
      assert.deepStrictEqual(Array.from(t.x), [2, 1])
      assert.strictEqual(t.classes, 4)
    }))

  it.effect("every error names file:line and the column", () =>
    Effect.gen(function*() {
      const cases: Array<[string, string, string?]> = [
        ["", "t.csv: is empty; a header row naming the columns is required"],
        ["\n\n  \n", "t.csv: is empty"],
        ["a,b,y\n", "t.csv:1: has a header but no data rows"],
        ["\na,bb,y\n1,2,0\n", "t.csv:2: no column \"b\" in the header (columns: \"a\", \"bb\", \"y\")"],
        ["a,b,y\n1,2,0\n", "t.csv:1: no column \"width\" in the header (columns: \"a\", \"b\", \"y\")", "width"],
        ["a,widht,y\n1,2,0\n", "t.csv:1: no column \"width\" in the header (columns: \"a\", \"widht\", \"y\"); did you mean \"widht\"?", "width"],
        ["a,b,label\n1,2,0\n", "t.csv:1: no column \"y\" in the header (columns: \"a\", \"b\", \"label\")"],
        ["a,b,a,y\n1,2,3,0\n", "t.csv:1: column \"a\" appears twice in the header (columns 1 and 3)"],
        ["a,b,y\n1,2,0\n\n1,x,0\n", "t.csv:4: column \"b\" (column 2): \"x\" is not a number"],
        ["a,b,y\n1,,0\n", "t.csv:2: column \"b\" (column 2): is empty"],
        ["a,b,y\n1,NaN,0\n", "t.csv:2: column \"b\" (column 2): \"NaN\" is not a number"],
        ["a,b,y\n1,1e39,0\n", "t.csv:2: column \"b\" (column 2): \"1e39\" is outside the float32 range"],
        ["a,b,y\n1,2,0\n1,2\n", "t.csv:3: has 2 values, the header has 3 columns"],
        ["a,b,y\n1,2,0,4\n", "t.csv:2: has 4 values, the header has 3 columns"],
        ["a,b,y\n1,\"2,0\n", "t.csv:2: a quoted value is not closed"],
        ["a,b,y\n1,2,1.5\n", "t.csv:2: label column \"y\" (column 3): \"1.5\" is not an integer class label"],
        ["a,b,y\n1,2,-1\n", "t.csv:2: label column \"y\" (column 3): \"-1\" is negative; class labels are 0, 1, 2, ..."],
        ["a,b,y\n1,2,cat\n", "t.csv:2: label column \"y\" (column 3): \"cat\" is not a number"],
        ["a,b,y\n1,2,\n", "t.csv:2: label column \"y\" (column 3): is empty"],
        ["a,b,y\n1,2,1e10\n", "t.csv:2: label column \"y\" (column 3): \"1e10\" is too large for a class label"]
      ]
      for (const [text, message, feature] of cases) {
        const e = yield* csvError(text, feature === undefined ? {} : { features: ["a", feature] })
        assert.strictEqual(e._tag, "DataError")
        assert.include(e.message, message, JSON.stringify(text))
        assert.isAbove(e.help.length, 10)
        assert.deepStrictEqual(e.span, span)
      }
    }))
})

describe("JSONL", () => {
  it.effect("parses the fixture: blank lines skipped, integer-valued label 2.0 accepted", () =>
    Effect.gen(function*() {
      const t = yield* parseJsonl(readFileSync(join(fixtures, "small.jsonl"), "utf8"), spec({ file: "small.jsonl", features: ["x1", "x 2"], label: "label" }))
      assert.deepStrictEqual(Array.from(t.x), expected.x)
      assert.deepStrictEqual(Array.from(t.y), expected.y)
      assert.strictEqual(t.classes, 3)
    }))

  it.effect("every error names file:line and the key", () =>
    Effect.gen(function*() {
      const cases: Array<[string, string]> = [
        ["", "t.jsonl: has no data rows"],
        ["{\"a\":1,\"b\":2,\"y\":0}\n{\"a\":1,\"b\":2,\n", "t.jsonl:2: is not valid JSON ("],
        ["\n[1,2,3]\n", "t.jsonl:2: is an array, not a JSON object"],
        ["null\n", "t.jsonl:1: is null, not a JSON object"],
        ["{\"a\":1,\"bb\":2,\"y\":0}\n", "t.jsonl:1: has no \"b\" key (keys: \"a\", \"bb\", \"y\")"],
        ["{\"a\":1,\"b\":2,\"label\":0}\n", "t.jsonl:1: has no \"y\" key (keys: \"a\", \"b\", \"label\")"],
        ["{\"a\":1,\"b\":2}\n", "t.jsonl:1: has no \"y\" key (keys: \"a\", \"b\")"],
        ["{\"a\":1,\"b\":\"2\",\"y\":0}\n", "t.jsonl:1: \"b\": the string \"2\" is not a number"],
        ["{\"a\":1,\"b\":null,\"y\":0}\n", "t.jsonl:1: \"b\": null is not a number"],
        ["{\"a\":true,\"b\":1,\"y\":0}\n", "t.jsonl:1: \"a\": true is not a number"],
        ["{\"a\":1,\"b\":1e39,\"y\":0}\n", "t.jsonl:1: \"b\": 1e+39 is outside the float32 range"],
        ["{\"a\":1,\"b\":2,\"y\":0.5}\n", "t.jsonl:1: label \"y\": \"0.5\" is not an integer class label"],
        ["{\"a\":1,\"b\":2,\"y\":-2}\n", "t.jsonl:1: label \"y\": \"-2\" is negative"],
        ["{\"a\":1,\"b\":2,\"y\":\"cat\"}\n", "t.jsonl:1: label \"y\": the string \"cat\" is not an integer class label"]
      ]
      for (const [text, message] of cases) {
        const e = yield* jsonlError(text)
        assert.include(e.message, message, JSON.stringify(text))
        assert.deepStrictEqual(e.span, span)
      }
    }))
})

describe("tabular loadData", () => {
  it.effect("csv and jsonl load the same rows; relative paths resolve against baseDir", () =>
    Effect.gen(function*() {
      const c = yield* loadData(tab(), 3, { baseDir: fixtures })
      const j = yield* loadData(tab({ kind: "jsonl", path: "small.jsonl" }), 3, { baseDir: fixtures })
      assert.deepStrictEqual(c, j)
      assert.strictEqual(c.test.n, 1)
      assert.strictEqual(c.train.n, 4)
      assert.deepStrictEqual(c.shape, [2])
      assert.strictEqual(c.features, 2)
      assert.strictEqual(c.classes, 3)
      const missing = yield* Effect.flip(loadData(tab({ path: "nope.csv" }), 3, { baseDir: fixtures }))
      assert.include(missing.message, `cannot read CSV file ${join(fixtures, "nope.csv")}`)
      assert.include(missing.help, `resolved against ${fixtures}`)
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("test then validation carved by seeded shuffles; every row lands in exactly one split", () =>
    Effect.gen(function*() {
      const dir = tempDir("tab")
      const rows = 200
      writeFileSync(join(dir, "t.csv"), "i,y\n" + Array.from({ length: rows }, (_, i) => `${i},${i % 4}`).join("\n") + "\n")
      const ir = tab({ path: "t.csv", features: ["i"], label: "y", testFraction: 0.25, validationFraction: 0.2 })
      const d = yield* loadData(ir, 5, { baseDir: dir })
      assert.strictEqual(d.test.n, 50)
      assert.strictEqual(d.validation!.n, 30)
      assert.strictEqual(d.train.n, 120)
      const ids = (s: { x: Float32Array }) => Array.from(s.x)
      assert.deepStrictEqual([...ids(d.train), ...ids(d.validation!), ...ids(d.test)].sort((a, b) => a - b), Array.from({ length: rows }, (_, i) => i))
      for (const s of [d.train, d.validation!, d.test]) for (let r = 0; r < s.n; r++) assert.strictEqual(s.y[r], s.x[r]! % 4)
      const same = yield* loadData(ir, 5, { baseDir: dir })
      assert.deepStrictEqual(same, d)
      const other = yield* loadData(ir, 6, { baseDir: dir })
      assert.notDeepEqual(ids(other.test), ids(d.test))
      const tiny = yield* Effect.flip(loadData(tab({ testFraction: 0.05 }), 0, { baseDir: fixtures }))
      assert.include(tiny.message, "small.csv: 5 rows with test_fraction 0.05 and validation_fraction 0 leave the test split empty")
      const noValidation = yield* Effect.flip(loadData(tab({ validationFraction: 0.1 }), 0, { baseDir: fixtures }))
      assert.include(noValidation.message, "leave the validation split empty")
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("reads a curriculum's score column beside the features, for the training split only, in the same rows", () =>
    Effect.gen(function*() {
      const dir = tempDir("tab-score")
      writeFileSync(join(dir, "t.csv"), "i,difficulty,y\n" + Array.from({ length: 100 }, (_, i) => `${i},${i * 10},${i % 3}`).join("\n") + "\n")
      const plain = yield* loadData(tab({ path: "t.csv", features: ["i"], label: "y", validationFraction: 0.1 }), 4, { baseDir: dir })
      const scored = yield* loadData(tab({ path: "t.csv", features: ["i"], label: "y", validationFraction: 0.1, score: "difficulty" }), 4, { baseDir: dir })
      // The same splits and features as without the column; the scores follow the training rows.
      assert.deepStrictEqual(scored.train, plain.train)
      assert.deepStrictEqual(scored.test, plain.test)
      assert.deepStrictEqual(scored.validation, plain.validation)
      assert.strictEqual(plain.trainScores, undefined)
      assert.deepStrictEqual(Array.from(scored.trainScores!), Array.from(scored.train.x, (i) => i * 10))
      const missing = yield* Effect.flip(loadData(tab({ path: "t.csv", features: ["i"], label: "y", score: "dificulty" }), 4, { baseDir: dir }))
      assert.include(missing.message, `no column "dificulty" in the header`)
    }).pipe(Effect.provide(NodeServices.layer)))
})
