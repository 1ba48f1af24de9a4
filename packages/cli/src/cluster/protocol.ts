/**
 * What the `lrs sweep --cluster` client and the `lrs worker` runners agree on: the sweep workflow,
 * the trial queue's items and what a trial reports back. Both sides import these definitions; they
 * are the wire format kept in PostgreSQL.
 */
import * as Schema from "effect/Schema"
import * as DurableDeferred from "effect/workflow/DurableDeferred"
import * as Workflow from "effect/workflow/Workflow"

/** One trial as a worker runs it: exactly the local sweep's child command for that trial. */
export const TrialJob = Schema.Struct({
  /** Absolute paths: workers share the filesystem, not the client's working directory. */
  spec: Schema.String,
  dir: Schema.String,
  index: Schema.Number,
  backend: Schema.String,
  sets: Schema.Array(Schema.String),
  /** The sweep's prune rule as JSON, when it has one, and the run's budget in updates. */
  prune: Schema.optional(Schema.String),
  budget: Schema.Number
})
export type TrialJob = typeof TrialJob.Type

/** How a trial ended: the exit code of its last process (0: done) or `"pruned"`, and the worker that ran it. */
export const TrialOutcome = Schema.Struct({
  index: Schema.Number,
  code: Schema.Union([Schema.Number, Schema.Literal("pruned")]),
  worker: Schema.String
})
export type TrialOutcome = typeof TrialOutcome.Type

/**
 * A sweep: every trial offered to the trial queue, then awaited. The key names the sweep and its
 * round (see submit.ts), so the same command attaches to a running sweep instead of starting another.
 */
export const SweepWorkflow = Workflow.make("lrs/Sweep", {
  payload: { key: Schema.String, trials: Schema.Array(TrialJob) },
  success: Schema.Array(TrialOutcome),
  idempotencyKey: ({ key }) => key
})

/** The queue workers take trials from (a table in PostgreSQL): pulled, so an idle worker gets the next trial. */
export const trialQueueName = "lrs/trials"

/** A queue item: the trial, and the token that completes the sweep's wait for it. */
export const TrialItem = Schema.Struct({ token: DurableDeferred.Token, job: TrialJob })

/** Where the sweep waits for trial `index`. */
export const trialDone = (index: number) => DurableDeferred.make(`trial/${index}`, { success: TrialOutcome })
