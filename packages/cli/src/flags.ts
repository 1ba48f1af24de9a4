import { Argument, Flag } from "effect/cli"

export const specFile = Argument.String("spec").pipe(Argument.withDescription("Path to the .lrs file"))

export const set = Flag.String("set").pipe(
  Flag.withDescription("Override a param, a top-level field of the experiment or a field of its curriculum, stream or rl block, e.g. --set seed=3 --set steps=500 --set rl.budget=4 (repeatable)"),
  Flag.withMetavar("name=value"),
  Flag.atLeast(0)
)

export const format = Flag.Literals("format", ["human", "json", "short"]).pipe(
  Flag.withDescription(
    "How problems are printed. human: each with the source lines it points at, underlined; short: one line each, path:line:col: error[CODE]: message; json: one document {file, ok, diagnostics} (check: on stdout; run: on stderr)"
  ),
  Flag.withDefault("human")
)

export const trial = Flag.Int("trial").pipe(
  Flag.withDescription("Use trial N (0-based) of the spec's sweep instead of its base values; `lrs resolve --sweep` lists the trials"),
  Flag.optional
)

export const threads = Flag.Int("threads").pipe(
  Flag.withDescription("Threads for an ensemble's replicas (default: the machine's cores); the results do not depend on it"),
  Flag.optional
)

/** `lrs run/resume --cluster`: an ensemble's replicas on the cluster's workers (cluster/replicas.ts). */
export const replicaCluster = Flag.String("cluster").pipe(
  Flag.withDescription(
    "Train an ensemble's replicas (ensemble = hdet(...)) on the workers of this cluster (PostgreSQL URL; start them with lrs worker --cluster URL) instead of threads; the results are the same"
  ),
  Flag.optional
)
