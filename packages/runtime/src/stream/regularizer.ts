import type { StreamIR } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import type { NamedVariable } from "../model/variables.ts"

type Regularizer = NonNullable<StreamIR["regularizer"]>

/** What a checkpoint keeps: each anchor's weights and importance (absent for `l2`), per variable in order. */
export interface AnchorsState {
  readonly terms: ReadonlyArray<{ readonly weights: ReadonlyArray<Float32Array>; readonly importance?: ReadonlyArray<Float32Array> }>
}

/**
 * The anchors of a stream's regularizer (see StreamIR): after each task the weights that ended it
 * and, for EWC, their importance (the diagonal Fisher); while training later tasks the penalty
 * `(lambda / 2) * sum_terms sum_i F_i (w_i - w*_i)^2` joins the loss. `separate` EWC keeps a term
 * per finished task; `online` EWC one, `F = gamma * F + F_new` anchored at the last task; `l2` one,
 * `F = 1` anchored at the previous task. For `lwf` the anchor is the previous task's model, which
 * the caller runs for its distillation term (no weight penalty).
 */
export class Anchors {
  private readonly ir: Regularizer
  private terms: Array<{ weights: Array<tf.Tensor>; importance: Array<tf.Tensor> | undefined }> = []

  constructor(ir: Regularizer) {
    this.ir = ir
  }

  get isEmpty(): boolean {
    return this.terms.length === 0
  }

  /** The weights of the last anchor (the previous task's model), undefined before the first. */
  get latest(): ReadonlyArray<tf.Tensor> | undefined {
    return this.terms.at(-1)?.weights
  }

  /** The penalty for the current weights, a scalar inside the caller's tidy (undefined before the first anchor, and for `lwf`). */
  penalty(variables: ReadonlyArray<NamedVariable>): tf.Scalar | undefined {
    if (this.terms.length === 0 || this.ir.kind === "lwf") return undefined
    const parts = this.terms.flatMap((term) =>
      variables.map((v, i) => {
        const d = tf.square(tf.sub(v.variable, term.weights[i]!))
        return tf.sum(term.importance === undefined ? d : tf.mul(term.importance[i]!, d))
      })
    )
    return tf.mul(tf.addN(parts), this.ir.lambda / 2) as tf.Scalar
  }

  /** At the end of a task: anchors the current weights, with `fisher` (per variable) for EWC. */
  consolidate(variables: ReadonlyArray<NamedVariable>, fisher: ReadonlyArray<Float32Array> | undefined): void {
    const weights = variables.map((v) => tf.clone(v.variable))
    const importance = fisher === undefined ? undefined : variables.map((v, i) => tf.tensor(fisher[i]!, v.variable.shape))
    if (this.ir.kind === "ewc" && this.ir.mode === "separate") {
      this.terms.push({ weights, importance })
      return
    }
    const previous = this.terms[0]
    let merged = importance
    if (this.ir.kind === "ewc" && previous?.importance !== undefined && importance !== undefined) {
      const gamma = this.ir.gamma
      merged = tf.tidy(() => importance.map((f, i) => tf.add(tf.mul(previous.importance![i]!, gamma), f)))
      tf.dispose(importance)
    }
    if (previous !== undefined) tf.dispose([...previous.weights, ...(previous.importance ?? [])])
    this.terms = [{ weights, importance: merged }]
  }

  /** The tensors `state()` reads: a GPU caller fetches them first (`readAhead`), as `state()` reads synchronously. */
  held(): ReadonlyArray<tf.Tensor> {
    return this.terms.flatMap((t) => [...t.weights, ...(t.importance ?? [])])
  }

  state(): AnchorsState {
    const read = (ts: ReadonlyArray<tf.Tensor>) => ts.map((t) => (t.dataSync() as Float32Array).slice())
    return { terms: this.terms.map((t) => ({ weights: read(t.weights), ...(t.importance === undefined ? {} : { importance: read(t.importance) }) })) }
  }

  restore(state: AnchorsState, variables: ReadonlyArray<NamedVariable>): void {
    this.dispose()
    this.terms = state.terms.map((t) => ({
      weights: variables.map((v, i) => tf.tensor(t.weights[i]!, v.variable.shape)),
      importance: t.importance === undefined ? undefined : variables.map((v, i) => tf.tensor(t.importance![i]!, v.variable.shape))
    }))
  }

  dispose(): void {
    for (const t of this.terms) tf.dispose([...t.weights, ...(t.importance ?? [])])
    this.terms = []
  }
}
