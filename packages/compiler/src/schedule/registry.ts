import type { Constructor } from "./library.ts"
import { native } from "./native.ts"

/**
 * Every schedule constructor by the name a spec calls it with: the native library, and the
 * compatibility namespaces (`torch.*`, `optax.*`, `hf.*`) that reproduce their sources exactly.
 */
export const constructors: ReadonlyMap<string, Constructor> = new Map([...Object.entries(native)])
