import type { Constructor } from "./library.ts"

/** The `hf.*` compatibility constructors (being written). */
export const hf: Readonly<Record<string, Constructor>> = {}
