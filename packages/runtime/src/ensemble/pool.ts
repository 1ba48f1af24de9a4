import { Worker } from "node:worker_threads"
import { type BackendName, isGpuBackend } from "../backend/Backend.ts"
import { type HostInit, ReplicaHost, type ReplicaState, type Shard, type Values } from "./host.ts"
import type { RemoteHosts } from "./remote.ts"

/** The methods of ReplicaHost a pool calls, as promises (a host in this thread, a worker thread or another process). */
export type Remote = {
  readonly [K in "step" | "apply" | "weights" | "setWeights" | "state" | "restore" | "dispose"]: (...args: Parameters<ReplicaHost[K]>) => Promise<Awaited<ReturnType<ReplicaHost[K]>>>
}

const local = (init: HostInit, gpu: boolean): Remote => {
  const host = new ReplicaHost(init, gpu)
  return {
    step: async (...a) => (gpu ? host.stepAsync(...a) : host.step(...a)),
    apply: async (...a) => host.apply(...a),
    weights: async () => (gpu ? host.weightsAsync() : host.weights()),
    setWeights: async (...a) => host.setWeights(...a),
    state: () => host.state(),
    restore: async (...a) => host.restore(...a),
    dispose: async () => host.dispose()
  }
}

const inWorker = (init: HostInit, backend: BackendName): Remote & { readonly terminate: () => Promise<number> } => {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { workerData: { backend, init } })
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let next = 0
  const fail = (e: Error) => {
    for (const p of pending.values()) p.reject(e)
    pending.clear()
  }
  worker.on("message", (m: { id: number; result?: unknown; error?: string }) => {
    const p = pending.get(m.id)
    pending.delete(m.id)
    if (m.error !== undefined) p?.reject(new Error(m.error))
    else p?.resolve(m.result)
  })
  worker.on("error", fail)
  worker.on("exit", (code) => fail(new Error(`a replica worker exited (code ${code})`)))
  const call = (op: string) => (...args: ReadonlyArray<unknown>) =>
    new Promise<never>((resolve, reject) => {
      const id = next++
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      worker.postMessage({ id, op, args })
    })
  return {
    step: call("step"),
    apply: call("apply"),
    weights: call("weights"),
    setWeights: call("setWeights"),
    state: call("state"),
    restore: call("restore"),
    dispose: call("dispose"),
    terminate: () => worker.terminate()
  }
}

/** The element-wise mean of equally long arrays, summed in the given order in float64 (so it does not depend on where they came from). */
export const meanOf = (arrays: ReadonlyArray<Float32Array>): Float32Array => {
  const out = new Float32Array(arrays[0]!.length)
  for (let i = 0; i < out.length; i++) {
    let s = 0
    for (const a of arrays) s += a[i]!
    out[i] = s / arrays.length
  }
  return out
}

/**
 * An ensemble's replicas spread over `threads` hosts: the trainer's own thread when `threads` is 1,
 * else worker threads, or the hosts `remote` opens elsewhere (remote.ts); replica `r` on host `r mod hosts`. Results are in replica order and the
 * same whatever `threads` is: each replica computes the same numbers on any host, and the pool
 * combines them in one fixed order.
 */
export interface ReplicaPool {
  readonly threads: number
  step(t: number, shards: ReadonlyArray<Shard>, values: ReadonlyArray<Values>): Promise<{ losses: Array<number>; grads: Array<Array<Float32Array>> }>
  apply(t: number, grads: ReadonlyArray<Float32Array>, values: ReadonlyArray<Values>): Promise<void>
  /** Averages every replica's weights (HDET's converge) and returns the mean. */
  average(): Promise<Array<Float32Array>>
  /** The mean of the replicas' weights, leaving them as they are. */
  mean(): Promise<Array<Float32Array>>
  state(): Promise<Array<ReplicaState>>
  restore(states: ReadonlyArray<ReplicaState>): Promise<void>
  close(): Promise<void>
}

export const createPool = (init: Omit<HostInit, "replicas">, replicas: number, threads: number, backend: BackendName, remote?: RemoteHosts): ReplicaPool => {
  // On a GPU every replica runs in this thread: the device is the parallelism, and a worker would
  // have to open a second device of its own. Remote hosts (remote.ts) bring their own.
  const gpu = isGpuBackend(backend)
  const n = remote !== undefined ? Math.max(1, Math.min(remote.hosts, replicas)) : gpu ? 1 : Math.max(1, Math.min(threads, replicas))
  const owned = Array.from({ length: n }, (_, h) => Array.from({ length: replicas }, (_, r) => r).filter((r) => r % n === h))
  const hosts: Array<Remote & { readonly terminate?: () => Promise<unknown> }> = owned.map((rs, h) =>
    remote !== undefined ? remote.open({ ...init, replicas: rs }, h, backend) : n === 1 ? local({ ...init, replicas: rs }, gpu) : inWorker({ ...init, replicas: rs }, backend)
  )
  /** Per host, the items of `perReplica` it owns. */
  const split = <A>(perReplica: ReadonlyArray<A>) => owned.map((rs) => rs.map((r) => perReplica[r]!))
  /** Back into replica order from per-host lists. */
  const join = <A>(perHost: ReadonlyArray<ReadonlyArray<A>>): Array<A> => {
    const out = new Array<A>(replicas)
    perHost.forEach((items, h) => items.forEach((item, i) => (out[owned[h]![i]!] = item)))
    return out
  }
  const weights = async () => join(await Promise.all(hosts.map((h) => h.weights())))
  const mean = async () => {
    const all = await weights()
    return all[0]!.map((_, k) => meanOf(all.map((w) => w[k]!)))
  }
  return {
    threads: n,
    step: async (t, shards, values) => {
      const s = split(shards)
      const v = split(values)
      const parts = await Promise.all(hosts.map((h, i) => h.step(t, s[i]!, v[i]!)))
      return { losses: join(parts.map((p) => p.losses)), grads: join(parts.map((p) => p.grads)) }
    },
    apply: async (t, grads, values) => {
      const v = split(values)
      await Promise.all(hosts.map((h, i) => h.apply(t, grads, v[i]!)))
    },
    average: async () => {
      const m = await mean()
      await Promise.all(hosts.map((h) => h.setWeights(m)))
      return m
    },
    mean,
    state: async () => join(await Promise.all(hosts.map((h) => h.state()))),
    restore: async (states) => {
      const s = split(states)
      await Promise.all(hosts.map((h, i) => h.restore(s[i]!)))
    },
    close: async () => {
      await Promise.all(hosts.map(async (h) => {
        await h.dispose().catch(() => undefined)
        await h.terminate?.()
      }))
    }
  }
}
