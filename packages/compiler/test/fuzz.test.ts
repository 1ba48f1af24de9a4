import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Diagnostic, parseDocument, parseExpression, type Position, type Span } from "@lrs/dsl"
import { compile, type Override } from "../src/index.ts"

/**
 * A seeded, deterministic fuzzer for the front end: `compile`, `parseDocument` and
 * `parseExpression` must never throw (a stack overflow counts), must finish each input within a
 * deadline, and every diagnostic they return must be well formed: a known severity, an
 * `LRSnnnn` code, and spans inside the text whose line/col agree with their offset the way the
 * lexer (Chevrotain's defaults) counts lines: `\n`, `\r\n` and a lone `\r` each end a line.
 *
 * A failure names the case and a minimised input (JSON-escaped) so it can be replayed.
 * `LRS_FUZZ_SEED=n` changes the seed; the default is fixed so CI runs are reproducible.
 */

const SEED = Number(process.env["LRS_FUZZ_SEED"] ?? 0x1a2b3c4d) >>> 0
/** Per-input wall-clock bound (ms) for compile + parseDocument together. */
const DEADLINE_MS = 5_000
const FILE = "fuzz.lrs"

// ---------------------------------------------------------------------------------------------
// PRNG (mulberry32): tiny, fast, deterministic.

interface Rng {
  /** [0, 1) */
  readonly next: () => number
  /** Integer in [0, n). */
  readonly int: (n: number) => number
  readonly pick: <A>(xs: ReadonlyArray<A>) => A
  readonly chance: (p: number) => boolean
}

const makeRng = (seed: number): Rng => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  return { next, int, pick: (xs) => xs[int(xs.length)]!, chance: (p) => next() < p }
}

// ---------------------------------------------------------------------------------------------
// Corpus: the example, the conformance inputs and the DSL fixtures.

const repo = join(import.meta.dirname, "../../..")

const corpusFiles = (): Array<{ readonly name: string; readonly text: string }> => {
  const out: Array<{ name: string; text: string }> = []
  const add = (path: string) => {
    if (existsSync(path)) out.push({ name: path.slice(repo.length + 1), text: readFileSync(path, "utf8") })
  }
  add(join(repo, "examples/quickstart.lrs"))
  const conformance = join(repo, "specs/conformance")
  if (existsSync(conformance)) for (const d of readdirSync(conformance).sort()) add(join(conformance, d, "input.lrs"))
  const fixtures = join(repo, "packages/dsl/test/fixtures")
  if (existsSync(fixtures)) {
    for (const kind of readdirSync(fixtures).sort()) {
      const dir = join(fixtures, kind)
      for (const d of readdirSync(dir).sort()) add(join(dir, d, "input.lrs"))
    }
  }
  return out
}

const corpus = corpusFiles()

// ---------------------------------------------------------------------------------------------
// Oracle.

/** Line/col of `offset` as Chevrotain counts: `\n`, `\r\n` and lone `\r` end a line; cols are UTF-16 units. */
const lineIndex = (text: string) => {
  // starts[i] = offset at which line i+1 begins.
  const starts = [0]
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 10) starts.push(i + 1)
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++
      starts.push(i + 1)
    }
  }
  return (offset: number): { line: number; col: number } => {
    // Offset between `\r` and `\n` of a CRLF: it is still on the line the CRLF ends.
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 }
  }
}

/** One-entry cache: every span of an input is checked against the same text. */
let lastIndexed: { text: string; locate: ReturnType<typeof lineIndex> } | undefined
const cachedLineIndex = (text: string) => {
  if (lastIndexed?.text !== text) lastIndexed = { text, locate: lineIndex(text) }
  return lastIndexed.locate
}

const isLineTerminator = (c: number) => c === 10 || c === 13

type Where = "start" | "end"

