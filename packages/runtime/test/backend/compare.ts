import { Effect } from "effect"
import { Backend } from "../../src/backend/Backend.ts"

/** Runs `f` on the cpu backend, then on wasm, and returns both results (plain data, not tensors). */
export const onCpuAndWasm = <A>(f: () => A): Effect.Effect<{ readonly cpu: A; readonly wasm: A }, unknown> =>
  Effect.gen(function*() {
    const cpu = yield* Effect.sync(f).pipe(Effect.provide(Backend.layer("cpu")))
    const wasm = yield* Effect.sync(f).pipe(Effect.provide(Backend.layer("wasm")))
    return { cpu, wasm }
  })

/** Max |a - b| over the elements, and that divided by max |a| (the tensor's scale). */
export const difference = (a: ArrayLike<number>, b: ArrayLike<number>): { readonly abs: number; readonly rel: number } => {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`)
  let abs = 0
  let scale = 0
  for (let i = 0; i < a.length; i++) {
    abs = Math.max(abs, Math.abs(a[i]! - b[i]!))
    scale = Math.max(scale, Math.abs(a[i]!))
  }
  return { abs, rel: scale === 0 ? abs : abs / scale }
}

/** Deterministic test values in about [-1, 1]. */
export const wave = (size: number, offset: number): Float32Array =>
  Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37 + offset) * Math.cos(i * 0.011 + 2 * offset))
