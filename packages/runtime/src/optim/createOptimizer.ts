import type { Adaptive, OptimizerIR } from "@lrs/compiler"
import type { NamedVariable } from "../model/variables.ts"
import { createAdam } from "./adam.ts"
import type { Optimizer } from "./Optimizer.ts"
import { createSgd } from "./sgd.ts"

/**
 * Our own optimizers (not tfjs's: they cannot change hyperparameters per step consistently, and have no AdamW).
 * `adaptive` is the state of the run's `plateau` schedules (none: never reduced).
 */
export const createOptimizer = (ir: OptimizerIR, variables: ReadonlyArray<NamedVariable>, adaptive?: Adaptive): Optimizer =>
  ir.kind === "sgd" ? createSgd(ir, variables, adaptive) : createAdam(ir, variables, adaptive)