const positionProblems = (p: Position, where: Where, text: string, locate: ReturnType<typeof lineIndex> | undefined): Array<string> => {
  const out: Array<string> = []
  if (!Number.isInteger(p.line) || p.line < 1) out.push(`${where}.line ${p.line} < 1`)
  if (!Number.isInteger(p.col) || p.col < 1) out.push(`${where}.col ${p.col} < 1`)
  if (!Number.isInteger(p.offset) || p.offset < 0 || p.offset > text.length) {
    out.push(`${where}.offset ${p.offset} outside [0, ${text.length}]`)
  }
  if (out.length > 0 || locate === undefined) return out
  const want = locate(p.offset)
  if (want.line === p.line && want.col === p.col) return out
  // An end just past a line terminator may also be written at the end of the line it closes
  // (Chevrotain's own endLine/endColumn convention for tokens that end in a line terminator).
  if (where === "end" && p.offset > 0 && isLineTerminator(text.charCodeAt(p.offset - 1))) {
    const before = locate(p.offset - 1)
    if (before.line === p.line && before.col + 1 === p.col) return out
  }
  out.push(`${where} ${p.line}:${p.col} (offset ${p.offset}) but the text puts offset ${p.offset} at ${want.line}:${want.col}`)
  return out
}

const spanProblems = (span: Span, sources: ReadonlyMap<string, string>, what: string): Array<string> => {
  if (span === undefined || span === null || typeof span !== "object") return [`${what}: no span`]
  if (span.file === "--set") return []
  const text = sources.get(span.file)
  if (text === undefined) return [`${what}: span names file ${JSON.stringify(span.file)} that is not among the sources`]
  const locate = cachedLineIndex(text)
  const out = [...positionProblems(span.start, "start", text, locate), ...positionProblems(span.end, "end", text, locate)]
  if (out.length === 0 && span.start.offset > span.end.offset) out.push(`start offset ${span.start.offset} > end offset ${span.end.offset}`)
  return out.map((p) => `${what}: ${p}`)
}

const diagnosticProblems = (d: Diagnostic, sources: ReadonlyMap<string, string>): Array<string> => {
  const tag = `${d.code} "${String(d.message).slice(0, 80)}"`
  const out: Array<string> = []
  if (d.severity !== "error" && d.severity !== "warning") out.push(`${tag}: severity ${JSON.stringify(d.severity)}`)
  if (typeof d.code !== "string" || !/^LRS\d{4}$/.test(d.code)) out.push(`${tag}: code ${JSON.stringify(d.code)}`)
  if (typeof d.message !== "string" || d.message === "") out.push(`${tag}: empty message`)
  out.push(...spanProblems(d.span, sources, tag))
  for (const [i, r] of (d.related ?? []).entries()) out.push(...spanProblems(r.span, sources, `${tag} related[${i}]`))
  return out
}

/** Everything wrong with one input, as short strings; empty when the input passes. */
const problems = (text: string, overrides?: ReadonlyArray<Override>): Array<string> => {
  const out: Array<string> = []
  const t0 = performance.now()
  try {
    const r = compile(text, { file: FILE, ...(overrides === undefined ? {} : { overrides }) })
    if (r.sources.get(FILE) !== text) out.push("compile: sources do not hold the input text")
    if (r.ir !== undefined && r.diagnostics.some((d) => d.severity === "error")) out.push("compile: ir beside errors")
    if (r.ir === undefined && !r.diagnostics.some((d) => d.severity === "error")) out.push("compile: no ir and no error")
    for (const d of r.diagnostics) out.push(...diagnosticProblems(d, r.sources).map((p) => `compile: ${p}`))
  } catch (e) {
    out.push(`compile threw ${describeError(e)}`)
  }
  try {
    const p = parseDocument(text, FILE)
    const sources = new Map([[FILE, text]])
    for (const d of p.diagnostics) out.push(...diagnosticProblems(d, sources).map((x) => `parseDocument: ${x}`))
  } catch (e) {
    out.push(`parseDocument threw ${describeError(e)}`)
  }
  const ms = performance.now() - t0
  if (ms > DEADLINE_MS) out.push(`took ${ms.toFixed(0)} ms (deadline ${DEADLINE_MS} ms)`)
  return out
}

const expressionProblems = (text: string): Array<string> => {
  try {
    const p = parseExpression(text, FILE)
    const sources = new Map([[FILE, text]])
    return p.diagnostics.flatMap((d) => diagnosticProblems(d, sources).map((x) => `parseExpression: ${x}`))
  } catch (e) {
    return [`parseExpression threw ${describeError(e)}`]
  }
}

const describeError = (e: unknown): string =>
  e instanceof Error ? `${e.name}: ${e.message.split("\n")[0]}` : JSON.stringify(e)

