/** What the cluster tests share: `lrs` child processes whose output is kept, and SQL on the test server. */
import { afterAll, beforeAll } from "@effect/vitest"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { type Postgres, startPostgres } from "./postgres.ts"

export const repo = resolve(import.meta.dirname, "../../../..")
export const bin = join(repo, "packages/cli/src/bin.ts")
export const env = { ...process.env, NO_COLOR: "1" }
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface Lrs {
  readonly child: ChildProcess
  readonly out: { text: string }
  readonly exited: Promise<number | null>
}

/** A child `lrs` process whose stdout and stderr are kept, in order. */
export const start = (args: ReadonlyArray<string>, cwd: string): Lrs => {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
  const out = { text: "" }
  child.stdout!.on("data", (d: Buffer) => (out.text += d.toString()))
  child.stderr!.on("data", (d: Buffer) => (out.text += d.toString()))
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)))
  return { child, out, exited }
}

/** Waits until `check` holds (polling every 20 ms) or `ms` pass; whether it held. */
export const until = async (check: () => boolean, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (check()) return true
    await sleep(20)
  }
  return check()
}

/** Whether a process runs: it exists and is not a zombie (an orphan nobody reaped yet). */
export const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return false
  }
}

/** The parent of a running process, from /proc. */
export const parentOf = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
  } catch {
    return undefined
  }
}

/** One query's rows through psql, each row's columns joined by `|`; the tables a worker makes may not exist yet, which fails. */
export const query = (postgresBin: string, url: string, sql: string): Array<string> => {
  const psql = existsSync(join(postgresBin, "psql")) ? join(postgresBin, "psql") : "psql"
  const r = spawnSync(psql, [url, "-Atc", sql], { encoding: "utf8" })
  if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr}`)
  return r.stdout.split("\n").filter((l) => l !== "")
}

/**
 * What a cluster test sets up and tears down, called inside its `describe`: a PostgreSQL server on
 * a loopback port (started before the tests), a scratch directory, and the `lrs` processes started
 * there (killed after the tests if still running).
 */
export const clusterBed = (postgresBin: string | undefined, prefix: string) => {
  let pg: Postgres | undefined
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const procs: Array<Lrs> = []
  beforeAll(async () => {
    pg = await startPostgres(postgresBin!)
  }, 30_000)
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL")
    await pg?.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    dir,
    url: () => pg!.url,
    lrs: (args: ReadonlyArray<string>): Lrs => {
      const p = start(args, dir)
      procs.push(p)
      return p
    }
  }
}
