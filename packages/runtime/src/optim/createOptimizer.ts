import type { OptimizerIR } from "@lrs/compiler"
import { closedForm, type ScheduleReader } from "../schedule/ScheduleReader.ts"
import type { NamedVariable } from "../model/variables.ts"
import { createAdam } from "./adam.ts"
import { createClassp } from "./classp.ts"
import { withProjection } from "./project.ts"
import type { Optimizer } from "./Optimizer.ts"
import { createSgd } from "./sgd.ts"

/**
 * Our own optimizers (not tfjs's: they cannot change hyperparameters per step consistently, and have no AdamW).
 * `read` gives every hyperparameter its value at a step (the trainer's includes what `plateau`s reduced).
 */
export const createOptimizer = (ir: OptimizerIR, variables: ReadonlyArray<NamedVariable>, read: ScheduleReader = closedForm): Optimizer => {
  // Created before any update or restore: a projection's norms are those of the seeded init.
  const inner = ir.kind === "sgd" ? createSgd(ir, variables, read) : ir.kind === "classp" ? createClassp(ir, variables, read) : createAdam(ir, variables, read)
  return ir.project === true ? withProjection(inner, variables) : inner
}