/** The first problem with its kind stripped of numbers, so minimisation keeps the same failure. */
const signature = (ps: ReadonlyArray<string>): string | undefined =>
  ps.length === 0 ? undefined : ps[0]!.replace(/\d+/g, "#").replace(/"[^"]*"/g, "\"\"").slice(0, 120)

/** Greedy chunk-removal minimiser (ddmin-lite), bounded in time; keeps the same failure signature. */
const minimise = (text: string, check: (t: string) => Array<string>, budgetMs = 3_000): string => {
  const want = signature(check(text))
  if (want === undefined) return text
  const stop = performance.now() + budgetMs
  let cur = text
  for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1; chunk = chunk === 1 ? 0 : Math.max(1, chunk >> 1)) {
    let i = 0
    while (i < cur.length && performance.now() < stop) {
      const candidate = cur.slice(0, i) + cur.slice(i + chunk)
      if (signature(check(candidate)) === want) cur = candidate
      else i += chunk
    }
    if (performance.now() >= stop) break
  }
  return cur
}

interface Failure {
  readonly name: string
  readonly problems: ReadonlyArray<string>
  readonly input: string
}

const render = (fs: ReadonlyArray<Failure>): string =>
  fs.map((f) => {
    const shown = f.input.length > 400 ? `${JSON.stringify(f.input.slice(0, 400))}... (${f.input.length} chars)` : JSON.stringify(f.input)
    return `${f.name}\n  input: ${shown}\n  ${f.problems.slice(0, 5).join("\n  ")}`
  }).join("\n\n")

/** Runs many small cases; on failure records a minimised input per distinct failure signature. */
const runMany = (cases: Iterable<{ readonly name: string; readonly text: string }>, check: (t: string) => Array<string> = problems) => {
  const failures: Array<Failure> = []
  const seen = new Set<string>()
  let count = 0
  for (const c of cases) {
    count++
    const ps = check(c.text)
    const sig = signature(ps)
    if (sig === undefined || seen.has(sig)) continue
    seen.add(sig)
    const small = minimise(c.text, check)
    failures.push({ name: c.name, problems: check(small).length > 0 ? check(small) : ps, input: small })
  }
  return { count, failures }
}

// ---------------------------------------------------------------------------------------------
// Generators.

const punctuation = ["then", "for", "->", "..", "{", "}", "[", "]", "(", ")", "\"", "=", ",", "%", ".", "-", "+", "*", "/", "<", ">=", "==", "!=", "//", "/*", "*/", "\n", "\r\n", "\r", "\t", " "]
const keywords = [
  "lrs", "lrs 1", "param", "experiment", "schedule", "evaluate", "log", "every", "on", "until", "in", "true", "false",
  "steps", "seed", "batch", "data", "model", "optimizer", "linear", "cosine", "constant", "adamw", "sgd", "mlp", "spirals",
  "lr", "peak", "0", "1", "1e-4", "3k", "2.5M", "7B", "5%", "100 steps", "1e999", "-0", ".5", "1.", "9999999999999999999999"
]

const tokenBoundaries = (text: string): Array<number> => {
  const out: Array<number> = [0]
  const re = /[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[kMB]?|"[^"\n]*"?|\/\/[^\n]*|\s+|->|\.\.|[^\s]/g
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m.index + m[0].length)
  return out
}

