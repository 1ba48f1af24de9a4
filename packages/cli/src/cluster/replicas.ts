/**
 * An HDET ensemble's replicas on the cluster's workers (`lrs run SPEC --cluster URL`): each replica
 * host of the pool (runtime ensemble/pool.ts) is an entity, `lrs/ReplicaHost`, that a worker
 * holds in memory, and the `lrs run` process stays the trainer: it deals out the batches, combines
 * the replicas' results in replica order and writes the run directory and its checkpoints. A host
 * computes the same numbers on any worker, so the run's results do not depend on where its
 * replicas ran.
 */
import * as Entity from "effect/cluster/Entity"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import * as Rpc from "effect/rpc/Rpc"
import type { Remote, RemoteHosts } from "@lrs/runtime/remote"
import { randomUUID } from "node:crypto"
import { RunFailed, UsageError } from "../errors.ts"
import { clusterLayer } from "./layers.ts"
import { checkPostgres, parseClusterUrl, shownUrl } from "./postgres.ts"

/** A host's operation failed on its worker, or the worker no longer holds the host's replicas. */
export class ReplicaHostFailed extends Schema.TaggedError<ReplicaHostFailed>()("ReplicaHostFailed", { message: Schema.String }) {}

/**
 * How a failed host call reaches the trainer: the pool speaks promises, so it arrives as a defect,
 * which `withClusterHosts` turns back into the run's failure with this message.
 */
class HostCallFailed extends Error {}

const ops = ["step", "apply", "weights", "setWeights", "state", "restore", "dispose"] as const

/** Builds the host's replicas on the worker: the backend to start there and the host's `HostInit` (encoded). */
const Open = Rpc.make("Open", { payload: { backend: Schema.String, init: Schema.Uint8Array }, error: ReplicaHostFailed })
/** One operation of the host with its arguments, both encoded (runtime ensemble/remote.ts); the result, encoded. */
const Call = Rpc.make("Call", { payload: { op: Schema.Literals(ops), args: Schema.Uint8Array }, success: Schema.Uint8Array, error: ReplicaHostFailed })

/** The worker (runner address) an entity landed on: how the trainer spreads its hosts one per worker. */
const Where = Rpc.make("Where", { success: Schema.String })

export const ReplicaHostEntity = Entity.make("lrs/ReplicaHost", [Where, Open, Call])

const failed = (e: unknown) => new ReplicaHostFailed({ message: e instanceof Error ? e.message : String(e) })

/**
 * What a worker runs for each replica host it is given: the host lives in this process's memory
 * from Open until `dispose`. TensorFlow.js loads with the first host, not with the worker.
 */
export const ReplicaHostLayer = ReplicaHostEntity.toLayer(
  Effect.gen(function*() {
    type Runtime = typeof import("@lrs/runtime/remote")
    const runner = yield* Entity.CurrentRunnerAddress
    const entity = yield* Entity.CurrentAddress
    let held: { readonly host: Awaited<ReturnType<Runtime["openHost"]>>; readonly backend: string; readonly runtime: Runtime } | undefined
    return ReplicaHostEntity.of({
      Where: () => Effect.succeed(`${runner.host}:${runner.port}`),
      Open: ({ payload }) =>
        Effect.tryPromise({
          try: async () => {
            const runtime = await import("@lrs/runtime/remote")
            held?.host.dispose()
            const backend = payload.backend as Parameters<Runtime["openHost"]>[0]
            const init = runtime.decode(payload.init) as Parameters<Runtime["openHost"]>[1]
            held = { host: await runtime.openHost(backend, init), backend, runtime }
            return init
          },
          catch: failed
        }).pipe(Effect.flatMap((init) => Console.log(`replica host ${entity.entityId}: replicas ${init.replicas.join(", ")} of ${init.ir.experiment} on ${payload.backend}`))),
      Call: ({ payload }) => {
        const h = held
        if (h === undefined) {
          return Effect.fail(new ReplicaHostFailed({ message: "the worker that has it now holds none of its replicas (the one that had them stopped); resume the run from its last checkpoint with lrs resume RUN_DIR --cluster URL" }))
        }
        return Effect.tryPromise({
          try: async () => {
            const result = await h.runtime.callHost(h.host, h.backend as Parameters<Runtime["callHost"]>[1], payload.op, h.runtime.decode(payload.args) as Array<unknown>)
            if (payload.op === "dispose") held = undefined
            return h.runtime.encode(result ?? null)
          },
          catch: failed
        })
      }
    })
  }),
  // The trainer calls every update; a host idle this long belongs to a run that is gone.
  { maxIdleTime: "10 minutes" }
)

