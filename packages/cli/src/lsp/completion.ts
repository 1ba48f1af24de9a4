import { builtinConstructors, type Constructor, curriculumFields, experimentFields, loadModules, metrics, type Module, rlConstructors, rlFields, scheduleConstructors, signalNames, type SourceHost, statementKinds, streamFields } from "@lrs/compiler"
import type { Member } from "@lrs/dsl"
import type { OpenDocument } from "./documents.ts"
import { experimentAt } from "./locate.ts"
import { offsetAt } from "./positions.ts"
import { type CompletionItem, CompletionItemKind, InsertTextFormat, type Position } from "./protocol.ts"
import { keywordDocs, keywords } from "./keywords.ts"

/** Words that start a member, by where the line is: what is worth offering first there. */
const topLevelWords = ["lrs", "import", "param", "schedule", "experiment", "sweep"]
const experimentWords = [...experimentFields, "schedule", "curriculum", "stream", "rl", ...statementKinds, "until"]

/**
 * What may be typed here. Everything the language names is offered (keywords, constructors with
 * their parameters, experiment, curriculum, stream and rl fields, signals, the file's params and schedules);
 * the words that can start a line in the block under the cursor sort first. After `alias.` or
 * `torch.`, only the names of that namespace.
 */
export const completion = (doc: OpenDocument, host: SourceHost, position: Position, snippets: boolean): Array<CompletionItem> => {
  const offset = offsetAt(doc.text, position)
  const lineStart = doc.text.lastIndexOf("\n", offset - 1) + 1
  const before = doc.text.slice(lineStart, offset)
  const modules = loadModules(doc.text, doc.path, host).modules
  const root = modules.get(doc.path)!
  const all = [...languageItems(snippets), ...declaredItems(modules, root)]
  const dotted = /([A-Za-z_][A-Za-z0-9_]*)\.[A-Za-z0-9_]*$/.exec(before)
  if (dotted !== null) {
    // The editor replaces only the word after the dot, so the items drop the namespace.
    const prefix = `${dotted[1]}.`
    return all.filter((i) => i.label.startsWith(prefix)).map((i) => ({ ...i, label: i.label.slice(prefix.length), ...(i.insertText === undefined ? {} : { insertText: i.insertText.slice(prefix.length) }) }))
  }
  const startOfLine = /^\s*[A-Za-z_]*$/.test(before)
  const preferred = !startOfLine ? [] : experimentAt(root.doc, offset) !== undefined ? experimentWords : topLevelWords
  return all.map((i) => ({ ...i, sortText: `${preferred.includes(i.label) ? 0 : 1}${i.label}` }))
}

/** `cosine(${1:from} -> ${2:to})`: the required parameters as tab stops (`from -> to` as written). */
const snippet = (name: string, c: Pick<Constructor, "params" | "required">): string => {
  const required = c.required ?? []
  const stops = required.includes("from") && required.includes("to")
    ? ["${1:from} -> ${2:to}", ...required.filter((p) => p !== "from" && p !== "to").map((p, i) => `${p} = \${${i + 3}:${p}}`)]
    : required.map((p, i) => `\${${i + 1}:${p}}`)
  return `${name}(${stops.length === 0 ? "$1" : stops.join(", ")})`
}

const constructorItem = (name: string, c: Pick<Constructor, "params" | "required">, what: string, snippets: boolean): CompletionItem => ({
  label: name,
  kind: CompletionItemKind.function,
  detail: `${name}(${c.params.join(", ")})`,
  documentation: what,
  ...(snippets ? { insertText: snippet(name, c), insertTextFormat: InsertTextFormat.snippet } : {})
})

let cached: { snippets: boolean; items: Array<CompletionItem> } | undefined

/** What the language itself names; the same for every document, so computed once. */
const languageItems = (snippets: boolean): Array<CompletionItem> => {
  if (cached?.snippets === snippets) return cached.items
  const items: Array<CompletionItem> = [
    ...keywords.map((k) => ({ label: k, kind: CompletionItemKind.keyword, documentation: keywordDocs[k]! })),
    ...experimentFields.map((f) => ({ label: f, kind: CompletionItemKind.field, detail: "experiment field" })),
    ...curriculumFields.map((f) => ({ label: f, kind: CompletionItemKind.field, detail: "curriculum field" })),
    ...streamFields.map((f) => ({ label: f, kind: CompletionItemKind.field, detail: "stream field" })),
    ...rlFields.map((f) => ({ label: f, kind: CompletionItemKind.field, detail: "rl field" })),
    ...Object.entries(rlConstructors).map(([name, params]) => constructorItem(name, { params }, "rl", snippets)),
    ...[...scheduleConstructors].map(([name, c]) => constructorItem(name, c, "schedule", snippets)),
    ...Object.entries(builtinConstructors).flatMap(([field, table]) =>
      Object.entries(table as Readonly<Record<string, ReadonlyArray<string>>>).map(([name, params]) => constructorItem(name, { params }, field, snippets))
    ),
    ...signalNames.map((s) => ({ label: s, kind: CompletionItemKind.value, detail: "signal" })),
    ...metrics.map((m) => ({ label: m, kind: CompletionItemKind.value, detail: "metric" }))
  ]
  // A word may be both a field and a keyword, or both a constructor and a signal (`loss`): offer it once.
  const seen = new Set<string>()
  const unique = items.filter((i) => !seen.has(i.label) && seen.add(i.label))
  cached = { snippets, items: unique }
  return unique
}

const declarationsIn = (members: ReadonlyArray<Member>): Array<{ kind: string; name: string }> =>
  members.flatMap((m) => (m.kind === "Attribute" && (m.keyword?.text === "param" || m.keyword?.text === "schedule") ? [{ kind: m.keyword.text, name: m.name.text }] : []))

/** The params and schedules in reach: this file's (the experiment's too) and every import's as `alias.NAME`. */
const declaredItems = (modules: ReadonlyMap<string, Module>, root: Module): Array<CompletionItem> => {
  const own = [...declarationsIn(root.doc.members), ...root.doc.members.flatMap((m) => (m.kind === "Block" ? declarationsIn(m.members) : []))]
  const imported = [...root.imports].flatMap(([alias, file]) => declarationsIn(modules.get(file)?.doc.members ?? []).map((d) => ({ ...d, name: `${alias}.${d.name}` })))
  return [...own, ...imported].map((d) => ({ label: d.name, kind: CompletionItemKind.variable, detail: d.kind }))
}