const mutate = (rng: Rng, text: string): string => {
  let t = text
  const rounds = 1 + rng.int(4)
  for (let r = 0; r < rounds; r++) {
    const len = t.length
    const at = rng.int(len + 1)
    const span = 1 + rng.int(Math.min(40, Math.max(1, len - at)))
    switch (rng.int(10)) {
      case 0: // delete a character range
        t = t.slice(0, at) + t.slice(at + span)
        break
      case 1: // insert punctuation / keywords
        t = t.slice(0, at) + (rng.chance(0.5) ? rng.pick(punctuation) : ` ${rng.pick(keywords)} `) + t.slice(at)
        break
      case 2: // duplicate a range
        t = t.slice(0, at + span) + t.slice(at, at + span) + t.slice(at + span)
        break
      case 3: { // swap two ranges
        const b = rng.int(len + 1)
        const [x, y] = at < b ? [at, b] : [b, at]
        const n = Math.min(span, y - x)
        t = t.slice(0, x) + t.slice(y, y + n) + t.slice(x + n, y) + t.slice(x, x + n) + t.slice(y + n)
        break
      }
      case 4: // truncate
        t = t.slice(0, at)
        break
      case 5: { // delete / duplicate / swap whole tokens
        const bs = tokenBoundaries(t)
        if (bs.length < 3) break
        const i = rng.int(bs.length - 1)
        const [s, e] = [bs[i]!, bs[i + 1]!]
        const op = rng.int(3)
        if (op === 0) t = t.slice(0, s) + t.slice(e)
        else if (op === 1) t = t.slice(0, e) + t.slice(s, e) + t.slice(e)
        else {
          const j = rng.int(bs.length - 1)
          const [s2, e2] = [bs[j]!, bs[j + 1]!]
          if (e <= s2) t = t.slice(0, s) + t.slice(s2, e2) + t.slice(e, s2) + t.slice(s, e) + t.slice(e2)
        }
        break
      }
      case 6: // replace a token with a keyword
      {
        const bs = tokenBoundaries(t)
        const i = rng.int(Math.max(1, bs.length - 1))
        t = t.slice(0, bs[i] ?? 0) + rng.pick(keywords) + t.slice(bs[i + 1] ?? t.length)
        break
      }
      case 7: // change line endings
        t = t.replace(/\r?\n/g, rng.pick(["\r\n", "\r", "\n\r", "\n"]))
        break
      case 8: // insert an odd character
        t = t.slice(0, at) + rng.pick(["\u0000", "\uFFFD", "\uD800", "\uDC00", "\u00e9", "\u2028", "\u2029", "\u00a0", "\uFEFF", "😀", "#", "@", "$", "\\", "'", "`", "~", "^", "&", "|", "!", "?", ";", ":"]) + t.slice(at)
        break
      default: // splice in a piece of another corpus file
      {
        const other = rng.pick(corpus).text
        const s = rng.int(other.length + 1)
        t = t.slice(0, at) + other.slice(s, s + 1 + rng.int(80)) + t.slice(at)
      }
    }
  }
  return t
}

function* mutations(n: number, seed: number) {
  const rng = makeRng(seed)
  for (let i = 0; i < n; i++) {
    const base = rng.pick(corpus)
    yield { name: `mutation #${i} of ${base.name} (seed ${seed})`, text: mutate(rng, base.text) }
  }
}

const randomBytes = (rng: Rng, n: number): Uint8Array => {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    // Bias toward ASCII the lexer knows, with a tail of arbitrary bytes (invalid UTF-8 included).
    b[i] = rng.chance(0.6) ? 0x20 + rng.int(0x5f) : rng.chance(0.3) ? rng.pick([0x0a, 0x0d, 0x09, 0x00, 0x22]) : rng.int(256)
  }
  return b
}

const rawString = (rng: Rng, n: number): string => {
  const parts = ["\u0000", "\uD800", "\uDFFF", "\uD83D\uDE00", "\r\n", "\r", "\n", "\t", "\v", "\f", "\u2028", "\uFEFF", "\"", "/*", "*/", "//", "{", "}", "(", ")", "[", "]", "=", "->", "..", "then", "for", "lrs 1\n", "experiment e {", "param p = ", "x", "1", " "]
  let s = ""
  while (s.length < n) s += rng.pick(parts)
  return s
}

// ---------------------------------------------------------------------------------------------

const quickstart = corpus.find((c) => c.name === "examples/quickstart.lrs")?.text ?? "lrs 1\nexperiment e { steps = 1 }\n"

