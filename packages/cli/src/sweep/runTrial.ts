import { metricsRows } from "@lrs/compiler"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { RunInfo } from "../runs/read.ts"
import type { Trial } from "./trials.ts"

const bin = fileURLToPath(new URL("../bin.ts", import.meta.url))
const orphan = new URL("./orphan.ts", import.meta.url).href

/** What a trial needs: nothing (finished, or running in another process), a resume (a checkpoint to go on from), or a run from the start. */
export const nextAction = (info: RunInfo | undefined): "skip" | "busy" | "resume" | "run" =>
  info === undefined
    ? "run"
    : info.status === "finished" || info.status === "stopped" || info.status === "pruned"
    ? "skip"
    : info.status === "running"
    ? "busy"
    : info.status === "resumable"
    ? "resume"
    : "run"

/** How a sweep runs its trials: the spec, the backend and the `--set`s every trial gets. */
export interface TrialCommand {
  readonly spec: string
  readonly backend: string
  readonly sets: ReadonlyArray<string>
}

/**
 * Runs one trial in a child `lrs` process, its output in `<trial>.log`; resolves with the exit code.
 * `judge` sees the trial's metrics rows as they are written (every 250 ms, and all of them once it
 * exits) and may stop it: then `pruned.json` records why, the code is `"pruned"`, and judge sees no
 * more rows (see prunerRows.ts). Interrupted, it stops the child and waits for it to exit (SIGKILL
 * after `stopGraceMs`), so whoever runs the trial next never shares its run directory. The local
 * sweep and the cluster worker both run trials through here, so a trial's results do not depend
 * on where it ran.
 */
export const runTrial = (
  command: TrialCommand,
  trial: Pick<Trial, "index" | "dir">,
  action: "run" | "resume",
  judge: (rows: ReadonlyArray<Readonly<Record<string, unknown>>>) => object | undefined
) =>
  Effect.callback<number | "pruned">((resume) => {
    const { spec, backend, sets } = command
    const log = openSync(`${trial.dir}.log`, "a")
    const args = action === "resume"
      ? [bin, "resume", trial.dir, "--backend", backend, "--threads", "1"]
      : [bin, "run", spec, "--trial", String(trial.index), "--out", trial.dir, "--backend", backend, "--threads", "1", ...sets.flatMap((s) => ["--set", s])]
    // Children share the parent's process group: stopping it (Ctrl-C, a kill of the group) stops them.
    // The IPC channel lets orphan.ts stop a child whose parent died alone.
    const child = spawn(process.execPath, ["--import", orphan, ...args], { stdio: ["ignore", log, log, "ipc"] })
    let pruned = false
    const rows = () => {
      let text: string
      try {
        text = readFileSync(join(trial.dir, "metrics.jsonl"), "utf8")
      } catch {
        return undefined
      }
      const parsed = metricsRows(text)
      return "rows" in parsed ? parsed.rows.map((r) => r.row) : undefined
    }
    const watch = setInterval(() => {
      const now = pruned ? undefined : rows()
      const verdict = now === undefined ? undefined : judge(now)
      if (verdict !== undefined) {
        pruned = true
        writeFileSync(join(trial.dir, "pruned.json"), JSON.stringify(verdict) + "\n")
        child.kill("SIGTERM")
      }
    }, 250)
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    child.on("exit", (code) => {
      clearInterval(watch)
      closeSync(log)
      // The rows written since the last look count too (a finished trial's last evaluations), as
      // they do for a cluster worker reading this trial's directory later.
      const last = pruned ? undefined : rows()
      if (last !== undefined) judge(last)
      resume(Effect.succeed(pruned ? "pruned" : code ?? 1))
    })
    return Effect.promise(() => {
      clearInterval(watch)
      child.kill("SIGTERM")
      const hard = setTimeout(() => child.kill("SIGKILL"), stopGraceMs)
      return exited.finally(() => clearTimeout(hard))
    })
  })

/** How long an interrupted trial may take to stop by itself before it is killed. */
export const stopGraceMs = 5_000
