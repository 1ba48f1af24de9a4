import type * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import type { BatchSamplerState } from "../data/batches.ts"
import type { Optimizer } from "../optim/Optimizer.ts"
import type { NamedVariable } from "../model/variables.ts"
import type { RunDirectory } from "./RunStore.ts"

/** Where one array lives in `tensors.bin` (float32, little-endian, row-major). */
interface Entry {
  readonly shape: ReadonlyArray<number>
  readonly offset: number
  readonly length: number
}

/**
 * Writes `checkpoints/step-<u>/`: `tensors.bin` with every model variable and optimizer slot as
 * float32, and `state.json` saying where each array is plus the optimizer's step count, the batch
 * sampler's state and the signals, which is all a resume needs to continue bit for bit.
 */
export const saveCheckpoint = Effect.fnUntraced(function*(
  dir: RunDirectory,
  updates: number,
  variables: ReadonlyArray<NamedVariable>,
  optimizer: Optimizer,
  sampler: BatchSamplerState,
  signals: Readonly<Record<string, number>>
) {
  const chunks: Array<Float32Array> = []
  let offset = 0
  const add = (shape: ReadonlyArray<number>, values: Float32Array): Entry => {
    chunks.push(values)
    const entry = { shape, offset, length: values.length }
    offset += values.length
    return entry
  }
  const model: Record<string, Entry> = {}
  for (const v of variables) model[v.name] = add(v.variable.shape, (v.variable as tf.Tensor).dataSync() as Float32Array)
  const state = yield* Effect.promise(() => optimizer.state())
  const slots: Record<string, Record<string, Entry>> = {}
  for (const [slot, byVariable] of Object.entries(state.slots)) {
    slots[slot] = {}
    for (const [name, s] of Object.entries(byVariable)) slots[slot]![name] = add(s.shape, s.values)
  }
  const bytes = new Uint8Array(offset * 4)
  const view = new Float32Array(bytes.buffer)
  let at = 0
  for (const c of chunks) {
    view.set(c, at)
    at += c.length
  }
  const folder = `checkpoints/step-${String(updates).padStart(8, "0")}`
  yield* dir.writeBytes(`${folder}/tensors.bin`, bytes)
  yield* dir.write(`${folder}/state.json`, JSON.stringify({ updates, model, optimizer: { kind: state.kind, steps: state.steps, slots }, sampler, signals }, null, 2) + "\n")
  return folder
})
