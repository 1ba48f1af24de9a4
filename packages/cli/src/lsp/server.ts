import type { Readable, Writable } from "node:stream"
import { type Analysis, analyse, dependsOn } from "./analysis.ts"
import { completion } from "./completion.ts"
import { definition } from "./definition.ts"
import { toLspDiagnostics } from "./diagnostics.ts"
import { type ContentChange, Documents, type OpenDocument } from "./documents.ts"
import { formatting } from "./formatting.ts"
import { hover } from "./hover.ts"
import { ErrorCodes, ResponseError, type TextDocumentPositionParams, TextDocumentSyncKind } from "./protocol.ts"
import { connect, type Message } from "./rpc.ts"

/** What the client said it can take, read from `initialize`. */
interface ClientSupport {
  readonly snippets: boolean
  readonly definitionLinks: boolean
}

/**
 * The language server: the protocol's lifecycle and document sync around the compiler. Each
 * request is answered by its own module (hover, definition, completion, formatting); diagnostics
 * come from the compile `lrs check` runs, redone when a document or one it imports changes.
 * Resolves with the exit code once the client says `exit` (0 after `shutdown`, 1 without, as the
 * protocol asks) or closes the input.
 */
export const serve = (input: Readable, output: Writable, log: (line: string) => void): Promise<number> =>
  new Promise((resolve) => {
    const documents = new Documents()
    const analyses = new Map<string, Analysis>()
    let initialized = false
    let shuttingDown = false
    let support: ClientSupport = { snippets: false, definitionLinks: false }

    const finish = () => {
      connection.close()
      resolve(shuttingDown ? 0 : 1)
    }

    const publish = (doc: OpenDocument) => {
      const analysis = analysed(doc)
      const diagnostics = toLspDiagnostics(analysis, doc.path, documents.host, (p) => documents.uriOf(p))
      connection.send({ jsonrpc: "2.0", method: "textDocument/publishDiagnostics", params: { uri: doc.uri, version: doc.version, diagnostics } })
    }

    /** The analysis of this version of the document, compiled when it is not the cached one. */
    const analysed = (doc: OpenDocument): Analysis => {
      const cached = analyses.get(doc.uri)
      if (cached !== undefined && cached.version === doc.version && cached.text === doc.text) return cached
      const fresh = analyse(doc, documents.host)
      analyses.set(doc.uri, fresh)
      return fresh
    }

    /** A document changed (or closed): check it, and every open document that read it as an import. */
    const changed = (path: string, doc: OpenDocument | undefined) => {
      if (doc !== undefined) publish(doc)
      for (const other of documents.all()) {
        if (other.uri === doc?.uri) continue
        const before = analyses.get(other.uri)
        if (before === undefined || !dependsOn(before, path)) continue
        // Opening an import unchanged from the disk copy it was read from changes nothing for its importers.
        if (doc !== undefined && before.result.sources.get(path) === doc.text) continue
        analyses.delete(other.uri)
        publish(other)
      }
    }

    const open = (params: unknown): OpenDocument => {
      const uri = (params as Partial<TextDocumentPositionParams> | undefined)?.textDocument?.uri
      const doc = uri === undefined ? undefined : documents.get(uri)
      if (doc === undefined) throw new ResponseError(ErrorCodes.invalidParams, `not an open document: ${String(uri)}`)
      return doc
    }

    const requests: Readonly<Record<string, (params: any) => unknown>> = {
      initialize: (params) => {
        initialized = true
        const text = params?.capabilities?.textDocument
        support = {
          snippets: text?.completion?.completionItem?.snippetSupport === true,
          definitionLinks: text?.definition?.linkSupport === true
        }
        return {
          capabilities: {
            textDocumentSync: { openClose: true, change: TextDocumentSyncKind.full },
            hoverProvider: true,
            definitionProvider: true,
            completionProvider: { triggerCharacters: ["."] },
            documentFormattingProvider: true
          },
          serverInfo: { name: "lrs" }
        }
      },
      shutdown: () => {
        shuttingDown = true
        return null
      },
      "textDocument/hover": (p: TextDocumentPositionParams) => {
        const doc = open(p)
        return hover(doc, analysed(doc), documents.host, p.position)
      },
      "textDocument/definition": (p: TextDocumentPositionParams) =>
        definition(open(p), documents.host, p.position, (path) => documents.uriOf(path), support.definitionLinks),
      "textDocument/completion": (p: TextDocumentPositionParams) => completion(open(p), documents.host, p.position, support.snippets),
      "textDocument/formatting": (p) => formatting(open(p))
    }

    const notifications: Readonly<Record<string, (params: any) => void>> = {
      exit: () => finish(),
      "textDocument/didOpen": (p: { textDocument: { uri: string; version: number; text: string } }) => {
        const doc = documents.open(p.textDocument.uri, p.textDocument.version, p.textDocument.text)
        changed(doc.path, doc)
      },
      "textDocument/didChange": (p: { textDocument: { uri: string; version: number }; contentChanges: ReadonlyArray<ContentChange> }) => {
        const doc = documents.change(p.textDocument.uri, p.textDocument.version, p.contentChanges)
        if (doc !== undefined) changed(doc.path, doc)
      },
      "textDocument/didClose": (p: { textDocument: { uri: string } }) => {
        const doc = documents.get(p.textDocument.uri)
        documents.close(p.textDocument.uri)
        analyses.delete(p.textDocument.uri)
        if (doc === undefined) return
        // Its problems leave with it; importers now read the file from disk again.
        connection.send({ jsonrpc: "2.0", method: "textDocument/publishDiagnostics", params: { uri: doc.uri, diagnostics: [] } })
        changed(doc.path, undefined)
      }
    }

    const answer = (id: Message["id"], f: () => unknown) => {
      try {
        connection.send({ jsonrpc: "2.0", id: id ?? null, result: f() ?? null })
      } catch (e) {
        if (!(e instanceof ResponseError)) log(`internal error: ${(e as Error).stack ?? String(e)}`)
        const code = e instanceof ResponseError ? e.code : ErrorCodes.internalError
        connection.send({ jsonrpc: "2.0", id: id ?? null, error: { code, message: (e as Error).message } })
      }
    }

    const onMessage = (m: Message | Error) => {
      if (m instanceof Error) {
        log(m.message)
        connection.send({ jsonrpc: "2.0", id: null, error: { code: ErrorCodes.parseError, message: m.message } })
        return
      }
      if (m.method === undefined) return // a response to a request this server never sends
      const isRequest = m.id !== undefined
      if (!isRequest) {
        // Before `initialize` only `exit` counts; `$/` notifications (progress, cancellation) are optional.
        if (!initialized && m.method !== "exit") return
        try {
          notifications[m.method]?.(m.params)
        } catch (e) {
          log(`internal error in ${m.method}: ${(e as Error).stack ?? String(e)}`)
        }
        return
      }
      answer(m.id, () => {
        if (!initialized && m.method !== "initialize") throw new ResponseError(ErrorCodes.serverNotInitialized, "the server has not been initialized")
        if (shuttingDown) throw new ResponseError(ErrorCodes.invalidRequest, "the server is shutting down")
        const handler = requests[m.method!]
        if (handler === undefined) throw new ResponseError(ErrorCodes.methodNotFound, `unsupported method ${m.method}`)
        return handler(m.params)
      })
    }

    const connection = connect(input, output, onMessage, finish)
  })
