import { taskEnds } from "@lrs/compiler"

/** A stream as a run's ir.json holds it: `taskSteps` now, `stepsPerTask` in runs made before per-task budgets. */
export interface StreamSteps {
  readonly taskSteps?: ReadonlyArray<number>
  readonly stepsPerTask?: number
  readonly tasks?: { readonly kind: string }
}

/** The update after which each task of a run's stream ends. */
export const streamTaskEnds = (stream: StreamSteps, steps: number): Array<number> => {
  const lengths = stream.taskSteps ?? (typeof stream.stepsPerTask === "number" && stream.stepsPerTask > 0 ? Array.from({ length: Math.floor(steps / stream.stepsPerTask) }, () => stream.stepsPerTask!) : [])
  return taskEnds({ taskSteps: lengths })
}

/** Updates of the stream's last task. */
export const lastTaskSteps = (stream: StreamSteps, steps: number): number => {
  const ends = streamTaskEnds(stream, steps)
  return ends.length === 0 ? steps : steps - (ends[ends.length - 2] ?? 0)
}
