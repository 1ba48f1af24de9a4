import type * as tf from "@tensorflow/tfjs"

/** Values read back from tensors, in the order asked (on cpu possibly the backend's own storage: copy what you keep). */
export type Values = ReadonlyArray<tf.TypedArray>

/**
 * A computation that reads tensors back, written once for both kinds of backend: it yields the
 * tensors it needs and is resumed with their values, either at once (`runSync`: cpu and wasm, the
 * same `dataSync` reads as plain code) or after `await data()` (`runAsync`: GPU backends, where a
 * synchronous read stalls the device and webgpu in Node cannot read at all). Yield outside
 * `tf.tidy` (a tidy cannot span a pause), and dispose what was read in a `finally`.
 */
export type Reading<A> = Generator<ReadonlyArray<tf.Tensor>, A, Values>

/** Reads `tensors` (inside a Reading, with `yield*`). */
export function* read(...tensors: ReadonlyArray<tf.Tensor>): Reading<Values> {
  return yield tensors
}

/** Runs a Reading with synchronous reads; a failed read is thrown into it, so its `finally` blocks run. */
export const runSync = <A>(reading: Reading<A>): A => {
  let next = reading.next()
  while (!next.done) {
    let values: Values
    try {
      values = next.value.map((t) => t.dataSync())
    } catch (e) {
      next = reading.throw(e)
      continue
    }
    next = reading.next(values)
  }
  return next.value
}

/** Runs a Reading with asynchronous reads (every tensor of one yield read together). */
export const runAsync = async <A>(reading: Reading<A>): Promise<A> => {
  let next = reading.next()
  while (!next.done) {
    let values: Values
    try {
      values = await Promise.all(next.value.map((t) => t.data()))
    } catch (e) {
      next = reading.throw(e)
      continue
    }
    next = reading.next(values)
  }
  return next.value
}

/** `runAsync` on a GPU backend, else `runSync` (as a promise, for one call site). */
export const runOn = <A>(gpu: boolean, reading: Reading<A>): Promise<A> => (gpu ? runAsync(reading) : Promise.resolve().then(() => runSync(reading)))
