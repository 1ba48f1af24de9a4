import { Lexer } from "chevrotain"
import { allTokens } from "./tokens.ts"

/** One lexer for the process. Comments are kept in their own group for the formatter. */
export const lexer = new Lexer(allTokens as Array<never>, { ensureOptimizations: true, positionTracking: "full" })
