import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { availableParallelism } from "node:os"
import { UsageError } from "../errors.ts"

const cluster = Flag.String("cluster").pipe(Flag.withDescription("PostgreSQL URL of the cluster, e.g. postgres://lrs@db-host:5432/lrs (the same for the sweep and every worker)"))
const parallel = Flag.Int("parallel").pipe(Flag.withDescription("Trials this worker runs at once, each in its own process (default: the machine's cores)"), Flag.optional)
const host = Flag.String("host").pipe(
  Flag.withDescription("Address the other workers reach this one at (default 127.0.0.1: workers on this machine only; give the machine's address when workers run on several)"),
  Flag.withDefault("127.0.0.1")
)
const port = Flag.Int("port").pipe(Flag.withDescription("Port this worker listens on for the other workers (default: a free one)"), Flag.optional)

export const worker = Command.make(
  "worker",
  { cluster, parallel, host, port },
  Effect.fn("lrs.worker.command")(function*({ cluster, parallel, host, port }) {
    const n = Option.getOrElse(parallel, () => availableParallelism())
    if (n < 1) return yield* new UsageError({ message: `--parallel must be at least 1, got ${n}` })
    // Loaded on demand: the cluster modules (sharding, SQL, sockets) would slow every other command's start.
    const { runWorker } = yield* Effect.promise(() => import("../cluster/runner.ts"))
    return yield* runWorker({ cluster, host, port: Option.getOrUndefined(port), parallel: n })
  })
).pipe(
  Command.withDescription(
    "Start a worker of sweeps run with `lrs sweep SPEC --cluster URL`: it takes trials from the cluster's queue in PostgreSQL, up to --parallel at a time, each run as the local sweep runs it, in the run directories (which every worker and the sweep must see at the same paths). A worker killed mid-trial loses the trial to another worker, which resumes it from its last checkpoint. It also hosts an ensemble's replicas for lrs run SPEC --cluster URL. Runs until stopped; Ctrl-C or SIGTERM stops its trials and hands them back first."
  ),
  Command.withExamples([
    { command: "lrs worker --cluster postgres://lrs@127.0.0.1:5432/lrs --parallel 2", description: "A worker on this machine, two trials at a time" },
    { command: "lrs worker --cluster postgres://lrs@db:5432/lrs --host 10.0.0.7", description: "A worker other machines' workers reach at 10.0.0.7" }
  ])
)
