import * as tf from "@tensorflow/tfjs"
import { Effect, Result } from "effect"
import { Backend } from "../../src/backend/Backend.ts"
import { allowSoftwareEnv } from "../../src/backend/webgpu.ts"

/**
 * The GPU code path on a software GPU (Mesa llvmpipe through Dawn's OpenGL ES backend): tests that
 * need it run only where it starts, and otherwise skip with the reason `--backend gpu` gave.
 * `.ci/run` installs the Debian packages it needs, so in CI it starts.
 */

/** Lets `--backend gpu` take the software adapter, in this process and the CLIs it spawns. */
export const allowSoftwareGpu = (): void => {
  process.env[allowSoftwareEnv] = "1"
}

/** Why the software GPU cannot start here, or undefined when it does (it is then the active backend). */
export const softwareGpuUnavailable = async (): Promise<string | undefined> => {
  allowSoftwareGpu()
  const r = await Effect.runPromise(Effect.service(Backend).pipe(Effect.provide(Backend.layer("gpu")), Effect.result))
  if (Result.isFailure(r)) return `${r.failure.message} (help: ${r.failure.help})`
  if (r.success.name !== "webgpu") return `--backend gpu started ${r.success.name}, not webgpu`
  return undefined
}

/** Runs `f` (tensor work, read back with `await data()`) on `backend`; returns plain data. */
export const onBackend = <A>(request: "cpu" | "gpu", f: () => Promise<A>): Effect.Effect<A, unknown> =>
  Effect.promise(f).pipe(Effect.provide(Backend.layer(request)))

/** The values of `tensors`, read asynchronously (the only way on webgpu), then disposed. */
export const readAll = async (tensors: ReadonlyArray<tf.Tensor>): Promise<Array<Float32Array>> => {
  try {
    return await Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())))
  } finally {
    tf.dispose([...tensors])
  }
}
