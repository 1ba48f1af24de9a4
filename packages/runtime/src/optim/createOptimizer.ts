import type { OptimizerIR } from "@lrs/compiler"
import type { NamedVariable } from "../model/variables.ts"
import { createAdam } from "./adam.ts"
import type { Optimizer } from "./Optimizer.ts"
import { createSgd } from "./sgd.ts"

/** Our own optimizers (not tfjs's: they cannot change hyperparameters per step consistently, and have no AdamW). */
export const createOptimizer = (ir: OptimizerIR, variables: ReadonlyArray<NamedVariable>): Optimizer =>
  ir.kind === "sgd" ? createSgd(ir, variables) : createAdam(ir, variables)
