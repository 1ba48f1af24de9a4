/**
 * `loadData`: every data source a spec can name, in one loaded form (`LoadedData`, split.ts).
 *
 * - spirals: `makeSpirals` (spirals.ts) gives train and test; `validation` is carved from its
 *   train split.
 * - fashion_mnist / mnist: the IDX files' own train (60,000) and test (10,000) splits (images.ts);
 *   `validation` carved from train.
 * - csv / jsonl: the file's rows, `test` then `validation` carved by seeded shuffles (tabular.ts).
 *
 * Every carving is deterministic from the run seed; the exact recipe is in split.ts.
 */
import type { DataIR } from "@lrs/compiler"
import { Effect, FileSystem } from "effect"
import { DataError } from "./DataError.ts"
import { loadImages } from "./images.ts"
import { makeSpirals } from "./spirals.ts"
import { carveValidation, type DataOptions, gatherRows, type LoadedData } from "./split.ts"
import { loadTabular } from "./tabular.ts"

export { DataError } from "./DataError.ts"
export type { DataOptions, LoadedData, Split } from "./split.ts"

/** Loads the data a spec names; `options.dataDir` is normally `$LRS_DATA_DIR`, read by the caller. */
export const loadData = Effect.fn("loadData")(function*(
  ir: DataIR,
  seed: number,
  options: DataOptions = {}
): Effect.fn.Return<LoadedData, DataError, FileSystem.FileSystem> {
  switch (ir.kind) {
    case "spirals": {
      const d = makeSpirals(ir, seed)
      const { train, validation } = carveValidation(d.train.n, ir.validationFraction, seed)
      if (ir.validationFraction > 0 && (validation.length === 0 || train.length === 0)) {
        return yield* new DataError({
          message: `${ir.samples} samples with test_fraction ${ir.testFraction} and validation_fraction ${ir.validationFraction} leave an empty split`,
          help: "raise `samples` or move the fractions away from 0 and 1",
          span: ir.span
        })
      }
      return {
        train: ir.validationFraction > 0 ? gatherRows(d.train.x, d.train.y, 2, train) : d.train,
        ...(ir.validationFraction > 0 ? { validation: gatherRows(d.train.x, d.train.y, 2, validation) } : {}),
        test: d.test,
        features: 2,
        shape: [2],
        classes: d.classes
      }
    }
    case "fashion_mnist":
    case "mnist":
      return yield* loadImages(ir, seed, options)
    case "csv":
    case "jsonl":
      return yield* loadTabular(ir, seed, options)
    case "cartpole":
    case "frozen_lake":
    case "digit_sum":
    case "copy_reverse":
    case "bandit":
      // The trainer runs an environment through its RL loop; reaching here is a wiring bug.
      return yield* Effect.die(new Error(`${ir.kind} is an environment, not a dataset: its run goes through the rl loop`))
  }
})