describe("fuzz: compile / parseDocument never throw and report well-formed diagnostics", () => {
  it("the corpus itself", () => {
    expect(corpus.length).toBeGreaterThan(5)
    const { failures } = runMany(corpus.map((c) => ({ name: c.name, text: c.text })))
    expect(render(failures)).toBe("")
  })

  it("2,000 mutations of the corpus", () => {
    const { count, failures } = runMany(mutations(2_000, SEED))
    expect(count).toBe(2_000)
    expect(render(failures)).toBe("")
  })

  it("the corpus with CRLF, lone-CR and mixed line endings, tabs and a BOM", () => {
    const cases = corpus.flatMap((c) => [
      { name: `${c.name} CRLF`, text: c.text.replace(/\n/g, "\r\n") },
      { name: `${c.name} CR`, text: c.text.replace(/\n/g, "\r") },
      { name: `${c.name} LFCR`, text: c.text.replace(/\n/g, "\n\r") },
      { name: `${c.name} tabs`, text: c.text.replace(/ {2}/g, "\t").replace(/ = /g, "\t=\t") },
      { name: `${c.name} BOM`, text: "\uFEFF" + c.text }
    ])
    const { failures } = runMany(cases)
    expect(render(failures)).toBe("")
  })

  it("random bytes decoded as UTF-8, and raw strings with NULs, lone surrogates, CR/CRLF and tabs", () => {
    const rng = makeRng(SEED ^ 0x5bd1e995)
    const decoder = new TextDecoder("utf-8") // invalid sequences become U+FFFD
    const cases: Array<{ name: string; text: string }> = []
    for (let i = 0; i < 300; i++) cases.push({ name: `random bytes #${i}`, text: decoder.decode(randomBytes(rng, 1 + rng.int(400))) })
    for (let i = 0; i < 300; i++) cases.push({ name: `raw string #${i}`, text: rawString(rng, 1 + rng.int(300)) })
    for (let i = 0; i < 200; i++) cases.push({ name: `raw string after header #${i}`, text: "lrs 1\n" + rawString(rng, 1 + rng.int(200)) })
    const { failures } = runMany(cases)
    expect(render(failures)).toBe("")
  })

  it("unterminated strings and block comments", () => {
    const cases = [
      "\"",
      "lrs 1\n\"",
      "lrs 1\nexperiment e { data = \"abc }\n",
      "lrs 1\nexperiment e { data = \"abc\r\n}\n",
      "lrs 1\nexperiment e { data = \"abc\r}\r",
      "lrs 1\r\"abc\rdef\rghi",
      "lrs 1\nexperiment e { data = \"a\\",
      "lrs 1\nexperiment e { data = \"a\\\"",
      "lrs 1\nparam p = \"\u0000\uD800",
      "/*",
      "lrs 1\n/* never closed\nexperiment e { steps = 1 }\n",
      "lrs 1\nexperiment e { /* open\r\n steps = 1 }",
      "lrs 1\nexperiment e { steps = 1 } /*/",
      "lrs 1\n/* /* nested */ */ experiment e { steps = 1 }",
      "lrs 1\nparam p = 1 // comment without newline",
      "lrs 1\nparam p = 1 // comment with CR only\rparam q = 2\r",
      quickstart.replace("cosine", "\"cosine"),
      quickstart.replace("relu", "relu /*"),
      quickstart.slice(0, quickstart.indexOf("peak")) + "\"" + quickstart.slice(quickstart.indexOf("peak")).replace(/\n/g, "\r")
    ]
    const { failures } = runMany(cases.map((text, i) => ({ name: `unterminated #${i}`, text })))
    expect(render(failures)).toBe("")
  })

  it("overrides: random --set names and values", () => {
    const rng = makeRng(SEED ^ 0x2545f491)
    const names = ["peak", "seed", "steps", "batch", "lr", "schedule", "optimizer", "", "1x", "a b", "data", "model", "nope"]
    const cases: Array<{ name: string; text: string; overrides: Array<Override> }> = []
    for (let i = 0; i < 200; i++) {
      const overrides = Array.from({ length: 1 + rng.int(3) }, () => ({
        name: rng.pick(names),
        value: rng.chance(0.5) ? rawString(rng, rng.int(30)) : mutate(rng, rng.pick(["7", "1e-3", "linear(0 -> 1)", "adamw(lr = 1)", "[1, 2]", "\"x\""]))
      }))
      cases.push({ name: `overrides #${i}: ${JSON.stringify(overrides)}`, text: quickstart, overrides })
    }
    const failures: Array<Failure> = []
    for (const c of cases) {
      const ps = problems(c.text, c.overrides)
      if (ps.length > 0) failures.push({ name: c.name, problems: ps, input: c.text })
    }
    expect(render(failures.slice(0, 5))).toBe("")
  })

  it("parseExpression on mutated expressions", () => {
    const rng = makeRng(SEED ^ 0x9e3779b9)
    const exprs = ["linear(0 -> peak) for 5% then cosine(peak -> peak / 100)", "[1, 2, 3]", "{ a = 1, b = 2 }", "-(-1)", "a.b.c(x = 1, 2,)", "1 .. 2", "3k steps"]
    const cases = Array.from({ length: 300 }, (_, i) => ({ name: `expression #${i}`, text: mutate(rng, rng.pick(exprs)) }))
    const { failures } = runMany(cases, expressionProblems)
    expect(render(failures)).toBe("")
  })
})

