import type { Constructor } from "./library.ts"

/** The `torch.*` compatibility constructors (being written). */
export const torch: Readonly<Record<string, Constructor>> = {}
