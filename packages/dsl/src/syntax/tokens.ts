import { createToken, Lexer, type TokenType } from "chevrotain"

// Identifiers come first in the keyword definitions (longer_alt) so `format` is not `for` + `mat`.
export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/ })

const keyword = (word: string): TokenType =>
  createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(word), longer_alt: Identifier })

export const Lrs = keyword("lrs")
export const Import = keyword("import")
export const As = keyword("as")
/** Every binary operator, so the expression rule can be one flat loop (toAst applies precedence). */
export const BinaryOperator = createToken({ name: "BinaryOperator", pattern: Lexer.NA })
export const Then = createToken({ name: "Then", pattern: /then/, longer_alt: Identifier, categories: BinaryOperator })
export const For = createToken({ name: "For", pattern: /for/, longer_alt: Identifier, categories: BinaryOperator })
export const True = keyword("true")
export const False = keyword("false")

/** Words that open a clause of a statement: `evaluate every 250 steps on test [accuracy]`. */
export const Preposition = createToken({ name: "Preposition", pattern: Lexer.NA })
export const Every = createToken({ name: "Every", pattern: /every/, longer_alt: Identifier, categories: Preposition })
export const On = createToken({ name: "On", pattern: /on/, longer_alt: Identifier, categories: Preposition })
export const Until = createToken({ name: "Until", pattern: /until/, longer_alt: Identifier, categories: Preposition })
export const In = createToken({ name: "In", pattern: /in/, longer_alt: Identifier, categories: Preposition })

/** `1.5`, `3e-4`, `1k`, `2.5M`, `7B`: SI suffixes are part of the literal. */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?(?:k|M|B)?/
})
export const StringLiteral = createToken({ name: "StringLiteral", pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"/ })
/** Matched only so the lexer can report it precisely instead of as a stray `"`. */
export const UnterminatedString = createToken({ name: "UnterminatedString", pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*\\?/ })

export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n]*/, group: "comments" })
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: "comments" })
/** `#` is a comment in Python and YAML but not here; matched to the end of the line so one stray `#` is one error. */
export const HashComment = createToken({ name: "HashComment", pattern: /#[^\n\r]*/, group: "misplaced" })
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED })

export const Arrow = createToken({ name: "Arrow", pattern: /->/, categories: BinaryOperator })
export const DotDot = createToken({ name: "DotDot", pattern: /\.\./, categories: BinaryOperator })
export const Dot = createToken({ name: "Dot", pattern: /\./ })
export const Comma = createToken({ name: "Comma", pattern: /,/ })
export const Comparison = createToken({ name: "Comparison", pattern: Lexer.NA, categories: BinaryOperator })
export const EqEq = createToken({ name: "EqEq", pattern: /==/, categories: Comparison })
export const NotEq = createToken({ name: "NotEq", pattern: /!=/, categories: Comparison })
export const GtEq = createToken({ name: "GtEq", pattern: />=/, categories: Comparison })
export const LtEq = createToken({ name: "LtEq", pattern: /<=/, categories: Comparison })
export const Gt = createToken({ name: "Gt", pattern: />/, categories: Comparison })
export const Lt = createToken({ name: "Lt", pattern: /</, categories: Comparison })
export const Equals = createToken({ name: "Equals", pattern: /=/ })
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: BinaryOperator })
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: BinaryOperator })
export const Star = createToken({ name: "Star", pattern: /\*/, categories: BinaryOperator })
export const Slash = createToken({ name: "Slash", pattern: /\//, categories: BinaryOperator })
export const Percent = createToken({ name: "Percent", pattern: /%/ })
export const LParen = createToken({ name: "LParen", pattern: /\(/ })
export const RParen = createToken({ name: "RParen", pattern: /\)/ })
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ })
export const RBracket = createToken({ name: "RBracket", pattern: /]/ })
export const LCurly = createToken({ name: "LCurly", pattern: /{/ })
export const RCurly = createToken({ name: "RCurly", pattern: /}/ })

/** Order matters: comments before `/`, longer operators before their prefixes, keywords before identifiers. */
export const allTokens: ReadonlyArray<TokenType> = [
  WhiteSpace,
  LineComment,
  BlockComment,
  HashComment,
  StringLiteral,
  UnterminatedString,
  DotDot,
  NumberLiteral,
  Arrow,
  Dot,
  Comma,
  EqEq,
  NotEq,
  GtEq,
  LtEq,
  Gt,
  Lt,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
  Lrs,
  Import,
  As,
  Then,
  For,
  True,
  False,
  Every,
  On,
  Until,
  In,
  Preposition,
  Comparison,
  BinaryOperator,
  Identifier
]
