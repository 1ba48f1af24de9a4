/**
 * CSV and JSONL files of numeric feature columns and an integer class label.
 *
 * CSV: the first non-blank line is a header naming the columns; fields are comma-separated,
 * optionally double-quoted (`"a,b"`, `""` for a quote; a quoted field may not span lines);
 * surrounding spaces are ignored; a UTF-8 BOM and `\r\n` line ends are accepted. JSONL: one JSON
 * object per line, feature values JSON numbers. In both, blank lines are skipped, every feature
 * value must be a finite number (decimal, optionally with exponent), and the label a non-negative
 * integer (`3` or `3.0`); `classes` is the largest label + 1. Errors name `file:line` and the column.
 */
import type { TabularIR } from "@lrs/compiler"
import { closest } from "@lrs/compiler"
import { Effect, FileSystem } from "effect"
import * as NodePath from "node:path"
import { DataError } from "./DataError.ts"
import { carveTest, carveValidation, type DataOptions, gatherRows, type LoadedData, type Split } from "./split.ts"

/** Parsed rows: `x` row-major `[n, features.length]` in file order. */
export interface Table {
  readonly x: Float32Array
  readonly y: Int32Array
  readonly n: number
  readonly classes: number
}

/** What a parse needs besides the text: the spec's columns, the path for messages, the span to blame. */
export interface TableSpec {
  readonly file: string
  readonly features: ReadonlyArray<string>
  readonly label: string
  readonly span: TabularIR["span"]
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const MAX_LABEL = 2 ** 31 - 2

const help = {
  header: "the first line must be a header naming the columns; check `features` and `label` in the spec against it",
  key: "every line must be a JSON object holding each `features` key and the `label` key",
  number: "feature columns must hold numbers: encode or drop non-numeric columns and fill in missing values",
  label: "the label must be a class index 0, 1, 2, ... (K classes: 0 to K-1); map class names to integers first",
  fields: "every row needs one value per header column (quote values that contain commas; a quoted value may not span lines)",
  json: "each non-blank line must be one complete JSON object",
  empty: "the file needs at least one data row"
}

const didYouMean = (word: string, names: ReadonlyArray<string>): string => {
  const near = closest(word, names)
  return near.length === 1 ? `; did you mean "${near[0]}"?` : ""
}
const listed = (names: ReadonlyArray<string>): string => names.map((n) => `"${n}"`).join(", ")

/** One CSV line's fields, or a message when a quote is unbalanced. */
export const splitCsvLine = (line: string): Array<string> | string => {
  const fields: Array<string> = []
  let i = 0
  for (;;) {
    while (line[i] === " " || line[i] === "\t") i++
    if (line[i] === "\"") {
      let value = ""
      i++
      for (;;) {
        if (i >= line.length) return "a quoted value is not closed"
        if (line[i] === "\"") {
          if (line[i + 1] === "\"") {
            value += "\""
            i += 2
          } else {
            i++
            break
          }
        } else value += line[i++]
      }
      while (line[i] === " " || line[i] === "\t") i++
      if (i < line.length && line[i] !== ",") return `unexpected text after a quoted value at character ${i + 1}`
      fields.push(value)
    } else {
      const comma = line.indexOf(",", i)
      const end = comma < 0 ? line.length : comma
      fields.push(line.slice(i, end).trim())
      i = end
    }
    if (i >= line.length) return fields
    i++ // the comma
  }
}

/** Lines with their 1-based numbers, blank ones dropped. */
const nonBlankLines = (text: string): Array<{ readonly line: number; readonly text: string }> => {
  const out: Array<{ line: number; text: string }> = []
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split("\n")
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.endsWith("\r") ? lines[i]!.slice(0, -1) : lines[i]!
    if (t.trim() !== "") out.push({ line: i + 1, text: t })
  }
  return out
}

/** A feature value, or a message saying why it is not one. */
const featureValue = (raw: string): number | string => {
  if (raw === "") return "is empty"
  if (!NUMBER.test(raw)) return `"${raw}" is not a number`
  const v = Number(raw)
  if (!Number.isFinite(Math.fround(v))) return `"${raw}" is outside the float32 range`
  return v
}

/** A label, or a message saying why it is not one. */
const labelValue = (raw: string, v: number): number | string => {
  if (!Number.isFinite(v)) return `"${raw}" is not a number`
  if (!Number.isInteger(v)) return `"${raw}" is not an integer class label`
  if (v < 0) return `"${raw}" is negative; class labels are 0, 1, 2, ...`
  if (v > MAX_LABEL) return `"${raw}" is too large for a class label`
  return v
}

