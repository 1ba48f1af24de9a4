/**
 * The cluster as layers: PostgreSQL holds the messages, the runners and the trial queue; runners
 * (`lrs worker`) own shards and run workflows; the sweep client only sends and reads.
 */
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import * as ClusterWorkflowEngine from "effect/cluster/ClusterWorkflowEngine"
import * as RunnerAddress from "effect/cluster/RunnerAddress"
import type * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PersistedQueue from "effect/persistence/PersistedQueue"
import { postgresLayer } from "./postgres.ts"

/**
 * How fast a dead worker's work moves on. Trials take minutes, so a few queries a second per
 * worker are cheap next to waiting the library defaults (35 s for shards, 2 min for queue items).
 */
const timing = {
  /** A runner that stops refreshing its shard locks loses them after this (with PostgreSQL the locks also go when its connection closes). */
  shardLockRefreshInterval: Duration.seconds(2),
  shardLockExpiration: Duration.seconds(10),
  /** Runners ping each other this often; one that stops answering is dropped and its shards reassigned. */
  runnerHealthCheckInterval: Duration.seconds(2),
  entityMessagePollInterval: Duration.seconds(2)
} satisfies Partial<ShardingConfig.ShardingConfig["Service"]>

/** The largest message between cluster processes: a replica host's gradients or weights (replicas.ts) in one, 1 GiB (the library's default is 16 MiB). */
const maxMessage = 1024 * 1024 * 1024

/** The table of the trial queue (worker.ts deletes a sweep's items from it when the sweep ends). */
export const queueTable = "effect_queue"

/** A queue item whose worker stops refreshing its lock goes back to the queue after `lockExpiration`. */
const queueStore = PersistedQueue.layerStoreSql({ tableName: queueTable, pollInterval: "1 second", lockRefreshInterval: "2 seconds", lockExpiration: "10 seconds" })

/**
 * Everything a cluster process needs over one PostgreSQL database: sharding (socket transport,
 * SQL storage), the workflow engine, the trial queue and the SQL client itself (for the leases). `runner` says where this process listens
 * for the other runners; without it the process is a client that owns no shards.
 *
 * Sharding also reads its settings from the environment (SHARDS_PER_GROUP, ...); the options
 * given here win.
 */
export const clusterLayer = (url: URL, runner: { readonly host: string; readonly port: number } | undefined) => {
  const address = runner === undefined ? Option.none() : Option.some(RunnerAddress.make(runner.host, runner.port))
  const sharding = runner === undefined
    ? NodeClusterSocket.layer({ storage: "sql", clientOnly: true, serializationMaxBufferSize: maxMessage, shardingConfig: { ...timing, runnerAddress: Option.none(), runnerListenAddress: Option.none() } })
    : NodeClusterSocket.layer({ storage: "sql", runnerHealth: "ping", serializationMaxBufferSize: maxMessage, shardingConfig: { ...timing, runnerAddress: address, runnerListenAddress: address } })
  return ClusterWorkflowEngine.layer.pipe(
    Layer.provideMerge(sharding),
    Layer.merge(PersistedQueue.layer.pipe(Layer.provide(queueStore))),
    Layer.provideMerge(postgresLayer(url, runner === undefined ? "lrs sweep" : `lrs worker ${runner.host}:${runner.port}`))
  )
}
