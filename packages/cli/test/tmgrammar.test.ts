import { describe, expect, it } from "@effect/vitest"
import { statementKinds } from "@lrs/compiler"
import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { keywords } from "../src/lsp/keywords.ts"

/**
 * The VS Code extension's TextMate grammar and manifest (packages/vscode). Editors compile the
 * grammar's regexes with Oniguruma; the ones here stay within what JavaScript's RegExp also reads,
 * so a small single-line tokenizer below can check what each piece of a spec is coloured as.
 */
const repo = resolve(import.meta.dirname, "../../..")
const extension = join(repo, "packages/vscode")
const grammarText = readFileSync(join(extension, "syntaxes/lrs.tmLanguage.json"), "utf8")

interface Captures {
  readonly [group: string]: { readonly name?: string }
}

interface Rule {
  readonly name?: string
  readonly match?: string
  readonly begin?: string
  readonly end?: string
  readonly captures?: Captures
  readonly beginCaptures?: Captures
  readonly endCaptures?: Captures
  readonly patterns?: ReadonlyArray<Rule>
  readonly include?: string
}

interface Grammar {
  readonly scopeName: string
  readonly patterns: ReadonlyArray<Rule>
  readonly repository: Readonly<Record<string, Rule>>
}

const grammar = JSON.parse(grammarText) as Grammar

/** Every rule of the grammar, nested ones and the repository's included. */
const allRules = (): Array<Rule> => {
  const out: Array<Rule> = []
  const visit = (r: Rule) => {
    out.push(r)
    for (const p of r.patterns ?? []) visit(p)
  }
  for (const r of [...grammar.patterns, ...Object.values(grammar.repository)]) visit(r)
  return out
}

/** A rule list with includes replaced by what they name, as the editor sees it. */
const expand = (rules: ReadonlyArray<Rule>, seen: ReadonlySet<string> = new Set()): Array<Rule> =>
  rules.flatMap((r) => {
    if (r.include === undefined) return r.match === undefined && r.begin === undefined && r.patterns !== undefined ? expand(r.patterns, seen) : [r]
    const key = r.include.slice(1)
    if (seen.has(key)) return []
    const target = grammar.repository[key]!
    return expand([target], new Set([...seen, key]))
  })

/**
 * The scopes of each character of one line, found as TextMate finds them: at each place the rule
 * whose regex matches earliest wins (the enclosing rule's end first, then the rules in order).
 */
const scopes = (line: string): Array<Array<string>> => {
  const out: Array<Array<string>> = Array.from({ length: line.length }, () => [])
  const stack: Array<{ rule: Rule; end: RegExp }> = []
  const paint = (m: RegExpExecArray, name: string | undefined, captures: Captures | undefined) => {
    for (let i = m.index; i < m.index + m[0].length; i++) if (name !== undefined) out[i]!.push(name)
    for (const [group, c] of Object.entries(captures ?? {})) {
      const at = m.indices?.[Number(group)]
      if (at === undefined || c.name === undefined) continue
      for (let i = at[0]; i < at[1]; i++) out[i]!.push(c.name)
    }
  }
  let pos = 0
  while (pos < line.length) {
    const top = stack[stack.length - 1]
    const rules = expand(top === undefined ? grammar.patterns : top.rule.patterns ?? [])
    let best: { m: RegExpExecArray; rule: Rule | undefined } | undefined
    const tryRegex = (source: string | RegExp, rule: Rule | undefined) => {
      const re = typeof source === "string" ? new RegExp(source, "dgm") : source
      re.lastIndex = pos
      const m = re.exec(line)
      if (m !== null && (best === undefined || m.index < best.m.index)) best = { m, rule }
    }
    if (top !== undefined) tryRegex(top.end, undefined)
    for (const r of rules) tryRegex(r.match ?? r.begin!, r)
    if (best === undefined) break
    const { m, rule } = best
    const inside = stack.map((s) => s.rule.name).filter((n): n is string => n !== undefined)
    for (let i = pos; i < m.index + m[0].length; i++) out[i]!.push(...inside)
    if (rule === undefined) {
      paint(m, undefined, top!.rule.endCaptures)
      stack.pop()
    } else if (rule.match !== undefined) {
      paint(m, rule.name, rule.captures)
    } else {
      paint(m, rule.name, rule.beginCaptures)
      stack.push({ rule, end: new RegExp(rule.end!, "dgm") })
    }
    pos = m[0].length === 0 ? m.index + 1 : m.index + m[0].length
  }
  return out
}

/** The scopes at the start of the `nth` whole-word occurrence of `piece` in `line`. */
const scopesOf = (line: string, piece: string, nth = 0): Array<string> => {
  const escaped = piece.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  const found = [...line.matchAll(new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, "g"))][nth]
  if (found === undefined) throw new Error(`\`${piece}\` is not in \`${line}\``)
  return scopes(line)[found.index]!
}

const sample = `lrs 1
import "./common.lrs" as common
param peak = 1e-2
experiment quickstart {
  schedule lr = linear(0 -> peak) for 5% then cosine(peak -> peak / 100)
  evaluate every 500 steps on test [accuracy, loss]
  log every 10 steps [grad_norm]
  checkpoint every 1k samples
  until ema(test.accuracy, 0.5) >= 0.99
  curriculum {
    pacing = fixed_exponential(start = 0.04, increase = 1.9, every = 100 steps)
  }
  model = mlp(layer_norm = true, dropout = 0)
  optimizer = sgd(lr = torch.StepLR(base_lr = 3e-4, step_size = 2.5M), nesterov = false)
}
sweep {
  zip {
    peak in log(1e-3, 1e-1, 5)
  }
  seed in 1..3
}
experiment blocks {
  stream {
    tasks = split(classes_per_task = 2)
  }
  rl {
    algorithm = grpo(clip = 0.2)
  }
}`.split("\n")

