import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain"

/** How a token kind is named in messages. */
const tokenNames: Readonly<Record<string, string>> = {
  Identifier: "a name",
  NumberLiteral: "a number",
  StringLiteral: "a string",
  Preposition: "`every`, `on`, `until` or `in`",
  Comparison: "a comparison (`>=`, `<=`, `>`, `<`, `==`, `!=`)",
  Equals: "`=`",
  Arrow: "`->`",
  DotDot: "`..`",
  Dot: "`.`",
  Comma: "`,`",
  LParen: "`(`",
  RParen: "`)`",
  LBracket: "`[`",
  RBracket: "`]`",
  LCurly: "`{`",
  RCurly: "`}`",
  Percent: "`%`",
  EOF: "the end of the file"
}

export const describeTokenType = (t: TokenType): string =>
  tokenNames[t.name] ?? (typeof t.PATTERN === "object" && t.PATTERN instanceof RegExp ? `\`${t.PATTERN.source}\`` : t.name)

export const describeToken = (token: IToken): string =>
  token.tokenType.name === "EOF" ? "the end of the file" : `\`${token.image}\``

/** What each rule expects, in prose, for "expected ..." messages (Chevrotain's default is a wall of paths). */
const expectations: Readonly<Record<string, string>> = {
  document: "`lrs 1`, `param`, `experiment` or another top-level declaration",
  member: "`= value`, a `{ ... }` block, or a clause on the same line such as `every 100 steps`, after the name",
  clause: "a clause (`every ...`, `on ...`, `until ...`, `in ...` or a `[ ... ]` list)",
  primary: "a value (a number, string, name, call, list or record)",
  unary: "a value (a number, string, name, call, list or record)",
  expression: "a value (a number, string, name, call, list or record)",
  argument: "an argument (`value` or `name = value`)"
}

const join = (names: ReadonlyArray<string>): string =>
  names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`

/** Syntax errors reported in one parse before giving up: past this the input is not a spec. */
export const maxSyntaxErrors = 100

/** Thrown out of the parser when `maxSyntaxErrors` is reached; caught by parseTokens. */
export class TooManyErrors extends Error {}

let errorsThisParse = 0
export const resetErrorCount = (): void => {
  errorsThisParse = 0
}
// Every message builder counts: error recovery on megabytes of garbage would otherwise take minutes.
const counted = <A extends Array<unknown>>(build: (...args: A) => string) => (...args: A): string => {
  if (++errorsThisParse > maxSyntaxErrors) throw new TooManyErrors()
  return build(...args)
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) =>
    `expected ${describeTokenType(expected)}, found ${describeToken(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) =>
    `unexpected ${describeToken(firstRedundant)}; expected a declaration`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) => {
    const found = actual[0] === undefined ? "the end of the file" : describeToken(actual[0])
    const prose = expectations[ruleName]
    if (prose !== undefined) return `expected ${prose}, found ${found}`
    const firsts = new Set<string>()
    for (const alt of expectedPathsPerAlt) {
      for (const path of alt) if (path[0] !== undefined) firsts.add(describeTokenType(path[0]))
    }
    return `expected ${join([...firsts])}, found ${found}`
  },
  buildEarlyExitMessage: ({ actual, ruleName }) => {
    const found = actual[0] === undefined ? "the end of the file" : describeToken(actual[0])
    return `expected ${expectations[ruleName] ?? "more input"}, found ${found}`
  }
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: counted(messages.buildMismatchTokenMessage),
  buildNotAllInputParsedMessage: counted(messages.buildNotAllInputParsedMessage),
  buildNoViableAltMessage: counted(messages.buildNoViableAltMessage),
  buildEarlyExitMessage: counted(messages.buildEarlyExitMessage)
}