/** The workers the cluster holds healthy now (its runners). */
export const liveWorkers = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ n: number | string }>`SELECT count(*) AS n FROM cluster_runners WHERE healthy`.pipe(Effect.orElseSucceed(() => [{ n: 0 }]))
  return Number(rows[0]?.n ?? 0)
})

/**
 * The pool's hosts as entities, one per worker the cluster has now. The cluster places an entity by
 * the shard its name hashes to, so the trainer names candidates `<run>/<k>` and asks each where it
 * landed until it has one on every worker (or gives up after 64 and shares); host `h` is the one on
 * the `h`-th worker by address. Where they run does not change the numbers, only the speed.
 */
export const clusterHosts = Effect.fnUntraced(function*(workers: number, url: string) {
  const clientFor = yield* ReplicaHostEntity.client
  const runtime = yield* Effect.promise(() => import("@lrs/runtime/remote"))
  const runId = randomUUID()
  const byWorker = new Map<string, string>()
  for (let k = 0; k < 64 && byWorker.size < workers; k++) {
    const where = yield* clientFor(`${runId}/${k}`).Where().pipe(Effect.timeout("10 seconds"), Effect.mapError((e) => new UsageError({ message: `the cluster's workers do not answer (${e.message}); check that they run: lrs worker --cluster ${url}` })))
    if (!byWorker.has(where)) byWorker.set(where, `${runId}/${k}`)
  }
  const ids = [...byWorker].sort(([a], [b]) => a.localeCompare(b)).map(([, id]) => id)
  const open: RemoteHosts["open"] = (init, h, backend) => {
    const client = clientFor(ids[h]!)
    // The pool speaks promises; a failure names the host and why (ReplicaHostFailed, or the cluster's own).
    const run = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.runPromise(effect.pipe(Effect.mapError((e) => new HostCallFailed(`replica host ${h} on the cluster: ${typeof e === "object" && e !== null && "message" in e ? String(e.message) : String(e)}`))))
    const opened = run(client.Open({ backend, init: runtime.encode(init) }))
    const call = (op: (typeof ops)[number]) => async (...args: ReadonlyArray<unknown>) => {
      await opened
      return runtime.decode(await run(client.Call({ op, args: runtime.encode(args) }))) as never
    }
    return Object.fromEntries(ops.map((op) => [op, call(op)])) as unknown as Remote
  }
  return { hosts: ids.length, label: `cluster worker${ids.length === 1 ? "" : "s"}`, open } satisfies RemoteHosts
})

/**
 * Runs `f` with the cluster's workers as an ensemble's replica hosts (`lrs run --cluster`): fails
 * naming the server when PostgreSQL cannot be reached, and saying how to start one when no worker runs.
 */
export const withClusterHosts = <A, E, R>(cluster: string, f: (hosts: RemoteHosts) => Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const url = yield* parseClusterUrl(cluster)
    yield* checkPostgres(url)
    return yield* Effect.gen(function*() {
      const workers = yield* liveWorkers
      if (workers === 0) return yield* new UsageError({ message: `no worker runs on the cluster at ${shownUrl(url)}; start one (or one per machine) with: lrs worker --cluster ${shownUrl(url)}` })
      return yield* f(yield* clusterHosts(workers, shownUrl(url))).pipe(
        Effect.catchDefect((d) => (d instanceof HostCallFailed ? Effect.fail(new RunFailed({ message: d.message })) : Effect.die(d)))
      )
    }).pipe(Effect.provide(Layer.fresh(clusterLayer(url, undefined))), Effect.scoped)
  })
