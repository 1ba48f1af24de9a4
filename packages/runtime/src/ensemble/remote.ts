/**
 * Replica hosts in other processes (cluster workers): what a pool needs to open one, and what the
 * process hosting it runs. A call crosses as an operation and its arguments, plain data serialised
 * with Node's structured clone (`node:v8`), which keeps Float32Arrays bit for bit, so a replica
 * computes the same numbers wherever it runs (as with the worker threads of worker.ts).
 */
import { deserialize, serialize } from "node:v8"
import { type BackendName, isGpuBackend, starters } from "../backend/Backend.ts"
import { type HostInit, ReplicaHost } from "./host.ts"
import type { Remote } from "./pool.ts"

export type { HostInit } from "./host.ts"
export type { Remote } from "./pool.ts"

/** The operations of a host, as a pool calls them. */
export type HostOp = keyof Remote
export const hostOps: ReadonlyArray<HostOp> = ["step", "apply", "weights", "setWeights", "state", "restore", "dispose"]

/** Hosts outside this process for an ensemble's pool: how many, what they are, and how to open host `h` with its replicas on the trainer's backend. */
export interface RemoteHosts {
  readonly hosts: number
  readonly label: string
  readonly open: (init: HostInit, host: number, backend: BackendName) => Remote
}

/** A call's arguments or result as bytes, and back. */
export const encode = (value: unknown): Uint8Array => serialize(value)
export const decode = (bytes: Uint8Array): unknown => deserialize(bytes)

/** Starts `backend` in this process (once; tfjs keeps it) and builds the host's replicas. */
export const openHost = async (backend: BackendName, init: HostInit): Promise<ReplicaHost> => {
  await starters[backend]()
  return new ReplicaHost(init, isGpuBackend(backend))
}

/** Runs one operation on a host as the pool's in-thread host does (awaited reads on a GPU). */
export const callHost = async (host: ReplicaHost, backend: BackendName, op: HostOp, args: ReadonlyArray<unknown>): Promise<unknown> => {
  const gpu = isGpuBackend(backend)
  const a = args as Array<never>
  switch (op) {
    case "step":
      return gpu ? host.stepAsync(a[0]!, a[1]!, a[2]!) : host.step(a[0]!, a[1]!, a[2]!)
    case "apply":
      return host.apply(a[0]!, a[1]!, a[2]!)
    case "weights":
      return gpu ? host.weightsAsync() : host.weights()
    case "setWeights":
      return host.setWeights(a[0]!)
    case "state":
      return host.state()
    case "restore":
      return host.restore(a[0]!)
    case "dispose":
      return host.dispose()
  }
}