/** Parses CSV text (see the module doc). */
export const parseCsv = Effect.fnUntraced(function*(text: string, spec: TableSpec): Effect.fn.Return<Table, DataError> {
  const fail = (line: number, message: string, why: string) => new DataError({ message: `${spec.file}:${line}: ${message}`, help: why, span: spec.span })
  const lines = nonBlankLines(text)
  const head = lines[0]
  if (head === undefined) return yield* new DataError({ message: `${spec.file}: is empty; a header row naming the columns is required`, help: help.header, span: spec.span })
  const names = splitCsvLine(head.text)
  if (typeof names === "string") return yield* fail(head.line, `header: ${names}`, help.fields)
  const column = (name: string): number | DataError => {
    const at = names.indexOf(name)
    if (at < 0) return fail(head.line, `no column "${name}" in the header (columns: ${listed(names)})${didYouMean(name, names)}`, help.header)
    const again = names.indexOf(name, at + 1)
    if (again >= 0) return fail(head.line, `column "${name}" appears twice in the header (columns ${at + 1} and ${again + 1})`, help.header)
    return at
  }
  const cols: Array<number> = []
  for (const f of spec.features) {
    const c = column(f)
    if (typeof c !== "number") return yield* c
    cols.push(c)
  }
  const labelCol = column(spec.label)
  if (typeof labelCol !== "number") return yield* labelCol
  const k = cols.length
  const n = lines.length - 1
  if (n === 0) return yield* fail(head.line, "has a header but no data rows", help.empty)
  const x = new Float32Array(n * k)
  const y = new Int32Array(n)
  let maxLabel = 0
  for (let r = 0; r < n; r++) {
    const { line, text: t } = lines[r + 1]!
    const fields = splitCsvLine(t)
    if (typeof fields === "string") return yield* fail(line, fields, help.fields)
    if (fields.length !== names.length) return yield* fail(line, `has ${fields.length} value${fields.length === 1 ? "" : "s"}, the header has ${names.length} columns`, help.fields)
    for (let j = 0; j < k; j++) {
      const c = cols[j]!
      const v = featureValue(fields[c]!)
      if (typeof v === "string") return yield* fail(line, `column "${names[c]}" (column ${c + 1}): ${v}`, help.number)
      x[r * k + j] = v
    }
    const raw = fields[labelCol]!
    const v = raw === "" ? "is empty" : labelValue(raw, NUMBER.test(raw) ? Number(raw) : NaN)
    if (typeof v === "string") return yield* fail(line, `label column "${spec.label}" (column ${labelCol + 1}): ${v}`, help.label)
    y[r] = v
    if (v > maxLabel) maxLabel = v
  }
  return { x, y, n, classes: maxLabel + 1 }
})

const describeJson = (v: unknown): string =>
  v === null ? "null" : typeof v === "string" ? `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v)}` : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : typeof v === "boolean" ? `${v}` : String(v)

/** Parses JSONL text (see the module doc). */
export const parseJsonl = Effect.fnUntraced(function*(text: string, spec: TableSpec): Effect.fn.Return<Table, DataError> {
  const fail = (line: number, message: string, why: string) => new DataError({ message: `${spec.file}:${line}: ${message}`, help: why, span: spec.span })
  const lines = nonBlankLines(text)
  const n = lines.length
  if (n === 0) return yield* new DataError({ message: `${spec.file}: has no data rows`, help: help.empty, span: spec.span })
  const k = spec.features.length
  const x = new Float32Array(n * k)
  const y = new Int32Array(n)
  let maxLabel = 0
  for (let r = 0; r < n; r++) {
    const { line, text: t } = lines[r]!
    let row: unknown
    try {
      row = JSON.parse(t)
    } catch (e) {
      return yield* fail(line, `is not valid JSON (${(e as Error).message})`, help.json)
    }
    if (row === null || typeof row !== "object" || Array.isArray(row)) return yield* fail(line, `is ${describeJson(row)}, not a JSON object`, help.json)
    const obj = row as Record<string, unknown>
    const get = (key: string): unknown => {
      if (!Object.hasOwn(obj, key)) return undefined
      return obj[key]
    }
    const missing = (key: string) => {
      const keys = Object.keys(obj)
      return fail(line, `has no "${key}" key (keys: ${listed(keys)})${didYouMean(key, keys)}`, help.key)
    }
    for (let j = 0; j < k; j++) {
      const key = spec.features[j]!
      const v = get(key)
      if (v === undefined) return yield* missing(key)
      if (typeof v !== "number") return yield* fail(line, `"${key}": ${describeJson(v)} is not a number`, help.number)
      if (!Number.isFinite(Math.fround(v))) return yield* fail(line, `"${key}": ${v} is outside the float32 range`, help.number)
      x[r * k + j] = v
    }
    const lv = get(spec.label)
    if (lv === undefined) return yield* missing(spec.label)
    if (typeof lv !== "number") return yield* fail(line, `label "${spec.label}": ${describeJson(lv)} is not an integer class label`, help.label)
    const v = labelValue(JSON.stringify(lv), lv)
    if (typeof v === "string") return yield* fail(line, `label "${spec.label}": ${v}`, help.label)
    y[r] = v
    if (v > maxLabel) maxLabel = v
  }
  return { x, y, n, classes: maxLabel + 1 }
})

