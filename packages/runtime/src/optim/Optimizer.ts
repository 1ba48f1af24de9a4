import type * as tf from "@tensorflow/tfjs"

/** One slot tensor of one variable, copied out of tfjs (float32, row-major). */
export interface SlotState {
  readonly shape: ReadonlyArray<number>
  readonly values: Float32Array
}

/**
 * Everything an optimizer needs to continue bit-exactly after a restore. Plain data; `values`
 * are Float32Arrays (write them as binary, or as number arrays: float32 -> JSON number is exact).
 */
export interface OptimizerState {
  readonly kind: "sgd" | "adam" | "adamw" | "classp"
  /** Updates applied so far (torch's per-parameter `step`); drives Adam's bias correction. */
  readonly steps: number
  /** Slot name (`momentum`, `m`, `v`) -> variable name -> values. A missing entry = not created yet. */
  readonly slots: Readonly<Record<string, Readonly<Record<string, SlotState>>>>
}

/**
 * An optimizer whose hyperparameters are schedules of `t` (updates already applied), evaluated
 * afresh on every step. Updates variables in place; allocates no tensors that outlive a step.
 */
export interface Optimizer {
  readonly kind: OptimizerState["kind"]
  /**
   * Applies one update with the hyperparameters at `t`. `grads` is keyed by variable name and must
   * cover every variable; the caller keeps ownership of the gradient tensors.
   */
  step(grads: Readonly<Record<string, tf.Tensor>>, t: number): void
  /** The hyperparameter values a step at `t` uses (scheduled and constant ones). */
  hyperparameters(t: number): Record<string, number>
  /** Copies the slots out (async so a GPU backend can read back without blocking). */
  state(): Promise<OptimizerState>
  /** Overwrites the slots and step count with a saved state of the same kind and variables. */
  restore(state: OptimizerState): void
  dispose(): void
}
