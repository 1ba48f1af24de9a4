import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { cstTypes, grammarHtml } from "./grammar.ts"

const dsl = join(import.meta.dirname, "..")
writeFileSync(join(dsl, "src/syntax/cst.generated.ts"), cstTypes())
writeFileSync(join(dsl, "../../specs/grammar.html"), grammarHtml())
console.log("wrote packages/dsl/src/syntax/cst.generated.ts and specs/grammar.html")
