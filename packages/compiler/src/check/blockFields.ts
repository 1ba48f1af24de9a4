import type { Block, Expr, Span } from "@lrs/dsl"
import type { Context } from "./Context.ts"
import { suggestionHelp } from "./suggest.ts"

/** How a block is named in its errors: `a \`stream\` block`, `a stream`, `the stream`. */
export interface BlockNames {
  readonly keyword: string
  readonly a: string
  readonly the: string
}

/**
 * The `name = value` fields of a `stream`, `rl` or `curriculum` block: anything else, an unknown
 * field (with the nearest name) or a repeated one is reported and left out; `overrides` (`--set
 * <block>.<field>`, sweeps) then replace what the block says.
 */
export const blockFields = (
  ctx: Context,
  block: Block,
  names: BlockNames,
  allowed: ReadonlyArray<string>,
  overrides: ReadonlyMap<string, Expr> = new Map()
): Map<string, { readonly expr: Expr; readonly span: Span }> => {
  const fields = new Map<string, { expr: Expr; span: Span }>()
  for (const m of block.members) {
    if (m.kind !== "Attribute" || m.keyword !== undefined) {
      ctx.report("LRS1002", m.span, `${names.a.startsWith("an ") ? "an" : "a"} \`${names.keyword}\` block takes fields only`, `write ${allowed.map((f) => `\`${f} = ...\``).join(", ")}`)
      continue
    }
    if (!allowed.includes(m.name.text)) {
      ctx.report("LRS1003", m.name.span, `${names.a} has no field \`${m.name.text}\``, suggestionHelp(m.name.text, allowed, "field"))
      continue
    }
    const first = fields.get(m.name.text)
    if (first !== undefined) {
      ctx.report("LRS1006", m.span, `\`${m.name.text}\` is defined twice in ${names.the}`, "remove one of them", { related: [{ span: first.span, label: "first defined here" }] })
      continue
    }
    fields.set(m.name.text, { expr: m.value, span: m.span })
  }
  for (const [name, expr] of overrides) fields.set(name, { expr, span: expr.span })
  return fields
}
