import { CstParser, type CstNode, type IToken, type TokenType } from "chevrotain"
import * as T from "./tokens.ts"
import { errorMessages, resetErrorCount, TooManyErrors } from "./errors.ts"

/**
 * The grammar (EBNF; the reference in specs/language.md is generated from the same rules):
 *
 *   document   = [ "lrs" NUMBER ] { import } { member } ;
 *   import     = "import" STRING "as" IDENT ;
 *   member     = IDENT [ IDENT ] ( "=" expression | "{" { member [ "," ] } "}" | clauses ) | clauses ;
 *   clauses    = clause { clause } ;          (* all on one line *)
 *   clause     = PREPOSITION expression | list ;
 *   expression = unary { binary unary } ;       (* precedence below, lowest first *)
 *   binary     = "then" | "for" | ">=" | "<=" | ">" | "<" | "==" | "!=" | "->" | ".." | "+" | "-" | "*" | "/" ;
 *   unary      = "-" unary | primary ;
 *   primary    = number | STRING | "true" | "false" | reference | list | record | "(" expression ")" ;
 *   number     = NUMBER [ "%" | IDENT (* a unit, on the same line *) ] ;
 *   reference  = IDENT { "." IDENT } [ "(" [ argument { "," argument } [ "," ] ] ")" ] ;
 *   argument   = [ ( IDENT | PREPOSITION ) "=" ] expression ;
 *   list       = "[" [ expression { "," expression } [ "," ] ] "]" ;
 *   record     = "{" [ IDENT "=" expression { "," IDENT "=" expression } [ "," ] ] "}" ;
 *
 * Precedence, lowest first: `then` (joins segments), `for` (a segment's length), comparisons,
 * `->` and `..`, `+ -`, `* /`; `then`, `+ - * /` group left to right, the others do not chain.
 *
 * The member rule is deliberately uniform (HCL-like): `seed = 7`, `schedule lr = ...`,
 * `experiment name { ... }` and `evaluate every 50 steps on test` all parse the same way, and the
 * compiler gives each its meaning, so unknown words get a diagnostic with a suggestion instead of
 * a grammar error.
 */
export class LrsParser extends CstParser {
  /**
   * `validate` runs Chevrotain's grammar checks (ambiguities, left recursion); they cost about a
   * third of start-up, so the process singleton skips them and a test builds a validating parser.
   */
  constructor(options: { readonly validate: boolean }) {
    super(T.allTokens as Array<TokenType>, {
      recoveryEnabled: true,
      nodeLocationTracking: "full",
      maxLookahead: 3,
      errorMessageProvider: errorMessages,
      skipValidations: !options.validate
    })
    this.performSelfAnalysis()
  }

  document = this.RULE("document", () => {
    this.OPTION(() => this.SUBRULE(this.header))
    this.MANY(() => this.SUBRULE(this.importDecl))
    this.MANY2(() => this.SUBRULE(this.member))
  })

  importDecl = this.RULE("importDecl", () => {
    this.CONSUME(T.Import)
    this.CONSUME(T.StringLiteral)
    this.CONSUME(T.As)
    this.CONSUME(T.Identifier)
  })

  header = this.RULE("header", () => {
    this.CONSUME(T.Lrs)
    this.CONSUME(T.NumberLiteral)
  })