/** Reads the file (`path` resolved against `options.baseDir`, else the working directory) and parses it. */
export const readTable = Effect.fn("readTable")(function*(ir: TabularIR, options: DataOptions = {}): Effect.fn.Return<Table, DataError, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const file = NodePath.resolve(options.baseDir ?? ".", ir.path)
  const text = yield* fs.readFileString(file).pipe(
    Effect.mapError((e) =>
      new DataError({
        message: `cannot read ${ir.kind.toUpperCase()} file ${file} (${e.message})`,
        help: `check \`path\` in the spec${options.baseDir === undefined ? "" : ` (relative paths are resolved against ${options.baseDir})`}`,
        span: ir.span
      })
    )
  )
  // A curriculum's score column is read as one more column at the end, then split off (loadTabular).
  const spec: TableSpec = { file: ir.path, features: ir.score === undefined ? ir.features : [...ir.features, ir.score], label: ir.label, span: ir.span }
  return yield* (ir.kind === "csv" ? parseCsv(text, spec) : parseJsonl(text, spec))
})

/** A split read with a score column last (`read = k + 1` columns): the split of its `k` features, and the scores. */
const withoutScore = (s: Split, read: number, k: number): { split: Split; scores: Float32Array } => {
  if (read === k) return { split: s, scores: new Float32Array(0) }
  const x = new Float32Array(s.n * k)
  const scores = new Float32Array(s.n)
  for (let i = 0; i < s.n; i++) {
    x.set(s.x.subarray(i * read, i * read + k), i * k)
    scores[i] = s.x[i * read + k]!
  }
  return { split: { x, y: s.y, n: s.n }, scores }
}

/** Loads a CSV / JSONL file and carves `test` and `validation` from it (split.ts). */
export const loadTabular = Effect.fn("loadTabular")(function*(
  ir: TabularIR,
  seed: number,
  options: DataOptions = {}
): Effect.fn.Return<LoadedData, DataError, FileSystem.FileSystem> {
  const table = yield* readTable(ir, options)
  const k = ir.features.length
  const read = ir.score === undefined ? k : k + 1
  const { train: rest, test } = carveTest(table.n, ir.testFraction, seed)
  const { train: trainPos, validation: validationPos } = carveValidation(rest.length, ir.validationFraction, seed)
  const empty = (what: string) =>
    new DataError({
      message: `${ir.path}: ${table.n} row${table.n === 1 ? "" : "s"} with test_fraction ${ir.testFraction} and validation_fraction ${ir.validationFraction} leave ${what} empty`,
      help: "add rows, or move the fractions away from 0 and 1",
      span: ir.span
    })
  if (test.length === 0) return yield* empty("the test split")
  if (trainPos.length === 0) return yield* empty("the training split")
  if (ir.validationFraction > 0 && validationPos.length === 0) return yield* empty("the validation split")
  const rows = (pos: Int32Array) => pos.map((p) => rest[p]!)
  const split = (positions: ArrayLike<number>) => withoutScore(gatherRows(table.x, table.y, read, positions), read, k)
  const train = split(rows(trainPos))
  return {
    train: train.split,
    ...(ir.validationFraction > 0 ? { validation: split(rows(validationPos)).split } : {}),
    test: split(test).split,
    ...(ir.score === undefined ? {} : { trainScores: train.scores }),
    features: k,
    shape: [k],
    classes: table.classes
  }
})
