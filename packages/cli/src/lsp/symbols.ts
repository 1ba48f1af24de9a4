import type { Module } from "@lrs/compiler"
import type { Attribute, Block, Member, Name } from "@lrs/dsl"

/** A `param` or `schedule` declaration and the file it is written in. */
export interface Declaration {
  readonly kind: "param" | "schedule"
  readonly file: string
  readonly member: Attribute
  /** Declared inside the experiment (its own schedules) rather than at the top of a file. */
  readonly inExperiment: boolean
}

/** What a dotted name means: a declaration, an imported file (the alias of `common.peak`), or nothing known. */
export type Meaning = { readonly kind: "declaration"; readonly declaration: Declaration } | { readonly kind: "file"; readonly file: string }

const declared = (m: Member, name: string): m is Attribute =>
  m.kind === "Attribute" && (m.keyword?.text === "param" || m.keyword?.text === "schedule") && m.name.text === name

const declaration = (file: string, m: Attribute, inExperiment: boolean): Declaration => ({ kind: m.keyword!.text as "param" | "schedule", file, member: m, inExperiment })

/** A top-level declaration of a loaded file. */
export const topLevel = (module: Module, name: string): Declaration | undefined => {
  const m = module.doc.members.find((m) => declared(m, name))
  return m === undefined ? undefined : declaration(module.file, m as Attribute, false)
}

/**
 * The language's scope rules (specs/language.md, section 3) over the AST: inside an experiment its
 * own schedules come first, then the file's params and schedules; `alias.NAME` is the imported
 * file's. `segment` is the part of the name the cursor is on; on the alias, the meaning is the file.
 */
export const resolveName = (modules: ReadonlyMap<string, Module>, file: string, path: ReadonlyArray<Name>, segment: number, experiment: Block | undefined): Meaning | undefined => {
  const module = modules.get(file)
  if (module === undefined || path.length === 0) return undefined
  if (path.length === 1) {
    const own = experiment?.members.find((m) => declared(m, path[0]!.text))
    if (own !== undefined) return { kind: "declaration", declaration: declaration(file, own as Attribute, true) }
    const top = topLevel(module, path[0]!.text)
    return top === undefined ? undefined : { kind: "declaration", declaration: top }
  }
  const target = module.imports.get(path[0]!.text)
  if (target === undefined || path.length !== 2) return undefined
  if (segment === 0) return { kind: "file", file: target }
  const imported = modules.get(target)
  const top = imported === undefined ? undefined : topLevel(imported, path[1]!.text)
  return top === undefined ? undefined : { kind: "declaration", declaration: top }
}

/** Follows top-level `schedule a = b` to what `b` is declared as, since the compiled schedule carries `b`'s place. */
export const underlying = (modules: ReadonlyMap<string, Module>, d: Declaration): Declaration => {
  const seen = new Set<Attribute>()
  let current = d
  // A cycle is the compiler's to report (LRS1011); here it only stops the walk.
  while (!seen.has(current.member)) {
    seen.add(current.member)
    const value = current.member.value
    if (value.kind !== "Ref") break
    const meaning = resolveName(modules, current.file, value.path, value.path.length - 1, undefined)
    if (meaning?.kind !== "declaration") break
    current = meaning.declaration
  }
  return current
}
