import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"

/**
 * How the trainer reads tensors back. On cpu and wasm a read is a copy the backend already has, so
 * it stays synchronous (`dataSync`) and results are unchanged. On a GPU a read waits for every
 * queued kernel (the device idles while the CPU waits, then the CPU idles while the device
 * refills), and on webgpu in Node a synchronous read cannot be done at all, so there reads are
 * `await data()` and happen only every `gpuReadInterval` updates.
 */

/**
 * The fewest updates between two reads on a GPU backend. Measured on the software GPU (llvmpipe,
 * batch 128, `bench/gpu-reads.bench.ts`, docs/gpu.md): one read costs 12% of a step (quickstart
 * MLP) to 22% (Fashion MLP), so N >= 11 keeps reads under 2%; 50 leaves room for a real GPU, where
 * steps are shorter and a read's round trip is relatively dearer (under 2% while a read costs less
 * than one step).
 */
export const gpuReadInterval = 50

/** The log interval a run uses: the spec's, raised to `gpuReadInterval` on a GPU backend. */
export const logInterval = (every: number, gpu: boolean): number => (gpu ? Math.max(every, gpuReadInterval) : every)

/** The first element of each tensor (NaN for an absent one): synchronously off the GPU, else awaited. */
export const readScalars = (gpu: boolean, tensors: ReadonlyArray<tf.Tensor | undefined>): Effect.Effect<Array<number>> =>
  gpu
    ? Effect.promise(() => Promise.all(tensors.map(async (t) => (t === undefined ? Number.NaN : (await t.data())[0]!))))
    : Effect.sync(() => tensors.map((t) => (t === undefined ? Number.NaN : t.dataSync()[0]!)))

/**
 * On a GPU, copies the tensors' values to the CPU ahead of code that reads them with `dataSync`
 * (checkpoints, snapshots): tfjs caches a tensor's values once read, so those reads then succeed
 * without touching the device. Nothing to do elsewhere.
 */
export const readAhead = (gpu: boolean, tensors: ReadonlyArray<tf.Tensor>): Effect.Effect<void> =>
  gpu ? Effect.promise(() => Promise.all(tensors.map((t) => t.data()))).pipe(Effect.asVoid) : Effect.void
