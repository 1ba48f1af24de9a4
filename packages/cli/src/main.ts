import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Command } from "effect/cli"
import { check } from "./commands/check.ts"
import { diff } from "./commands/diff.ts"
import { explain } from "./commands/explain.ts"
import { fit } from "./commands/fit.ts"
import { fmt } from "./commands/fmt.ts"
import { lsp } from "./commands/lsp.ts"
import { plot } from "./commands/plot.ts"
import { predict } from "./commands/predict.ts"
import { resolve } from "./commands/resolve.ts"
import { resume } from "./commands/resume.ts"
import { run } from "./commands/run.ts"
import { report } from "./commands/report.ts"
import { runs } from "./commands/runs.ts"
import { sweep } from "./commands/sweep.ts"
import { schedule } from "./commands/schedule.ts"
import { worker } from "./commands/worker.ts"
import { UsageError } from "./errors.ts"

export const version = "0.1.0"

/** effect/cli has already printed the usage and the error; nothing more to say. */
const usageShown = "see the usage above"

export const lrs = Command.make("lrs").pipe(
  Command.withDescription("lrs: declare how a model is trained over time in one .lrs file; check it like a compiler, then run it."),
  Command.withSubcommands([check, run, resume, resolve, diff, fmt, explain, schedule, plot, fit, predict, runs, report, sweep, worker, lsp])
)

/**
 * The whole CLI for one argv. Usage problems (unknown command or flag, bad value, missing file)
 * exit 2, invalid specs and failed runs exit 1; the error is printed here once.
 */
export const main = (argv: ReadonlyArray<string>) =>
  Command.runWith(lrs, { version })(argv).pipe(
    Effect.catchTag("ShowHelp", (e) => e.errors.length > 0 ? Effect.fail(new UsageError({ message: usageShown })) : Effect.void),
    Effect.tapError((e) =>
      (e._tag === "UsageError" && e.message !== usageShown) || e._tag === "RunFailed" ? Console.error(`lrs: ${e.message}`) : Effect.void
    )
  )
