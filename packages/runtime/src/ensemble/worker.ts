/**
 * A worker thread that hosts some of an ensemble's replicas (see host.ts). It starts the same tfjs
 * backend as the trainer, then answers requests `{ id, op, args }` with `{ id, result }` or
 * `{ id, error }`, in order.
 */
import { parentPort, workerData } from "node:worker_threads"
import { type BackendName, starters } from "../backend/Backend.ts"
import { type HostInit, ReplicaHost } from "./host.ts"

const { backend, init } = workerData as { readonly backend: BackendName; readonly init: HostInit }
const port = parentPort!

const ready = starters[backend]().then(() => new ReplicaHost(init))

port.on("message", async (message: { readonly id: number; readonly op: string; readonly args: Array<unknown> }) => {
  try {
    const host = await ready
    const call = (host as unknown as Record<string, (...a: Array<unknown>) => unknown>)[message.op]
    if (typeof call !== "function") throw new Error(`replica worker: no operation ${message.op}`)
    port.postMessage({ id: message.id, result: await call.apply(host, message.args) })
  } catch (e) {
    port.postMessage({ id: message.id, error: e instanceof Error ? e.stack ?? e.message : String(e) })
  }
})
