/**
 * `lrs sweep --cluster`: hands the sweep's unfinished trials to the workers as one durable workflow
 * and follows it until every trial has ended. The workflow lives in PostgreSQL, not in this
 * process: stopping this command leaves the sweep running, and the same command attaches to it again.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { RunFailed } from "../errors.ts"
import { better, type RunInfo, readRun } from "../runs/read.ts"
import { nextAction } from "../sweep/runTrial.ts"
import { cell, summaryTable } from "../sweep/summary.ts"
import type { Trial } from "../sweep/trials.ts"
import { clusterLayer } from "./layers.ts"
import { checkPostgres, parseClusterUrl, shownUrl } from "./postgres.ts"
import { SweepWorkflow, type TrialJob } from "./protocol.ts"

export interface ClusterSweep {
  readonly cluster: string
  /** Absolute, as are the trials' directories: the workers read them from the shared filesystem. */
  readonly spec: string
  readonly root: string
  readonly trials: ReadonlyArray<Trial>
  readonly backend: string
  readonly sets: ReadonlyArray<string>
  readonly prune: string | undefined
  readonly budget: number
}

const setsOf = (t: Trial) => t.assignments.map((a) => `${a.name}=${a.value}`).join(" ")

/**
 * The sweep's workflow key: its folder and everything that decides what its trials run. A sweep
 * whose workflow has completed with work left over (a failed or deleted trial) gets a new round, so
 * rerunning the command retries it, as with the local sweep.
 */
const sweepKey = (s: ClusterSweep, round: number): string => {
  const digest = createHash("sha256").update(readFileSync(s.spec)).update(JSON.stringify([s.backend, s.sets])).digest("hex").slice(0, 16)
  return `${s.root}#${digest}#${round}`
}

/** The first round of the sweep that has not completed: running (attach to it) or never started (start it). */
const currentRound = Effect.fnUntraced(function*(s: ClusterSweep) {
  for (let round = 0;; round++) {
    const key = sweepKey(s, round)
    const id = yield* SweepWorkflow.executionId({ key, trials: [] })
    const result = yield* SweepWorkflow.poll(id)
    if (Option.isNone(result)) return { key, id, running: false }
    if (result.value._tag === "Suspended") return { key, id, running: true }
  }
})

export const clusterSweep = Effect.fn("lrs.sweep.cluster")(function*(s: ClusterSweep) {
  const url = yield* parseClusterUrl(s.cluster)
  yield* checkPostgres(url)
  yield* Effect.gen(function*() {
    const infos = () => Effect.forEach(s.trials, (t) => readRun(t.dir))
    const round = yield* currentRound(s)
    const before = yield* infos()
    let tracked: ReadonlyArray<Trial>
    if (round.running) {
      tracked = s.trials.filter((_, i) => nextAction(before[i]) !== "skip")
      yield* Console.log(`sweep ${s.root}: attached to the sweep already running on the cluster at ${shownUrl(url)}; ${tracked.length} of ${s.trials.length} trials not finished yet`)
    } else {
      const busy = s.trials.filter((_, i) => nextAction(before[i]) === "busy")
      for (const t of busy) yield* Console.log(`trial ${t.index} is running in another process (its run.lock); left to it`)
      tracked = s.trials.filter((_, i) => nextAction(before[i]) === "run" || nextAction(before[i]) === "resume")
      const pruned = before.filter((i) => i?.status === "pruned").length
      yield* Console.log(
        `sweep ${s.root}: ${s.trials.length} trials, ${s.trials.length - tracked.length - pruned - busy.length} finished already${pruned > 0 ? `, ${pruned} pruned` : ""}, ${tracked.length} to run on the cluster at ${shownUrl(url)}`
      )
      if (tracked.length === 0) {
        yield* Console.log(summaryTable(s.trials, before))
        return
      }
      const jobs: Array<TrialJob> = tracked.map((t) => ({ spec: s.spec, dir: t.dir, index: t.index, backend: s.backend, sets: s.sets, prune: s.prune, budget: s.budget }))
      yield* SweepWorkflow.execute({ key: round.key, trials: jobs }, { discard: true })
    }
    yield* Console.log(`the workers run it; stopping this command leaves the sweep running, and the same command follows it again`)

    // Progress from the run directories (shared with the workers); the workflow says when all ended.
    const seen = new Map<number, RunInfo["status"] | undefined>(tracked.map((t) => [t.index, before[s.trials.indexOf(t)]?.status]))
    let best: (NonNullable<RunInfo["best"]> & { readonly trial: number }) | undefined
    let done = 0
    let hinted = false
    let anyStarted = false
    const started = Date.now()
    while (true) {
      const result = yield* SweepWorkflow.poll(round.id)
      for (const t of tracked) {
        const info = yield* readRun(t.dir)
        const status = info?.status
        if (status === seen.get(t.index)) continue
        seen.set(t.index, status)
        anyStarted = true
        if (status === "finished" || status === "stopped" || status === "pruned") {
          done++
          if (status !== "pruned" && info?.best !== undefined && (best === undefined || better(info.best.metric, info.best.value, best.value))) {
            best = { ...info.best, trial: t.index }
          }
          const outcome = status === "pruned" ? `pruned: ${cell(info)}, below what the prune rule keeps` : `done: ${cell(info)}`
          yield* Console.log(`trial ${t.index} (${setsOf(t)}) ${outcome}  [${done}/${tracked.length} done${best === undefined ? "" : `; best ${best.metric} ${best.value.toFixed(4)} (trial ${best.trial})`}]`)
        }
      }
      if (Option.isSome(result) && result.value._tag === "Complete") {
        const outcomes = yield* result.value.exit
        const failed = outcomes.filter((o) => o.code !== 0 && o.code !== "pruned")
        for (const o of failed) {
          const t = s.trials.find((x) => x.index === o.index)!
          yield* Console.log(`trial ${o.index} (${setsOf(t)}) FAILED (exit ${o.code} on worker ${o.worker}; see ${t.dir}.log)`)
        }
        yield* Console.log(summaryTable(s.trials, yield* infos()))
        if (failed.length > 0) return yield* new RunFailed({ message: `${failed.length} trial${failed.length === 1 ? "" : "s"} failed; rerun the same command to retry them` })
        return
      }
      if (!hinted && !anyStarted && Date.now() - started > 15_000) {
        hinted = true
        yield* Console.log(`no worker has started a trial yet; start workers with: lrs worker --cluster ${shownUrl(url)}`)
      }
      yield* Effect.sleep("1 second")
    }
  }).pipe(Effect.provide(Layer.fresh(clusterLayer(url, undefined))), Effect.scoped)
})
