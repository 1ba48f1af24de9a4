import { createHash } from "node:crypto"
import type { RunIR } from "@lrs/compiler"

/**
 * Canonical JSON of what a run computes: keys sorted, spans and the source path left out, so
 * moving a spec or reformatting it keeps its identity and changing any value changes it.
 */
export const canonicalJson = (ir: RunIR): string =>
  JSON.stringify(ir, (key, value: unknown) => {
    if (key === "span" || key === "source") return undefined
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
    return value
  })

/** The experiment's identity: the first 10 hex digits of the SHA-256 of its canonical IR. */
export const runId = (ir: RunIR): string => createHash("sha256").update(canonicalJson(ir)).digest("hex").slice(0, 10)
