/**
 * What an `lrs worker` runs: the sweep workflow (any runner may own a sweep) and the loops that take
 * trials from the queue and run each exactly as the local sweep does.
 */
import type { PruneRule } from "@lrs/compiler"
import { metricsRows } from "@lrs/compiler"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FileSystem from "effect/FileSystem"
import * as PersistedQueue from "effect/persistence/PersistedQueue"
import * as Activity from "effect/workflow/Activity"
import * as DurableDeferred from "effect/workflow/DurableDeferred"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { readRun } from "../runs/read.ts"
import { Pruner } from "../sweep/prune.ts"
import { nextAction, runTrial } from "../sweep/runTrial.ts"
import { SweepWorkflow, trialDone, TrialItem, type TrialJob, type TrialOutcome, trialQueueName } from "./protocol.ts"

/** Each kill of a worker costs its trial an attempt; a trial is only given up after this many. */
const maxAttempts = 1000

const trialQueue = PersistedQueue.make({ name: trialQueueName, schema: TrialItem, maxAttempts })

/**
 * The sweep: offers every trial to the queue once (an activity, so replays do not offer again), then
 * waits for all of them. Waiting is durable: the workflow suspends and wakes as trials complete,
 * on whichever runner owns it then.
 */
export const SweepWorkflowLayer = SweepWorkflow.toLayer(Effect.fnUntraced(function*(payload, executionId) {
  const queue = yield* trialQueue
  yield* Activity.make({
    name: "enqueue",
    execute: Effect.forEach(
      payload.trials,
      (job) =>
        queue.offer(
          { token: DurableDeferred.tokenFromExecutionId(trialDone(job.index), { workflow: SweepWorkflow, executionId }), job },
          // The id makes a repeated offer (a replay after a crash inside the activity) a no-op.
          { id: `${executionId}/${job.index}` }
        ),
      { discard: true }
    ).pipe(Effect.orDie)
  })
  return yield* Effect.forEach(payload.trials, (job) => DurableDeferred.await(trialDone(job.index)), { concurrency: "unbounded" })
}))

/** The trials of the sweep that `dir` belongs to, by number: its siblings `NNN-...` in the sweep's folder. */
const siblings = (dir: string): Array<{ readonly index: number; readonly dir: string }> => {
  const root = dirname(dir)
  let names: Array<string>
  try {
    names = readdirSync(root)
  } catch {
    return []
  }
  return names.filter((n) => /^\d+-/.test(n) && !n.endsWith(".log") && join(root, n) !== dir).map((n) => ({ index: Number(n.slice(0, n.indexOf("-"))), dir: join(root, n) }))
}

const rowsOf = (dir: string): ReadonlyArray<Readonly<Record<string, unknown>>> => {
  try {
    const parsed = metricsRows(readFileSync(join(dir, "metrics.jsonl"), "utf8"))
    return "rows" in parsed ? parsed.rows.map((r) => r.row) : []
  } catch {
    return []
  }
}

/**
 * The prune rule as a worker applies it: the local sweep's Pruner, told about the other trials by
 * their run directories (every 2 s; the filesystem is what the workers share) instead of in memory.
 */
const judgeFor = (job: TrialJob): (rows: ReadonlyArray<Readonly<Record<string, unknown>>>) => object | undefined => {
  if (job.prune === undefined) return () => undefined
  const pruner = new Pruner(JSON.parse(job.prune) as PruneRule)
  let lastLook = 0
  return (rows) => {
    if (Date.now() - lastLook >= 2000) {
      lastLook = Date.now()
      for (const s of siblings(job.dir)) pruner.report(s.index, rowsOf(s.dir), job.budget)
    }
    return pruner.report(job.index, rows, job.budget)
  }
}

/** How long a run directory another process holds (run.lock) may keep us waiting before we take it over. */
const busyPatience = 30_000

/**
 * Runs one trial the way the local sweep does: skips it when finished or pruned, resumes it from
 * its last checkpoint when one exists (a worker was killed mid-trial), runs it from the start
 * otherwise. A trial still held by a live process (the killed worker's child, stopping) is waited
 * for; a lock older than `busyPatience` is taken to be another machine's and ignored.
 */
const runJob = Effect.fnUntraced(function*(job: TrialJob, worker: string) {
  const fs = yield* FileSystem.FileSystem
  const name = basename(job.dir)
  const waitedSince = Date.now()
  while (true) {
    const info = yield* readRun(job.dir)
    let action = nextAction(info)
    if (action === "skip") return { index: job.index, code: info?.status === "pruned" ? "pruned" : 0, worker } satisfies TrialOutcome
    if (action === "busy") {
      if (Date.now() - waitedSince < busyPatience) {
        yield* Effect.sleep("500 millis")
        continue
      }
      const checkpoints = existsSync(join(job.dir, "checkpoints")) && readdirSync(join(job.dir, "checkpoints")).some((c) => /^step-\d{8}$/.test(c))
      yield* Console.log(`trial ${job.index} (${name}): its run.lock names a process that is not this machine's or does not stop; taking it over`)
      action = checkpoints ? "resume" : "run"
    }
    // A run that died before its first checkpoint starts again from scratch.
    if (action === "run") yield* fs.remove(job.dir, { recursive: true }).pipe(Effect.ignore)
    yield* Console.log(`trial ${job.index} (${name}): ${action === "resume" ? "resuming from its last checkpoint" : "starting"}`)
    const code = yield* runTrial(job, job, action, judgeFor(job))
    yield* Console.log(`trial ${job.index} (${name}): ${code === 0 ? "done" : code === "pruned" ? "pruned" : `FAILED (exit ${code}; see ${job.dir}.log)`}`)
    return { index: job.index, code, worker } satisfies TrialOutcome
  }
})

/**
 * `parallel` loops, each taking one trial at a time from the queue. A trial's outcome completes the
 * sweep's wait for it; a worker stopped mid-trial (Ctrl-C) gives the trial back to the queue, and
 * one killed outright loses its lock on it after the queue's lock expiration.
 */
export const serveTrials = Effect.fnUntraced(function*(parallel: number, worker: string) {
  const queue = yield* trialQueue
  const one = queue.take((item) =>
    runJob(item.job, worker).pipe(
      // A bug in this process, not the trial: report the trial failed rather than retry it forever.
      Effect.catchDefect((defect) =>
        Console.error(`trial ${item.job.index}: internal error (please report it)\n${Cause.pretty(Cause.die(defect))}`).pipe(
          Effect.as({ index: item.job.index, code: 1, worker } satisfies TrialOutcome)
        )
      ),
      Effect.flatMap((outcome) => DurableDeferred.done(trialDone(item.job.index), { token: item.token, exit: Exit.succeed(outcome) }))
    )
  ).pipe(Effect.catch((e) => Console.error(`the trial queue failed (${e.message}); trying again`).pipe(Effect.andThen(Effect.sleep("1 second")))))
  return yield* Effect.replicateEffect(Effect.forever(one), parallel, { concurrency: parallel, discard: true })
})
