import type { SourceHost } from "@lrs/compiler"
import { readFileSync } from "node:fs"
import { fileURLToPath, pathToFileURL } from "node:url"
import { offsetAt } from "./positions.ts"
import type { Range } from "./protocol.ts"

/** A document the editor has open: its text is the truth, not the file on disk. */
export interface OpenDocument {
  readonly uri: string
  /** The name the compiler gets for it (and spans carry): the file's path, or the URI when it has none. */
  readonly path: string
  readonly version: number
  readonly text: string
}

/** `file:` URIs become paths so relative imports resolve; others (an unsaved buffer) keep their URI. */
export const uriToPath = (uri: string): string => {
  if (!uri.startsWith("file:")) return uri
  try {
    return fileURLToPath(uri)
  } catch {
    return uri
  }
}

const pathToUri = (path: string): string => (path.startsWith("/") ? pathToFileURL(path).href : path)

/** A change as the protocol sends it: the whole text, or a range replaced (clients may send either). */
export interface ContentChange {
  readonly text: string
  readonly range?: Range
}

export class Documents {
  private readonly byUri = new Map<string, OpenDocument>()

  open(uri: string, version: number, text: string): OpenDocument {
    const doc = { uri, path: uriToPath(uri), version, text }
    this.byUri.set(uri, doc)
    return doc
  }

  change(uri: string, version: number, changes: ReadonlyArray<ContentChange>): OpenDocument | undefined {
    const doc = this.byUri.get(uri)
    if (doc === undefined) return undefined
    let text = doc.text
    // Applied in order, each against the text the previous one left, as the protocol says.
    for (const c of changes) {
      text = c.range === undefined ? c.text : text.slice(0, offsetAt(text, c.range.start)) + c.text + text.slice(offsetAt(text, c.range.end))
    }
    const next = { ...doc, version, text }
    this.byUri.set(uri, next)
    return next
  }

  close(uri: string): void {
    this.byUri.delete(uri)
  }

  get(uri: string): OpenDocument | undefined {
    return this.byUri.get(uri)
  }

  all(): Array<OpenDocument> {
    return [...this.byUri.values()]
  }

  /** The URI to name a file by: the one the editor opened it under, else its `file:` URI. */
  uriOf(path: string): string {
    for (const d of this.byUri.values()) if (d.path === path) return d.uri
    return pathToUri(path)
  }

  /** Imports are read from open documents first (unsaved edits count), then from disk. */
  readonly host: SourceHost = {
    read: (path) => {
      for (const d of this.byUri.values()) if (d.path === path) return d.text
      try {
        return readFileSync(path, "utf8")
      } catch {
        return undefined
      }
    }
  }
}
