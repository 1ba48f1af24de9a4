import { evaluateSchedule, type SignalIR } from "@lrs/compiler"
import { Context } from "effect"
import { loadData } from "../data/load.ts"
import { createModel } from "../model/create.ts"
import { createOptimizer } from "../optim/createOptimizer.ts"
import { loadLatestCheckpoint, saveCheckpoint } from "./checkpoint.ts"
import { evaluate, evaluateAsync } from "./evaluate.ts"
import { SignalBoard } from "./signals.ts"

/**
 * The trainer's replaceable parts, as services whose default is the real implementation
 * (`Context.Reference`): `train` works with nothing provided, and a test swaps any one part with
 * `Effect.provideService(Evaluator, ...)` without touching the others. Backend, RunStore and
 * Reporter hold resources or I/O configuration, so they are ordinary services with layers.
 */

/** Loads a spec's data source into splits (seeded shuffling and carving). */
export const DataLoader = Context.Reference<{ readonly load: typeof loadData }>("@lrs/runtime/DataLoader", {
  defaultValue: () => ({ load: loadData })
})

/** Builds a model from its IR with seeded weights. */
export const Models = Context.Reference<{ readonly create: typeof createModel }>("@lrs/runtime/Models", {
  defaultValue: () => ({ create: createModel })
})

/** Builds an optimizer whose hyperparameters are schedules. */
export const Optimizers = Context.Reference<{ readonly create: typeof createOptimizer }>("@lrs/runtime/Optimizers", {
  defaultValue: () => ({ create: createOptimizer })
})

/**
 * Computes a split's metrics under the model. On a GPU backend the trainer uses `evaluateAsync`
 * when there is one (a replacement that gives only `evaluate` is used as it is).
 */
export const Evaluator = Context.Reference<{ readonly evaluate: typeof evaluate; readonly evaluateAsync?: typeof evaluateAsync }>("@lrs/runtime/Evaluator", {
  defaultValue: () => ({ evaluate, evaluateAsync })
})

/** Writes checkpoints atomically and reads the newest back. */
export const Checkpointer = Context.Reference<{ readonly save: typeof saveCheckpoint; readonly loadLatest: typeof loadLatestCheckpoint }>(
  "@lrs/runtime/Checkpointer",
  { defaultValue: () => ({ save: saveCheckpoint, loadLatest: loadLatestCheckpoint }) }
)

/** Evaluates a schedule at an update, given the run's adaptive state (what each `plateau` reduced). */
export const Schedules = Context.Reference<{ readonly evaluate: typeof evaluateSchedule }>("@lrs/runtime/Schedules", {
  defaultValue: () => ({ evaluate: evaluateSchedule })
})

/** Keeps the latest value of every signal a run uses (and their moving averages). */
export const Signals = Context.Reference<{ readonly board: (used: ReadonlyArray<SignalIR>) => SignalBoard }>("@lrs/runtime/Signals", {
  defaultValue: () => ({ board: (used) => new SignalBoard(used) })
})