/**
 * The 5 MB cases run in a child process so that one that blows the deadline (or the heap) is
 * killed instead of hanging the suite. The child times `compile` + `parseDocument`, and sends
 * the diagnostics back for the same checks as every other input.
 */
/**
 * A 5 MB spec takes about 4 s to compile on 2 cores (1.3M tokens; most of it allocation and GC),
 * so these cases check "no hang" with a wider bound; parse speed is tracked by `pnpm bench`.
 */
const BIG_DEADLINE_MS = 30_000
const CHILD_KILL_MS = BIG_DEADLINE_MS + 5_000
const childScript = `
import { readFileSync } from "node:fs"
const { compile } = await import(${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)})
const text = readFileSync(process.argv[1], "utf8")
const slim = (d) => ({ code: d.code, severity: d.severity, message: d.message, span: d.span, related: d.related })
const t0 = performance.now()
const out = { ms: 0, threw: undefined, compile: [] }
try { out.compile = compile(text, { file: ${JSON.stringify(FILE)} }).diagnostics.map(slim) } catch (e) { out.threw = "compile threw " + e.name + ": " + String(e.message).split("\\n")[0] }
out.ms = performance.now() - t0
process.stdout.write(JSON.stringify(out))
`

const bigProblems = (text: string): Array<string> => {
  const dir = mkdtempSync(join(tmpdir(), "lrs-fuzz-"))
  try {
    const file = join(dir, "input.lrs")
    writeFileSync(file, text)
    const t0 = performance.now()
    const r = spawnSync(process.execPath, ["--input-type=module", "--no-warnings", "-e", childScript, file], {
      encoding: "utf8",
      timeout: CHILD_KILL_MS,
      maxBuffer: 1 << 30
    })
    const wall = performance.now() - t0
    if (r.error !== undefined || r.status !== 0) {
      const why = r.signal !== null ? `killed (${r.signal}) after ${wall.toFixed(0)} ms` : `exited ${r.status}`
      return [`did not finish: ${why}; deadline ${BIG_DEADLINE_MS} ms; stderr: ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}`]
    }
    const out = JSON.parse(r.stdout) as { ms: number; threw?: string; compile: Array<Diagnostic> }
    const sources = new Map([[FILE, text]])
    const ps: Array<string> = []
    if (out.threw !== undefined) ps.push(out.threw)
    if (out.ms > BIG_DEADLINE_MS) ps.push(`compile took ${out.ms.toFixed(0)} ms (deadline ${BIG_DEADLINE_MS} ms)`)
    const seen = new Set<string>()
    for (const [phase, ds] of [["compile", out.compile]] as const) {
      for (const d of ds) {
        for (const p of diagnosticProblems(d, sources)) {
          const sig = `${phase}: ${signature([p])}`
          if (!seen.has(sig)) { seen.add(sig); ps.push(`${phase}: ${p}`) }
        }
      }
    }
    return ps
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const expectBigClean = (name: string, text: string) => {
  const ps = bigProblems(text)
  if (ps.length > 0) expect.fail(`${name} (${text.length} chars)\n  ${ps.slice(0, 6).join("\n  ")}`)
}

describe("fuzz: deep nesting and long chains (a stack overflow is a failure)", () => {
  const N = 10_000
  const wrap = (value: string) => `lrs 1\nexperiment e {\n  steps = 100\n  data = spirals\n  model = mlp\n  optimizer = sgd(lr = 0.1)\n  schedule s = ${value}\n}\n`
  const deep: ReadonlyArray<readonly [string, string]> = [
    [`${N}-deep ( ... ) balanced`, wrap("(".repeat(N) + "1" + ")".repeat(N))],
    [`${N}-deep ( unclosed`, wrap("(".repeat(N) + "1")],
    [`${N}-deep [ ... ] balanced`, wrap("[".repeat(N) + "1" + "]".repeat(N))],
    [`${N}-deep [ unclosed`, wrap("[".repeat(N))],
    [`${N}-deep { a = { a = ... } } records`, wrap("{ a = ".repeat(N) + "1" + " }".repeat(N))],
    [`${N}-deep { unclosed`, "lrs 1\n" + "{".repeat(N)],
    [`${N}-deep nested blocks  b b { b b { ... } }`, "lrs 1\n" + "b b { ".repeat(N) + "}".repeat(N)],
    [`${N}-deep unary minus`, wrap("-".repeat(N) + "1")],
    [`${N}-deep unary minus, spaced`, wrap("- ".repeat(N) + "1")],
    [`${N}-term a + a + ... chain`, wrap(Array(N).fill("a").join(" + "))],
    [`${N}-term 1 + 1 + ... chain`, wrap(Array(N).fill("1").join(" + "))],
    [`${N}-term a * a * ... chain`, wrap(Array(N).fill("a").join(" * "))],
    [`${N}-segment then chain`, wrap(Array(N).fill("constant(1) for 1 steps").join(" then "))],
    [`${N}-segment then chain of bare numbers`, wrap(Array(N).fill("1").join(" then "))],
    [`${N}-segment a.b.c... path`, wrap(Array(N).fill("a").join("."))],
    [`${N}-argument call`, wrap(`linear(${Array(N).fill("1").join(", ")})`)],
    [`${N}-element list`, wrap(`[${Array(N).fill("1").join(", ")}]`)]
  ]
  // In a child process: a fresh main thread has the stack the CLI has, and a slow case is killed.
  for (const [name, text] of deep) it(name, () => expectBigClean(name, text))
})

describe("fuzz: ~5 MB inputs (each in a child process, killed past the deadline)", () => {
  it("5 MB of repeated valid members inside one experiment", () => {
    const head = "lrs 1\nparam peak = 1e-2\nexperiment big {\n  seed = 7\n  steps = 3000\n  batch = 128\n  data = spirals\n  model = mlp(hidden = [128, 128], activation = relu)\n  optimizer = adamw(lr = lr, weight_decay = 1e-4)\n  schedule lr = linear(0 -> peak) for 5% then cosine(peak -> peak / 100)\n"
    const lines: Array<string> = []
    let size = head.length
    for (let i = 0; size < 5_000_000; i++) {
      const line = `  schedule s${i} = linear(0 -> peak) for 5% then cosine(peak -> peak / ${i + 2})\n`
      lines.push(line)
      size += line.length
    }
    const text = head + lines.join("") + "}\n"
    expect(text.length).toBeGreaterThan(5_000_000)
    expectBigClean("5 MB of distinct schedules in one experiment", text)
  })

  it("5 MB of one member repeated (duplicates are diagnosed)", () => {
    const head = "lrs 1\nexperiment big {\n  steps = 100\n  data = spirals\n  model = mlp\n  optimizer = sgd(lr = 0.1)\n"
    const member = "  log every 10 steps\n  evaluate every 50 steps on test [accuracy, loss]\n"
    expectBigClean("5 MB of repeated members", head + member.repeat(Math.ceil(5_000_000 / member.length)) + "}\n")
  })

  it("5 MB of garbage", () => {
    const rng = makeRng(SEED ^ 0xdeadbeef)
    const chunks: Array<string> = []
    let size = 0
    while (size < 5_000_000) {
      const c = rawString(rng, 64 + rng.int(64))
      chunks.push(c)
      size += c.length
    }
    expectBigClean("5 MB of garbage", chunks.join(""))
  })

  it("5 MB of garbage without quotes or control characters", () => {
    const rng = makeRng(SEED ^ 0xfeedface)
    const parts = ["{", "}", "(", ")", "[", "]", "=", "->", "..", ",", "then", "for", "experiment e {", "param p = ", "x", "1", "5%", " ", "\n", "@"]
    const chunks: Array<string> = []
    for (let size = 0; size < 5_000_000;) {
      const c = rng.pick(parts)
      chunks.push(c)
      size += c.length
    }
    expectBigClean("5 MB of quote-free garbage", "lrs 1\n" + chunks.join(""))
  })
})
