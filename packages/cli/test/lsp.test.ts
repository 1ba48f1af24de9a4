import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"

/**
 * `lrs lsp` in a subprocess, driven as an editor drives it: JSON-RPC messages with Content-Length
 * headers over its stdin and stdout. One server for the whole file (start-up is most of the time);
 * the tests run in order and share its open documents.
 */
const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")

interface Message {
  readonly id?: number
  readonly method?: string
  readonly params?: any
  readonly result?: any
  readonly error?: { code: number; message: string }
}

/** A minimal client, framing written here independently of the server's so a shared bug cannot hide. */
class Client {
  private buffer = Buffer.alloc(0)
  private nextId = 1
  private readonly pending = new Map<number, (m: Message) => void>()
  private readonly notifications: Array<Message> = []
  private waiters: Array<() => void> = []
  readonly exited: Promise<number | null>
  stderr = ""

  readonly proc: ChildProcessWithoutNullStreams

  constructor(proc: ChildProcessWithoutNullStreams) {
    this.proc = proc
    proc.stdout.on("data", (chunk: Buffer) => this.read(chunk))
    proc.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")))
    this.exited = new Promise((resolve) => proc.on("exit", (code) => resolve(code)))
    // A server that dies fails what waits on it at once, with its stderr, instead of at the timeout.
    proc.on("exit", (code) => {
      this.gone = `lrs lsp exited with ${code}: ${this.stderr}${this.buffer.toString("utf8")}`
      for (const answer of this.pending.values()) answer({ error: { code: -1, message: this.gone } })
      for (const w of this.waiters) w()
    })
  }

  private gone: string | undefined

  private read(chunk: Buffer) {
    this.buffer = Buffer.concat([this.buffer, chunk])
    for (;;) {
      const end = this.buffer.indexOf("\r\n\r\n")
      if (end < 0) return
      const length = Number(/Content-Length: (\d+)/.exec(this.buffer.subarray(0, end).toString("ascii"))![1])
      if (this.buffer.length < end + 4 + length) return
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString("utf8")) as Message
      this.buffer = this.buffer.subarray(end + 4 + length)
      if (message.id !== undefined && message.method === undefined) this.pending.get(message.id)?.(message)
      else {
        this.notifications.push(message)
        for (const w of this.waiters) w()
      }
    }
  }

  private send(message: object) {
    const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...message }), "utf8")
    this.proc.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]))
  }

  request(method: string, params: unknown): Promise<Message> {
    const id = this.nextId++
    return new Promise((resolve) => {
      if (this.gone !== undefined) return resolve({ error: { code: -1, message: this.gone } })
      this.pending.set(id, resolve)
      this.send({ id, method, params })
    })
  }

  notify(method: string, params: unknown) {
    this.send({ method, params })
  }

  /** The first notification (oldest first, each taken once) that matches. */
  next(method: string, match: (params: any) => boolean = () => true): Promise<any> {
    return new Promise((resolve, reject) => {
      const look = () => {
        const i = this.notifications.findIndex((n) => n.method === method && match(n.params))
        if (i < 0 && this.gone !== undefined) reject(new Error(this.gone))
        if (i < 0) return false
        const [found] = this.notifications.splice(i, 1)
        this.waiters = this.waiters.filter((w) => w !== check)
        resolve(found!.params)
        return true
      }
      const check = () => void look()
      if (!look()) this.waiters.push(check)
    })
  }
}

const dir = mkdtempSync(join(tmpdir(), "lrs-lsp-"))
const specPath = join(dir, "spec.lrs")
const commonPath = join(dir, "common.lrs")
const specUri = pathToFileURL(specPath).href
const commonUri = pathToFileURL(commonPath).href

const common = "lrs 1\nparam floor = 1e-3\n"
// Line 6 (0-based 5) misspells `seed`: LRS1003 at `sed`.
const broken = `lrs 1
import "./common.lrs" as common
param peak = 1e-2

experiment e {
  sed = 1
  steps = 1000
  data = spirals()
  model = mlp()
  optimizer = adamw(lr = lr)

  schedule lr = linear(0 -> peak) for 10% then cosine(peak -> common.floor)
}
`
const fixed = broken.replace("  sed = 1", "  seed = 1")
const lines = fixed.split("\n")
/** The 0-based position of the `nth` occurrence of `word` on `line`. */
const at = (line: number, word: string, nth = 0) => {
  let character = -1
  for (let i = 0; i <= nth; i++) character = lines[line]!.indexOf(word, character + 1)
  return { line, character }
}

