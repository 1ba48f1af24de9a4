/**
 * The parts of the Language Server Protocol (3.17) this server speaks, written out by hand so the
 * CLI needs no LSP library. Positions are 0-based and count UTF-16 code units, the protocol's
 * default encoding, which is also how the compiler's columns count (they index JavaScript strings).
 */

export interface Position {
  readonly line: number
  readonly character: number
}

export interface Range {
  readonly start: Position
  readonly end: Position
}

export interface Location {
  readonly uri: string
  readonly range: Range
}

/** A definition target with the whole declaration and the part to select (its name). */
export interface LocationLink {
  readonly originSelectionRange?: Range
  readonly targetUri: string
  readonly targetRange: Range
  readonly targetSelectionRange: Range
}

export interface TextEdit {
  readonly range: Range
  readonly newText: string
}

export interface Diagnostic {
  readonly range: Range
  readonly severity: number
  readonly code: string
  readonly source: "lrs"
  readonly message: string
  readonly tags?: ReadonlyArray<number>
  readonly relatedInformation?: ReadonlyArray<{ readonly location: Location; readonly message: string }>
}

export interface CompletionItem {
  readonly label: string
  readonly kind: number
  readonly detail?: string
  readonly documentation?: string
  readonly insertText?: string
  readonly insertTextFormat?: number
  readonly sortText?: string
}

export interface Hover {
  readonly contents: { readonly kind: "markdown"; readonly value: string }
  readonly range?: Range
}

export const DiagnosticSeverity = { error: 1, warning: 2 } as const
export const DiagnosticTag = { unnecessary: 1 } as const
export const TextDocumentSyncKind = { full: 1 } as const
export const InsertTextFormat = { plainText: 1, snippet: 2 } as const
export const CompletionItemKind = { function: 3, field: 5, variable: 6, value: 12, keyword: 14 } as const

/** JSON-RPC and LSP error codes a response can carry. */
export const ErrorCodes = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  serverNotInitialized: -32002
} as const

/** A request handler throws this to answer with a JSON-RPC error instead of a result. */
export class ResponseError extends Error {
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

/** What every text document request names: the document and a place in it. */
export interface TextDocumentPositionParams {
  readonly textDocument: { readonly uri: string }
  readonly position: Position
}
