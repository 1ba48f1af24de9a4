import { hf } from "./hf.ts"
import type { Constructor } from "./library.ts"
import { native } from "./native.ts"
import { optax } from "./optax.ts"
import { torch } from "./torch.ts"

/**
 * Every schedule constructor by the name a spec calls it with: the native library, and the
 * compatibility namespaces (`torch.*`, `optax.*`, `hf.*`) that reproduce their sources exactly.
 * Namespaced tables are keyed by their full name (`torch.OneCycleLR`).
 */
export const constructors: ReadonlyMap<string, Constructor> = new Map([
  ...Object.entries(native),
  ...Object.entries(torch),
  ...Object.entries(optax),
  ...Object.entries(hf)
])
