import { type Diagnostic, type Document, error, parseDocument } from "@lrs/dsl"

/** How the compiler reads imported files; the CLI passes one over the file system, tests an in-memory map. */
export interface SourceHost {
  /** The file's text, or undefined when it does not exist or cannot be read. */
  readonly read: (path: string) => string | undefined
}

export interface Module {
  readonly file: string
  readonly text: string
  readonly doc: Document
  /** Alias -> the file it names, for the imports that loaded. */
  readonly imports: ReadonlyMap<string, string>
}

/** `a/b/../c.lrs` -> `a/c.lrs`; keeps a leading `/` and leading `..` segments. */
export const normalizePath = (path: string): string => {
  const absolute = path.startsWith("/")
  const out: Array<string> = []
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue
    if (part === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop()
    else if (part !== ".." || !absolute) out.push(part)
  }
  return (absolute ? "/" : "") + (out.length === 0 && !absolute ? "." : out.join("/"))
}

/** An import path resolved against the importing file's directory. */
export const resolveImport = (from: string, path: string): string => {
  if (path.startsWith("/")) return normalizePath(path)
  const slash = from.lastIndexOf("/")
  return normalizePath(slash < 0 ? path : `${from.slice(0, slash)}/${path}`)
}

/**
 * Parses the root file and everything it imports, depth first. Reports unreadable files and
 * import cycles at the `import` that causes them; each file is parsed once.
 */
export const loadModules = (rootText: string, rootFile: string, host: SourceHost | undefined): { modules: Map<string, Module>; diagnostics: Array<Diagnostic> } => {
  const modules = new Map<string, Module>()
  const diagnostics: Array<Diagnostic> = []
  const visit = (file: string, text: string, stack: ReadonlyArray<string>): void => {
    const parsed = parseDocument(text, file)
    for (const d of parsed.diagnostics) diagnostics.push(d)
    const imports = new Map<string, string>()
    modules.set(file, { file, text, doc: parsed.ast, imports })
    // After a syntax error an import's path may be garbage (a swallowed quote); reading it would only add noise.
    if (parsed.diagnostics.some((d) => d.severity === "error")) return
    for (const imp of parsed.ast.imports) {
      const target = resolveImport(file, imp.path.value)
      const first = imports.get(imp.alias.text)
      if (first !== undefined) {
        diagnostics.push(error("LRS1006", imp.alias.span, `the alias \`${imp.alias.text}\` is used twice`, "give each import its own alias", { label: "already an import's alias" }))
        continue
      }
      if (stack.includes(target) || target === file) {
        const chain = [...stack.slice(stack.indexOf(target)), file, target]
        diagnostics.push(error("LRS5002", imp.span, `importing \`${imp.path.value}\` makes a cycle`, "move what both files need into a third file that imports neither", {
          label: "this import closes the cycle",
          notes: [`the cycle: ${chain.join(" -> ")}`]
        }))
        continue
      }
      if (!modules.has(target)) {
        const content = host?.read(target)
        if (content === undefined) {
          diagnostics.push(error("LRS5001", imp.path.span, `cannot read \`${imp.path.value}\` (looked for ${target})`, "check the path; it is relative to the importing file", { label: "no such file" }))
          continue
        }
        visit(target, content, [...stack, file])
      }
      imports.set(imp.alias.text, target)
    }
  }
  visit(rootFile, rootText, [])
  return { modules, diagnostics }
}