let client: Client

beforeAll(async () => {
  writeFileSync(specPath, fixed)
  writeFileSync(commonPath, common)
  client = new Client(spawn(process.execPath, [bin, "lsp"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } }))
})

afterAll(() => {
  client.proc.kill()
})

describe("lrs lsp", () => {
  it("answers initialize with its capabilities", async () => {
    const r = await client.request("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} })
    expect(r.error).toBeUndefined()
    expect(r.result.capabilities).toMatchObject({
      textDocumentSync: { openClose: true, change: 1 },
      hoverProvider: true,
      definitionProvider: true,
      completionProvider: {},
      documentFormattingProvider: true
    })
    client.notify("initialized", {})
  })

  it("publishes the compiler's diagnostics for an opened document, with 0-based ranges", async () => {
    client.notify("textDocument/didOpen", { textDocument: { uri: specUri, languageId: "lrs", version: 1, text: broken } })
    const published = await client.next("textDocument/publishDiagnostics", (p) => p.uri === specUri)
    expect(published.diagnostics).toEqual([
      {
        range: { start: { line: 5, character: 2 }, end: { line: 5, character: 5 } },
        severity: 1,
        code: "LRS1003",
        source: "lrs",
        message: expect.stringMatching(/^experiment `e` has no field `sed`\n(note: .*\n)*help: the closest field is `seed`$/)
      }
    ])
  })

  it("clears them when a change fixes the document", async () => {
    client.notify("textDocument/didChange", { textDocument: { uri: specUri, version: 2 }, contentChanges: [{ text: fixed }] })
    const published = await client.next("textDocument/publishDiagnostics", (p) => p.uri === specUri)
    expect(published).toMatchObject({ uri: specUri, version: 2, diagnostics: [] })
  })

  it("shows a problem in an open import on the importer's import line, and updates both", async () => {
    client.notify("textDocument/didOpen", { textDocument: { uri: commonUri, languageId: "lrs", version: 1, text: common } })
    // A file of params alone is meant to be imported: no complaint that it lacks an experiment.
    expect((await client.next("textDocument/publishDiagnostics", (p) => p.uri === commonUri)).diagnostics).toEqual([])
    client.notify("textDocument/didChange", { textDocument: { uri: commonUri, version: 2 }, contentChanges: [{ text: "lrs 1\nparam floor = 1e-3 *\n" }] })
    const own = await client.next("textDocument/publishDiagnostics", (p) => p.uri === commonUri)
    expect(own.diagnostics.map((d: any) => d.code)).toContain("LRS0100")
    const importer = await client.next("textDocument/publishDiagnostics", (p) => p.uri === specUri)
    expect(importer.diagnostics).toHaveLength(1)
    expect(importer.diagnostics[0]).toMatchObject({ code: "LRS0100", range: { start: { line: 1, character: 0 } } })
    expect(importer.diagnostics[0].message).toMatch(/^in .*common\.lrs:\d+:\d+: expected a value/)
    expect(importer.diagnostics[0].relatedInformation[0].location.uri).toBe(commonUri)
    client.notify("textDocument/didClose", { textDocument: { uri: commonUri } })
    expect((await client.next("textDocument/publishDiagnostics", (p) => p.uri === commonUri)).diagnostics).toEqual([])
    // Closed, the import is read from disk again, where it is fine.
    expect((await client.next("textDocument/publishDiagnostics", (p) => p.uri === specUri)).diagnostics).toEqual([])
  })

  it("hovers a schedule with its resolved formula and a sparkline of its values over the run", async () => {
    const r = await client.request("textDocument/hover", { textDocument: { uri: specUri }, position: at(11, "lr") })
    const text: string = r.result.contents.value
    expect(r.result.contents.kind).toBe("markdown")
    expect(text).toContain("linear(0 -> 0.01) for 100 steps then cosine(0.01 -> 0.001)")
    expect(text).toContain("over 1000 steps")
    // 40 bars rising through the warmup to the top, then falling.
    const bars = /`([▁▂▃▄▅▆▇█]{40})`/.exec(text)![1]!
    expect(bars.startsWith("▁")).toBe(true)
    expect(bars).toContain("█")
    expect(r.result.range).toEqual({ start: at(11, "lr"), end: { line: 11, character: at(11, "lr").character + 2 } })
  })

  it("hovers a call of a schedule constructor with what it compiled to, over its own segment", async () => {
    const r = await client.request("textDocument/hover", { textDocument: { uri: specUri }, position: at(11, "cosine") })
    expect(r.result.contents.value).toContain("cosine(0.01 -> 0.001)")
    expect(r.result.contents.value).toContain("over 900 steps")
  })

  it("hovers a param with its value, an imported one too", async () => {
    const peak = await client.request("textDocument/hover", { textDocument: { uri: specUri }, position: at(11, "peak") })
    expect(peak.result.contents.value).toContain("**param** `peak` = `0.01`")
    const floor = await client.request("textDocument/hover", { textDocument: { uri: specUri }, position: at(11, "floor") })
    expect(floor.result.contents.value).toContain("**param** `floor` = `0.001`")
  })

  it("goes from a param's use to its declaration, across an import too", async () => {
    const local = await client.request("textDocument/definition", { textDocument: { uri: specUri }, position: at(11, "peak", 1) })
    expect(local.result).toEqual([{ uri: specUri, range: { start: { line: 2, character: 0 }, end: { line: 2, character: 17 } } }])
    const imported = await client.request("textDocument/definition", { textDocument: { uri: specUri }, position: at(11, "floor") })
    expect(imported.result).toEqual([{ uri: commonUri, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 18 } } }])
    const schedule = await client.request("textDocument/definition", { textDocument: { uri: specUri }, position: at(9, "lr", 1) })
    expect(schedule.result[0].range.start).toEqual({ line: 11, character: 2 })
    const file = await client.request("textDocument/definition", { textDocument: { uri: specUri }, position: at(1, "common") })
    expect(file.result).toEqual([{ uri: commonUri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }])
  })

  it("completes fields and constructors at the start of a line inside an experiment", async () => {
    const r = await client.request("textDocument/completion", { textDocument: { uri: specUri }, position: { line: 10, character: 0 } })
    const labels = (r.result as Array<{ label: string }>).map((i) => i.label)
    for (const label of ["optimizer", "cosine", "warmup", "schedule", "evaluate", "peak", "common.floor", "test.accuracy"]) expect(labels).toContain(label)
    const cosine = r.result.find((i: any) => i.label === "cosine")
    expect(cosine.detail).toMatch(/^cosine\(from, to, exponent/)
    // The rl and stream blocks' fields and the rl block's constructors, with their parameters.
    for (const label of ["rl", "stream", "length_limit", "group_size", "replay", "grpo", "cures", "train.return"]) expect(labels).toContain(label)
    expect(r.result.find((i: any) => i.label === "grpo").detail).toMatch(/^grpo\(epochs, minibatches, clip, .*entropy_low, entropy_high/)
    expect(r.result.find((i: any) => i.label === "cures").detail).toBe("cures(temperature, allocation, rollouts)")
  })

  it("formats a document exactly as lrs fmt does, and leaves one with syntax errors alone", async () => {
    const messy = "lrs 1\nparam  peak=1e-2 // top\nexperiment e{seed=1\n  steps  =  10\n data=spirals()  model = mlp() optimizer=adamw(lr=peak)}\n"
    const messyPath = join(dir, "messy.lrs")
    writeFileSync(messyPath, messy)
    const uri = pathToFileURL(messyPath).href
    client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "lrs", version: 1, text: messy } })
    const r = await client.request("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })
    const fmt = spawnSync(process.execPath, [bin, "fmt", "messy.lrs"], { cwd: dir, encoding: "utf8" })
    expect(fmt.status).toBe(0)
    const lastLine = messy.split("\n").length - 1
    expect(r.result).toEqual([{ range: { start: { line: 0, character: 0 }, end: { line: lastLine, character: 0 } }, newText: readFileSync(messyPath, "utf8") }])

    client.notify("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: "lrs 1\nexperiment e {\n  seed = \n" }] })
    const broken = await client.request("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })
    expect(broken.result).toEqual([])
  })

  it("shuts down and exits 0", async () => {
    const r = await client.request("shutdown", null)
    expect(r).toMatchObject({ result: null })
    client.notify("exit", null)
    expect(await client.exited).toBe(0)
    expect(client.stderr).toBe("")
  })
})