  member = this.RULE("member", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: "keyword" })
          // A dotted name sets a block's field from outside it: `stream.replay in [...]` in a sweep.
          this.MANY(() => {
            this.CONSUME(T.Dot)
            this.CONSUME3(T.Identifier, { LABEL: "path" })
          })
          this.OPTION(() => this.CONSUME2(T.Identifier, { LABEL: "name" }))
          this.OR2([
            {
              ALT: () => {
                this.CONSUME(T.Equals)
                this.SUBRULE(this.expression, { LABEL: "value" })
              }
            },
            { ALT: () => this.SUBRULE(this.block) },
            { GATE: this.onSameLine, ALT: () => this.SUBRULE(this.clauses) }
          ])
        }
      },
      // A statement may start with its clause: `until test.accuracy >= 0.97`.
      { ALT: () => this.SUBRULE2(this.clauses) }
    ])
  })

  // A statement ends with its line: `until ...` then `on ...` on the next line are two statements.
  clauses = this.RULE("clauses", () => {
    this.SUBRULE(this.clause)
    this.MANY({ GATE: this.onSameLine, DEF: () => this.SUBRULE2(this.clause) })
  })

  /** `item, item, item` with an optional trailing comma, right after an opening bracket. */
  private commaSeparated(item: () => void): void {
    // An item may start only after the opening bracket or a comma, so `[a b]` is an error.
    this.MANY9({
      GATE: () => this.LA(0).tokenType === T.Comma || this.LA(0).tokenType === T.LParen || this.LA(0).tokenType === T.LBracket || this.LA(0).tokenType === T.LCurly,
      DEF: () => {
        item()
        this.OPTION9(() => this.CONSUME9(T.Comma))
      }
    })
  }

  /** Whether the next token is on the line where the last consumed one ends. */
  private onSameLine = (): boolean => sameLine(this.LA(0), this.LA(1))

  block = this.RULE("block", () => {
    this.CONSUME(T.LCurly)
    this.MANY(() => {
      this.SUBRULE(this.member)
      this.OPTION(() => this.CONSUME(T.Comma))
    })
    this.CONSUME(T.RCurly)
  })

  clause = this.RULE("clause", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Preposition)
          this.SUBRULE(this.expression)
        }
      },
      { ALT: () => this.SUBRULE(this.list) }
    ])
  })

  // One flat rule for every binary operator; toAst applies precedence (then < for < comparison <
  // -> and .. < + - < * /). Seven nested precedence rules made parsing three times slower.
  expression = this.RULE("expression", () => {
    this.SUBRULE(this.unary)
    this.MANY(() => {
      this.CONSUME(T.BinaryOperator)
      this.SUBRULE2(this.unary)
    })
  })

  unary = this.RULE("unary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus)
          this.SUBRULE(this.unary)
        }
      },
      { ALT: () => this.SUBRULE(this.primary) }
    ])
  })

  primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.number) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.SUBRULE(this.reference) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.record) },
      {
        ALT: () => {
          this.CONSUME(T.LParen)
          this.SUBRULE(this.expression)
          this.CONSUME(T.RParen)
        }
      }
    ])
  })

  number = this.RULE("number", () => {
    const literal = this.CONSUME(T.NumberLiteral)
    this.OPTION(() => this.CONSUME(T.Percent, { LABEL: "unit" }))
    // A unit must sit on the literal's line: `seed = 7` followed by `steps = 100` is two members.
    this.OPTION2({
      GATE: () => sameLine(literal, this.LA(1)),
      DEF: () => this.CONSUME(T.Identifier, { LABEL: "unit" })
    })
  })

  reference = this.RULE("reference", () => {
    this.CONSUME(T.Identifier)
    this.MANY(() => {
      this.CONSUME(T.Dot)
      this.CONSUME2(T.Identifier)
    })
    this.OPTION(() => {
      this.CONSUME(T.LParen)
      this.commaSeparated(() => this.SUBRULE(this.argument))
      this.CONSUME(T.RParen)
    })
  })

  argument = this.RULE("argument", () => {
    this.OPTION({
      GATE: () => this.LA(2).tokenType === T.Equals,
      DEF: () => {
        // A clause word can name an argument: `sampled(s, every = 100 steps)`.
        this.OR([
          { ALT: () => this.CONSUME(T.Identifier, { LABEL: "name" }) },
          { ALT: () => this.CONSUME(T.Preposition, { LABEL: "name" }) }
        ])
        this.CONSUME(T.Equals)
      }
    })
    this.SUBRULE(this.expression)
  })

  list = this.RULE("list", () => {
    this.CONSUME(T.LBracket)
    this.commaSeparated(() => this.SUBRULE(this.expression))
    this.CONSUME(T.RBracket)
  })

  record = this.RULE("record", () => {
    this.CONSUME(T.LCurly)
    this.commaSeparated(() => {
      this.CONSUME(T.Identifier)
      this.CONSUME(T.Equals)
      this.SUBRULE(this.expression)
    })
    this.CONSUME(T.RCurly)
  })
}

const sameLine = (a: IToken, b: IToken): boolean => b.startLine !== undefined && a.endLine === b.startLine

/** One parser for the process, reset per input (Chevrotain's performance guide). */
export const parser = new LrsParser({ validate: false })

export type RuleName = "document" | "expression"

/** The CST, or undefined when the input had more than `maxSyntaxErrors` syntax errors (those found are in `parser.errors`). */
export const parseTokens = (tokens: Array<IToken>, rule: RuleName): CstNode | undefined => {
  parser.input = tokens
  resetErrorCount()
  try {
    return rule === "document" ? parser.document() : parser.expression()
  } catch (e) {
    if (e instanceof TooManyErrors) return undefined
    throw e
  }
}
