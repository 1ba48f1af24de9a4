/** `lrs worker`: one cluster runner over PostgreSQL that takes trials from the sweeps' queue and hosts ensemble replicas for `lrs run --cluster`. */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createServer } from "node:net"
import { UsageError } from "../errors.ts"
import { clusterLayer } from "./layers.ts"
import { TrialLeases } from "./lease.ts"
import { checkPostgres, parseClusterUrl, shownUrl } from "./postgres.ts"
import { ReplicaHostLayer } from "./replicas.ts"
import { serveTrials, SweepWorkflowLayer } from "./worker.ts"

/** A port free on `host` now (the runner announces its port before it listens, so it cannot ask for port 0). */
const freePort = (host: string) =>
  Effect.callback<number, UsageError>((resume) => {
    const server = createServer()
    server.once("error", (e) => resume(Effect.fail(new UsageError({ message: `cannot listen on ${host} (${e.message}); give --host an address of this machine` }))))
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resume(Effect.succeed(port)))
    })
  })

export interface WorkerOptions {
  readonly cluster: string
  readonly host: string
  readonly port: number | undefined
  readonly parallel: number
}

export const runWorker = Effect.fn("lrs.worker")(function*(options: WorkerOptions) {
  const url = yield* parseClusterUrl(options.cluster)
  yield* checkPostgres(url)
  const port = options.port ?? (yield* freePort(options.host))
  const name = `${options.host}:${port} (pid ${process.pid})`
  const trials = Layer.effectDiscard(Effect.forkScoped(serveTrials(options.parallel, name)))
  const ready = Layer.effectDiscard(
    Console.log(`worker ${name}: taking up to ${options.parallel} trial${options.parallel === 1 ? "" : "s"} at a time from the sweeps on ${shownUrl(url)}, and hosting ensemble replicas for lrs run --cluster; Ctrl-C (or SIGTERM) gives its trials back`)
  )
  const withLeases = trials.pipe(Layer.provide(TrialLeases.layer()))
  return yield* Layer.launch(Layer.mergeAll(SweepWorkflowLayer, ReplicaHostLayer, withLeases, ready).pipe(Layer.provide(clusterLayer(url, { host: options.host, port }))))
})
