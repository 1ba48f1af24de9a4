import { loadModules, type SourceHost } from "@lrs/compiler"
import type { Span } from "@lrs/dsl"
import type { OpenDocument } from "./documents.ts"
import { locate } from "./locate.ts"
import { offsetAt, spanRange } from "./positions.ts"
import type { Location, LocationLink, Position, Range } from "./protocol.ts"
import { type Declaration, resolveName } from "./symbols.ts"

const fileStart: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }

/**
 * Where the name under the cursor is declared: a param or schedule (in this file, the experiment,
 * or an imported file), or the file an import names. With `links`, the client gets the whole
 * declaration and its name to select; otherwise the declaration's range.
 */
export const definition = (doc: OpenDocument, host: SourceHost, position: Position, uriOf: (path: string) => string, links: boolean): Array<Location> | Array<LocationLink> | null => {
  const modules = loadModules(doc.text, doc.path, host).modules
  const root = modules.get(doc.path)
  const found = root === undefined ? undefined : locate(root.doc, offsetAt(doc.text, position))
  if (root === undefined || found === undefined) return null
  const file = (path: string, origin: Span): Array<Location> | Array<LocationLink> =>
    links ? [{ originSelectionRange: spanRange(origin), targetUri: uriOf(path), targetRange: fileStart, targetSelectionRange: fileStart }] : [{ uri: uriOf(path), range: fileStart }]
  const declaration = (d: Declaration, origin: Span): Array<Location> | Array<LocationLink> =>
    links
      ? [{ originSelectionRange: spanRange(origin), targetUri: uriOf(d.file), targetRange: spanRange(d.member.span), targetSelectionRange: spanRange(d.member.name.span) }]
      : [{ uri: uriOf(d.file), range: spanRange(d.member.span) }]
  switch (found.kind) {
    case "importPath":
    case "importAlias": {
      const target = root.imports.get(found.imp.alias.text)
      return target === undefined ? null : file(target, found.kind === "importPath" ? found.imp.path.span : found.imp.alias.span)
    }
    case "declaration":
      return declaration({ kind: found.member.keyword!.text as "param" | "schedule", file: doc.path, member: found.member, inExperiment: found.experiment !== undefined }, found.member.name.span)
    case "ref": {
      const meaning = resolveName(modules, doc.path, found.path, found.segment, found.experiment)
      const origin = found.path[found.segment]!.span
      if (meaning === undefined) return null
      return meaning.kind === "file" ? file(meaning.file, origin) : declaration(meaning.declaration, origin)
    }
    default:
      return null
  }
}
