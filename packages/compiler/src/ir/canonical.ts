import type { RunIR } from "./Ir.ts"

/**
 * Canonical JSON of what a run computes: keys sorted, spans and the source path left out, so
 * moving or reformatting a spec keeps its identity and changing any value changes it.
 */
export const canonicalJson = (ir: RunIR): string =>
  JSON.stringify(ir, (key, value: unknown) => {
    if (key === "span" || key === "source") return undefined
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
    return value
  })
