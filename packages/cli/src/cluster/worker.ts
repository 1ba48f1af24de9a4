/**
 * What an `lrs worker` runs: the sweep workflow (any runner may own a sweep) and the loops that take
 * trials from the queue and run each exactly as the local sweep does.
 */
import type { PruneRule } from "@lrs/compiler"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FileSystem from "effect/FileSystem"
import * as PersistedQueue from "effect/persistence/PersistedQueue"
import * as Activity from "effect/workflow/Activity"
import * as SqlClient from "effect/sql/SqlClient"
import * as DurableDeferred from "effect/workflow/DurableDeferred"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { readRun } from "../runs/read.ts"
import { Pruner } from "../sweep/prune.ts"
import { prunerRows } from "../sweep/prunerRows.ts"
import { nextAction, runTrial } from "../sweep/runTrial.ts"
import { queueTable } from "./layers.ts"
import { type Holder, leaseTiming, TrialLeases } from "./lease.ts"
import { SweepWorkflow, trialDone, TrialItem, type TrialJob, type TrialOutcome, trialQueueName } from "./protocol.ts"

/** Each kill of a worker costs its trial an attempt; a trial is only given up after this many. */
const maxAttempts = 1000

const trialQueue = PersistedQueue.make({ name: trialQueueName, schema: TrialItem, maxAttempts })

/**
 * The sweep: offers every trial to the queue once (an activity, so replays do not offer again), then
 * waits for all of them. Waiting is durable: the workflow suspends and wakes as trials complete,
 * on whichever runner owns it then. Once all have ended, the round's queue items are deleted: the
 * queue keeps finished items only so that a replayed offer is not taken twice, and an ended
 * round offers nothing again.
 */
