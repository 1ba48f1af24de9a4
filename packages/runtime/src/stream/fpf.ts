import * as tf from "@tensorflow/tfjs"
import type { Model } from "../model/create.ts"
import { softmaxCrossEntropy } from "../model/mlp.ts"
import { lossAndGradients, type NamedVariable } from "../model/variables.ts"
import type { StreamBatch } from "./stream.ts"

/** The updates after which k-FPF fine-tunes: round(i * steps / k) for i = 1..k (the last at the end). */
export const fpfPoints = (steps: number, k: number): ReadonlySet<number> =>
  new Set(Array.from({ length: k }, (_, i) => Math.round(((i + 1) * steps) / k)).filter((u) => u >= 1))

/**
 * The variables of the named modules: `layer2` / `conv0` / `dense1` are every variable named
 * `<module>.…`; `output` is the last layer (the highest-numbered `layer` or `dense`). Names that
 * match nothing come back in `missing`.
 */
export const moduleVariables = (variables: ReadonlyArray<NamedVariable>, modules: ReadonlyArray<string>): { readonly selected: Array<NamedVariable>; readonly missing: Array<string> } => {
  const prefixOf = (name: string) => name.split(".")[0]!
  const layers = [...new Set(variables.map((v) => prefixOf(v.name)).filter((p) => /^(layer|dense)\d+$/.test(p)))]
  const last = layers.sort((a, b) => Number(a.replace(/\D/g, "")) - Number(b.replace(/\D/g, "")) || a.localeCompare(b)).pop()
  const wanted = new Set(modules.map((m) => (m === "output" ? last ?? m : m)))
  const selected = variables.filter((v) => wanted.has(prefixOf(v.name)))
  const found = new Set(selected.map((v) => prefixOf(v.name)))
  return { selected, missing: modules.filter((m) => !found.has(m === "output" ? last ?? m : m)) }
}

/**
 * FPF's fine-tuning: `iterations` plain SGD steps (`w <- w - lr * g`) on the batches `batchAt(i)`
 * gives (drawn from the replay buffer), cross-entropy on their labels (a task-incremental mask
 * added to the logits), changing only `selected`; the optimizer's state is left alone. Returns the
 * mean batch loss over the iterations (the caller reads and disposes it).
 */
export const fineTune = (
  model: Model,
  selected: ReadonlyArray<NamedVariable>,
  batchAt: (i: number) => StreamBatch,
  shape: { readonly features: number; readonly outputs: number },
  lr: number,
  iterations: number,
  step: number
): tf.Scalar => {
  let total = tf.scalar(0)
  for (let i = 0; i < iterations; i++) {
    const b = batchAt(i)
    const n = b.y.length
    const next = tf.tidy(() => {
      const x = tf.tensor2d(b.x, [n, shape.features])
      const y = tf.tensor1d(b.y, "int32")
      const mask = b.mask === undefined ? undefined : tf.tensor2d(b.mask, [n, shape.outputs])
      const { loss, grads } = lossAndGradients(() => {
        const logits = model.forward(x, { training: true, step })
        return softmaxCrossEntropy(mask === undefined ? logits : (tf.add(logits, mask) as tf.Tensor2D), y)
      }, selected)
      for (const v of selected) v.variable.assign(tf.sub(v.variable, tf.mul(grads[v.name]!, lr)))
      return tf.add(total, loss) as tf.Scalar
    })
    total.dispose()
    total = next
  }
  const mean = tf.div(total, iterations) as tf.Scalar
  total.dispose()
  return mean
}
