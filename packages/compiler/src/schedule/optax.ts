import type { Constructor } from "./library.ts"

/** The `optax.*` compatibility constructors (being written). */
export const optax: Readonly<Record<string, Constructor>> = {}