export const SweepWorkflowLayer = SweepWorkflow.toLayer(Effect.fnUntraced(function*(payload, executionId) {
  const queue = yield* trialQueue
  const sql = yield* SqlClient.SqlClient
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
  const outcomes = yield* Effect.forEach(payload.trials, (job) => DurableDeferred.await(trialDone(job.index)), { concurrency: "unbounded" })
  yield* Activity.make({
    name: "forget",
    execute: sql`DELETE FROM ${sql(queueTable)} WHERE queue_name = ${trialQueueName} AND starts_with(id, ${`${executionId}/`})`.pipe(Effect.asVoid, Effect.orDie)
  })
  return outcomes
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

/**
 * The prune rule as a worker applies it: the local sweep's Pruner, told about the other trials by
 * their run directories (every 2 s; the filesystem is what the workers share) instead of in memory,
 * counting each pruned one up to where it was stopped as the local sweep does.
 */
const judgeFor = (job: TrialJob): (rows: ReadonlyArray<Readonly<Record<string, unknown>>>) => object | undefined => {
  if (job.prune === undefined) return () => undefined
  const pruner = new Pruner(JSON.parse(job.prune) as PruneRule)
  let lastLook = 0
  return (rows) => {
    if (Date.now() - lastLook >= 2000) {
      lastLook = Date.now()
      for (const s of siblings(job.dir)) pruner.report(s.index, prunerRows(s.dir), job.budget)
    }
    return pruner.report(job.index, rows, job.budget)
  }
}

/**
 * The process `dir`'s run.lock names, when it runs on this machine and is that run's (its command
 * line names the directory); undefined for a stale lock, another machine's process id, or none.
 * Where /proc cannot say (not Linux), any live process counts.
 */
const lockHolderHere = (dir: string): number | undefined => {
  let pid: number
  try {
    pid = Number(readFileSync(join(dir, "run.lock"), "utf8").trim())
  } catch {
    return undefined
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(dir) ? pid : undefined
  } catch {
    if (existsSync("/proc/self")) return undefined
    try {
      process.kill(pid, 0)
      return pid
    } catch {
      return undefined
    }
  }
}

const hasCheckpoint = (dir: string) => existsSync(join(dir, "checkpoints")) && readdirSync(join(dir, "checkpoints")).some((c) => /^step-\d{8}$/.test(c))

/**
 * Runs one trial the way the local sweep does, holding its lease (lease.ts) throughout: skips it
 * when finished or pruned, resumes it from its last checkpoint when one exists (a worker was
 * stopped or killed mid-trial), runs it from the start otherwise. With the lease ours, a run.lock
 * left by another machine means nothing; one whose process runs here and writes this run (a killed
 * worker's trial, which stops within a second, or a local `lrs run`) is waited for. Losing the
 * lease stops the trial.
 */
const runJob = Effect.fnUntraced(function*(job: TrialJob, worker: string) {
  const name = basename(job.dir)
  const fs = yield* FileSystem.FileSystem
  const leases = yield* TrialLeases
  const lease = yield* leases.hold(
    job.dir,
    (h: Holder) => Console.log(`trial ${job.index} (${name}): held by ${h.holder}; waiting until it gives it up (its lease lapses ${leaseTiming.ttlSeconds} s after it stops renewing it)`)
  )
  let told = false
  while (true) {
    const info = yield* readRun(job.dir)
    if (nextAction(info) === "skip") return { index: job.index, code: info?.status === "pruned" ? "pruned" : 0, worker } satisfies TrialOutcome
    const holder = lockHolderHere(job.dir)
    if (holder !== undefined) {
      if (!told) yield* Console.log(`trial ${job.index} (${name}): process ${holder} on this machine still writes it; waiting for it to end`)
      told = true
      yield* Effect.sleep("500 millis")
      continue
    }
    const action = hasCheckpoint(job.dir) ? "resume" : "run"
    if (lease.previous !== undefined) yield* Console.log(`trial ${job.index} (${name}): taken over from ${lease.previous.holder}, whose lease lapsed`)
    // A run that died before its first checkpoint starts again from scratch.
    if (action === "run") yield* fs.remove(job.dir, { recursive: true }).pipe(Effect.ignore)
    yield* Console.log(`trial ${job.index} (${name}): ${action === "resume" ? "resuming from its last checkpoint" : "starting"}`)
    const code = yield* Effect.raceFirst(runTrial(job, job, action, judgeFor(job)), lease.lost)
    yield* Console.log(`trial ${job.index} (${name}): ${code === 0 ? "done" : code === "pruned" ? "pruned" : `FAILED (exit ${code}; see ${job.dir}.log)`}`)
    return { index: job.index, code, worker } satisfies TrialOutcome
  }
}, Effect.scoped)

/**
 * `parallel` loops, each taking one trial at a time from the queue. A trial's outcome completes the
 * sweep's wait for it; a worker stopped mid-trial (SIGTERM, Ctrl-C) stops the trial, waits for its
 * process to end, and gives the trial back to the queue at once; one killed outright loses its
 * lock on it after the queue's lock expiration. A trial that could not be held (its lease lost,
 * the database unreachable) goes back to the queue for a later try.
 */
export const serveTrials = Effect.fnUntraced(function*(parallel: number, worker: string) {
  const queue = yield* trialQueue
  const one = queue.take((item) =>
    runJob(item.job, worker).pipe(
      Effect.tapError((e) =>
        Console.error(`trial ${item.job.index} (${basename(item.job.dir)}): stopped, ${e._tag === "LeaseLost" ? e.message : `PostgreSQL failed (${e.message})`}; it goes back to the queue`)
      ),
      // A bug in this process, not the trial: report the trial failed rather than retry it forever.
      Effect.catchDefect((defect) =>
        Console.error(`trial ${item.job.index}: internal error (please report it)\n${Cause.pretty(Cause.die(defect))}`).pipe(
          Effect.as({ index: item.job.index, code: 1, worker } satisfies TrialOutcome)
        )
      ),
      Effect.flatMap((outcome) => DurableDeferred.done(trialDone(item.job.index), { token: item.token, exit: Exit.succeed(outcome) }))
    )
  ).pipe(
    Effect.catch((e) => (e._tag === "PersistedQueueError" ? Console.error(`the trial queue failed (${e.message}); trying again`) : Effect.void).pipe(Effect.andThen(Effect.sleep("1 second"))))
  )
  return yield* Effect.replicateEffect(Effect.forever(one), parallel, { concurrency: parallel, discard: true })
})