const lineWith = (word: string): string => {
  const line = sample.find((l) => new RegExp(`(?<![A-Za-z0-9_])${word}(?![A-Za-z0-9_(])`).test(l))
  if (line === undefined) throw new Error(`the sample spec has no line with the keyword \`${word}\`; add one`)
  return line
}

describe("the TextMate grammar", () => {
  it("is JSON with the scope name VS Code is told", () => {
    expect(grammar.scopeName).toBe("source.lrs")
    expect(grammar.patterns.length).toBeGreaterThan(0)
  })

  it("has regexes that compile in JavaScript and includes that exist", () => {
    const bad: Array<string> = []
    for (const r of allRules()) {
      for (const source of [r.match, r.begin, r.end]) {
        if (source === undefined) continue
        try {
          new RegExp(source)
        } catch (e) {
          bad.push(`${source}: ${(e as Error).message}`)
        }
      }
      if (r.include !== undefined && r.include !== "$self" && r.include !== "$base" && grammar.repository[r.include.slice(1)] === undefined) bad.push(`include ${r.include}`)
    }
    expect(bad).toEqual([])
  })

  it("colours every keyword of the language as a keyword", () => {
    const words = [...new Set([...keywords, ...statementKinds])]
    for (const word of words) {
      const line = lineWith(word)
      const s = scopesOf(line, word)
      expect(s.some((x) => /^(keyword|storage\.type|constant\.language)\./.test(x)), `${word} in \`${line}\`: ${s.join(" ")}`).toBe(true)
    }
  })

  it("colours numbers with their SI suffixes and units", () => {
    expect(scopesOf(sample[4]!, "5")).toContain("constant.numeric.lrs")
    expect(scopes(sample[4]!)[sample[4]!.indexOf("%")]).toContain("keyword.other.unit.lrs")
    expect(scopesOf(sample[5]!, "500")).toContain("constant.numeric.lrs")
    expect(scopesOf(sample[5]!, "steps")).toContain("keyword.other.unit.lrs")
    expect(scopesOf(sample[7]!, "samples")).toContain("keyword.other.unit.lrs")
    expect(scopes(sample[7]!)[sample[7]!.indexOf("1k") + 1]).toContain("constant.numeric.suffix.lrs")
    expect(scopesOf(sample[13]!, "3e-4")).toContain("constant.numeric.lrs")
    expect(scopes(sample[13]!)[sample[13]!.indexOf("2.5M") + 2]).toContain("constant.numeric.lrs")
    // A range's bounds are numbers either side of the operator; `top5`-like names are not numbers.
    expect(scopesOf(sample[19]!, "3")).toContain("constant.numeric.lrs")
    expect(scopes(sample[19]!)[sample[19]!.indexOf("..")]).toContain("keyword.operator.range.lrs")
    expect(scopes("  evaluate every 1 epochs on test [top5]")[36]).not.toContain("constant.numeric.lrs")
  })

  it("colours strings, comments, operators, calls and named arguments", () => {
    expect(scopesOf(sample[1]!, "./common.lrs")).toContain("string.quoted.double.lrs")
    expect(scopes("steps = 10 // the budget")[14]).toContain("comment.line.double-slash.lrs")
    expect(scopes("steps = /* the budget */ 10")[12]).toContain("comment.block.lrs")
    expect(scopes("# not a comment")[0]).toContain("invalid.illegal.comment.lrs")
    expect(scopes(sample[4]!)[sample[4]!.indexOf("->")]).toContain("keyword.operator.arrow.lrs")
    expect(scopes(sample[8]!)[sample[8]!.indexOf(">=")]).toContain("keyword.operator.comparison.lrs")
    expect(scopesOf(sample[4]!, "cosine")).toContain("entity.name.function.lrs")
    expect(scopesOf(sample[13]!, "StepLR")).toContain("entity.name.function.lrs")
    expect(scopesOf(sample[17]!, "log")).toContain("entity.name.function.lrs")
    expect(scopesOf(sample[10]!, "start")).toContain("variable.parameter.lrs")
    expect(scopesOf(sample[10]!, "every")).toContain("variable.parameter.lrs")
    expect(scopesOf(sample[4]!, "lr")).toContain("entity.name.variable.lrs")
    expect(scopesOf(sample[12]!, "model")).toContain("variable.other.property.lrs")
  })
})

describe("the VS Code extension's manifest", () => {
  const manifest = JSON.parse(readFileSync(join(extension, "package.json"), "utf8"))

  it("points at files that exist", () => {
    expect(manifest.name).toBe("lrs-vscode")
    expect(existsSync(join(extension, manifest.main))).toBe(true)
    const [language] = manifest.contributes.languages
    expect(language).toMatchObject({ id: "lrs", extensions: [".lrs"] })
    const configuration = JSON.parse(readFileSync(join(extension, language.configuration), "utf8"))
    expect(configuration.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] })
    const [tm] = manifest.contributes.grammars
    expect(tm).toMatchObject({ language: "lrs", scopeName: grammar.scopeName })
    expect(existsSync(join(extension, tm.path))).toBe(true)
  })

  it("starts `lrs lsp` through vscode-languageclient, a dependency of its own outside the workspace", () => {
    expect(manifest.dependencies).toHaveProperty("vscode-languageclient")
    expect(readFileSync(join(extension, manifest.main), "utf8")).toMatch(/require\("vscode-languageclient\/node"\)[\s\S]*"lsp"/)
    // pnpm would otherwise fetch the client at the root's install, which must work offline.
    expect(readFileSync(join(repo, "pnpm-workspace.yaml"), "utf8")).toMatch(/^\s*-\s*["']?!packages\/vscode["']?\s*$/m)
  })
})
