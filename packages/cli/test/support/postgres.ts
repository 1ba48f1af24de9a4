/**
 * A throwaway PostgreSQL server for tests: initdb into a temporary directory, started on a free
 * loopback port with trust authentication, no Unix socket and no fsync. PostgreSQL refuses to run
 * as root, so under root it runs as `nobody`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Where Debian (/usr/lib/postgresql/<version>/bin) or the PATH has initdb and postgres; undefined when neither does. */
export const findPostgres = (): string | undefined => {
  const debian = "/usr/lib/postgresql"
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  for (const v of versions) if (existsSync(join(debian, v, "bin", "postgres")) && existsSync(join(debian, v, "bin", "initdb"))) return join(debian, v, "bin")
  const which = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" })
  const initdb = which.status === 0 ? which.stdout.trim() : ""
  return initdb !== "" && existsSync(join(initdb, "..", "postgres")) ? join(initdb, "..") : undefined
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

/** `findPostgres`, saying once on the console that `testFile` is skipped when there is none. */
export const postgresFor = (testFile: string): string | undefined => {
  const bin = findPostgres()
  if (bin === undefined) console.warn(`${testFile} skipped: no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or on the PATH; install Debian's postgresql package to run it`)
  return bin
}

export interface Postgres {
  readonly url: string
  readonly stop: () => Promise<void>
}

export const startPostgres = async (bin: string): Promise<Postgres> => {
  const dir = mkdtempSync(join(tmpdir(), "lrs-pg-"))
  let user: { uid: number; gid: number } | undefined
  if (process.getuid?.() === 0) {
    const id = (flag: string) => Number(spawnSync("id", [flag, "nobody"], { encoding: "utf8" }).stdout.trim())
    user = { uid: id("-u"), gid: id("-g") }
    chownSync(dir, user.uid, user.gid)
  }
  const data = join(dir, "data")
  const init = spawnSync(join(bin, "initdb"), ["-D", data, "-U", "lrs", "--auth=trust", "-E", "UTF8", "--no-sync"], { encoding: "utf8", ...user })
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.stderr}`)
  const port = await freePort()
  const server: ChildProcess = spawn(
    join(bin, "postgres"),
    ["-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-F"],
    { stdio: ["ignore", "ignore", "pipe"], ...user }
  )
  let log = ""
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`postgres did not start in 20 s:\n${log}`)), 20_000)
    server.stderr!.on("data", (d: Buffer) => {
      log += d.toString()
      if (log.includes("ready to accept connections")) {
        clearTimeout(timer)
        resolve()
      }
    })
    server.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`postgres exited (${code}):\n${log}`))
    })
  })
  return {
    url: `postgres://lrs@127.0.0.1:${port}/postgres`,
    stop: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once("exit", r))
        server.kill("SIGINT")
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
