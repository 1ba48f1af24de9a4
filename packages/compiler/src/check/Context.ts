import type { Diagnostic, DiagnosticDetails, Expr, Span } from "@lrs/dsl"
import { error, warning } from "@lrs/dsl"
import { type Code, codes } from "../diagnostics/codes.ts"
import type { SourceHost } from "../load/modules.ts"

/** Where a value came from, for `resolved.lrs` and `lrs resolve`. */
export type Origin =
  | { readonly kind: "spec"; readonly span: Span }
  | { readonly kind: "override"; readonly span: Span }
  | { readonly kind: "sweep"; readonly span: Span }
  | { readonly kind: "default" }

/** A named definition (param or schedule) resolved on demand in the scope it was written in. */
export interface Definition {
  readonly kind: "param" | "schedule"
  readonly name: string
  readonly expr: Expr
  /** The whole declaration. */
  readonly span: Span
  readonly origin: Origin
  readonly scope: Scope
}

/**
 * Names visible in one place: a file's params, schedules and import aliases, or an experiment's
 * schedules on top of its file's scope.
 */
export class Scope {
  readonly definitions = new Map<string, Definition>()
  readonly imports = new Map<string, { readonly scope: Scope; readonly span: Span }>()
  readonly file: string
  readonly parent: Scope | undefined
  constructor(file: string, parent?: Scope) {
    this.file = file
    this.parent = parent
  }

  lookup(name: string): Definition | undefined {
    return this.definitions.get(name) ?? this.parent?.lookup(name)
  }

  importAlias(alias: string): Scope | undefined {
    return this.imports.get(alias)?.scope ?? this.parent?.importAlias(alias)
  }

  /** Every name a reference here could mean, for suggestions. */
  visible(): Array<string> {
    const own = [...this.definitions.keys()]
    for (const [alias, i] of this.imports) for (const n of i.scope.definitions.keys()) own.push(`${alias}.${n}`)
    return [...own, ...(this.parent?.visible() ?? [])]
  }
}

/** How lengths in other units become steps in this experiment; absent when unknown. */
export interface TimeAxes {
  /** `ceil(train examples / batch)`: one pass over the training split, as a DataLoader with drop_last=False. */
  readonly stepsPerEpoch?: number
  /** Examples per update. */
  readonly batch?: number
  /** A stream's updates per task when every task has the same budget (what `N tasks` converts with). */
  readonly stepsPerTask?: number
  /** The update after which each of a stream's tasks ends (`restart(s, every = N tasks)` restarts there). */
  readonly taskEnds?: ReadonlyArray<number>
  /** A stream that keeps its task boundaries from the learner (`online(..., boundaries = hidden)`): `tasks` is no unit. */
  readonly tasksHidden?: boolean
  /** An RL experiment: its steps are environment steps, so `env_steps` converts one to one. */
  readonly envSteps?: boolean
  /** An RL experiment on a token task counting env steps: a token is an env step. */
  readonly tokens?: boolean
  /** An RL experiment whose budget is in iterations (`steps = 300 iterations`): its steps are iterations. */
  readonly iterations?: boolean
}

interface State {
  readonly diagnostics: Array<Diagnostic>
  readonly reported: Set<string>
  /** Definitions being resolved right now; meeting one again is a cycle. */
  readonly resolving: Set<Definition>
  readonly paramValues: Map<Definition, number | undefined>
  /** Definitions and import aliases some reference resolved to, for the unused-name warnings. */
  readonly used: Set<Definition>
  readonly usedImports: Set<Scope>
  /** Reads files the spec names besides imports (the run a `refined` schedule learns from). */
  readonly host: SourceHost | undefined
}

/** What the checker threads through every phase: the scope in force, time axes and the shared diagnostics. */
export class Context {
  private readonly state: State
  readonly scope: Scope
  readonly axes: TimeAxes
  /** What the run observes (`test.loss`, ...), for schedules that read a signal; undefined outside an experiment. */
  readonly observed: ReadonlyArray<string> | undefined
  private constructor(state: State, scope: Scope, axes: TimeAxes, observed?: ReadonlyArray<string>) {
    this.state = state
    this.scope = scope
    this.axes = axes
    this.observed = observed
  }

  static make(scope: Scope, host?: SourceHost): Context {
    return new Context({ diagnostics: [], reported: new Set(), resolving: new Set(), paramValues: new Map(), used: new Set(), usedImports: new Set(), host }, scope, {})
  }

  /** A file's text through the compiler's host (undefined without one, or when it cannot be read). */
  read(path: string): string | undefined {
    return this.state.host?.read(path)
  }

  /** The same diagnostics and caches, seen from another scope. */
  in(scope: Scope): Context {
    return new Context(this.state, scope, this.axes, this.observed)
  }

  withAxes(axes: TimeAxes): Context {
    return new Context(this.state, this.scope, axes, this.observed)
  }

  withObserved(observed: ReadonlyArray<string>): Context {
    return new Context(this.state, this.scope, this.axes, observed)
  }

  get diagnostics(): ReadonlyArray<Diagnostic> {
    return this.state.diagnostics
  }

  push(ds: ReadonlyArray<Diagnostic>): void {
    for (const d of ds) this.state.diagnostics.push(d)
  }

  /** Records a problem once: a schedule used in two places is compiled twice but reported once. */
  report(code: Code, span: Span, message: string, help?: string, details?: DiagnosticDetails): undefined {
    const key = `${code}@${span.file}:${span.start.offset}-${span.end.offset}:${message}`
    if (!this.state.reported.has(key)) {
      this.state.reported.add(key)
      // Every diagnostic labels its primary span; the code's title when the check has nothing more specific.
      this.state.diagnostics.push(error(code, span, message, help, { ...details, label: details?.label ?? codes[code] }))
    }
    return undefined
  }

  /** A problem that does not stop the run (an unused param, an unused import). */
  warn(code: Code, span: Span, message: string, help?: string, details?: DiagnosticDetails): void {
    const key = `${code}@${span.file}:${span.start.offset}-${span.end.offset}:${message}`
    if (!this.state.reported.has(key)) {
      this.state.reported.add(key)
      this.state.diagnostics.push(warning(code, span, message, help, { ...details, label: details?.label ?? codes[code] }))
    }
  }

  markUsed(def: Definition): void {
    this.state.used.add(def)
  }

  markImportUsed(module: Scope): void {
    this.state.usedImports.add(module)
  }

  isUsed(def: Definition): boolean {
    return this.state.used.has(def)
  }

  isImportUsed(module: Scope): boolean {
    return this.state.usedImports.has(module)
  }

  /** Runs `f` on a definition, reporting a cycle instead of recursing forever. */
  resolving<A>(def: Definition, use: Span, f: () => A | undefined): A | undefined {
    if (this.state.resolving.has(def)) {
      return this.report("LRS1011", use, `${def.kind} \`${def.name}\` is defined in terms of itself`, "break the cycle with a literal value", {
        related: [{ span: def.span, label: `\`${def.name}\` is declared here` }]
      })
    }
    this.state.resolving.add(def)
    try {
      return f()
    } finally {
      this.state.resolving.delete(def)
    }
  }

  cachedParam(def: Definition, compute: () => number | undefined): number | undefined {
    if (this.state.paramValues.has(def)) return this.state.paramValues.get(def)
    const v = compute()
    this.state.paramValues.set(def, v)
    return v
  }
}
