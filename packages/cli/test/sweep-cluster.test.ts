import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ChildProcess, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { alive, bin, env, sleep, start } from "./support/cluster.ts"
import { postgresFor, type Postgres, startPostgres } from "./support/postgres.ts"

const postgresBin = postgresFor("sweep-cluster.test.ts")

describe.skipIf(postgresBin === undefined)("lrs sweep --cluster", () => {
  let pg: Postgres | undefined
  const dir = mkdtempSync(join(tmpdir(), "lrs-cluster-"))
  const workers: Array<ChildProcess> = []
  beforeAll(async () => {
    pg = await startPostgres(postgresBin!)
  }, 30_000)
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL")
    await pg?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it("runs the sweep on two workers; a worker killed mid-trial loses it to the other, which resumes it from its checkpoint; every trial ends once, as lrs run --trial N would", async () => {
    const spec = join(dir, "sw.lrs")
    writeFileSync(spec, `lrs 1
param peak = 1e-2
experiment quick {
  seed = 1
  steps = 1200
  batch = 64
  data = spirals(samples = 1500, classes = 3, noise = 0.03)
  model = mlp(hidden = [32, 32])
  optimizer = adamw(lr = warmup(10%, cosine(peak -> 0)))
  evaluate every 400 steps
  log every 20 steps
  checkpoint every 100 steps
}
sweep {
  peak in [3e-3, 1e-2]
  seed in 1..3
}
`)
    const url = pg!.url
    const w = [start(["worker", "--cluster", url, "--parallel", "1"], dir), start(["worker", "--cluster", url, "--parallel", "1"], dir)]
    workers.push(...w.map((x) => x.child))
    const ready = Date.now() + 20_000
    while (Date.now() < ready && !w.every((x) => x.out.text.includes("taking up to 1 trial"))) await sleep(50)
    expect(w.map((x) => x.out.text.includes("taking up to 1 trial")), w.map((x) => x.out.text).join("\n---\n")).toEqual([true, true])

    const sweep = start(["sweep", spec, "--cluster", url, "--backend", "cpu"], dir)
    // Wait for a trial that has a checkpoint and is still running, then kill its worker (not the trial: it must stop by itself).
    const root = join(dir, "runs", "quick-sweep")
    const running = () => {
      const names = existsSync(root) ? readdirSync(root).filter((n) => !n.endsWith(".log")) : []
      for (const n of names) {
        const d = join(root, n)
        const lock = existsSync(join(d, "run.lock")) ? Number(readFileSync(join(d, "run.lock"), "utf8").trim()) : NaN
        const checkpoints = existsSync(join(d, "checkpoints")) ? readdirSync(join(d, "checkpoints")).filter((c) => c.startsWith("step-")) : []
        if (!Number.isInteger(lock) || checkpoints.length === 0 || existsSync(join(d, "summary.json"))) continue
        let stat: string
        try {
          stat = readFileSync(`/proc/${lock}/stat`, "utf8")
        } catch {
          continue
        }
        const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
        const owner = w.findIndex((x) => x.child.pid === parent)
        if (owner >= 0) return { name: n, owner, trialPid: lock }
      }
      return undefined
    }
    const deadline = Date.now() + 30_000
    let victim: ReturnType<typeof running>
    while (Date.now() < deadline && (victim = running()) === undefined) await sleep(20)
    expect(victim, sweep.out.text).toBeDefined()
    const killed = w[victim!.owner]!
    const survivor = w[1 - victim!.owner]!
    killed.child.kill("SIGKILL")
    await killed.exited

    const code = await Promise.race([sweep.exited, sleep(60_000).then(() => "timeout" as const)])
    expect(code, `${sweep.out.text}\n--- survivor:\n${survivor.out.text}`).toBe(0)

    // Every trial finished, each reported once by the sweep.
    const names = readdirSync(root).filter((n) => !n.endsWith(".log")).sort()
    expect(names).toEqual(["000-peak=3e-3_seed=1", "001-peak=3e-3_seed=2", "002-peak=3e-3_seed=3", "003-peak=1e-2_seed=1", "004-peak=1e-2_seed=2", "005-peak=1e-2_seed=3"])
    for (const n of names) expect(existsSync(join(root, n, "summary.json")), n).toBe(true)
    for (let i = 0; i < 6; i++) expect(sweep.out.text.match(new RegExp(`^trial ${i} \\(.*\\) done:`, "gm"))?.length, sweep.out.text).toBe(1)
    // The killed trial stopped with its worker, and moved: the survivor resumed it from a checkpoint, nobody started it again.
    expect(alive(victim!.trialPid)).toBe(false)
    const index = Number(victim!.name.slice(0, 3))
    const logs = w[0]!.out.text + w[1]!.out.text
    expect(survivor.out.text).toContain(`trial ${index} (${victim!.name}): resuming from its last checkpoint`)
    // The killed worker never gave its lease up: the survivor took it over once it lapsed.
    expect(survivor.out.text).toContain(`trial ${index} (${victim!.name}): taken over from`)
    for (let i = 0; i < 6; i++) {
      expect(logs.match(new RegExp(`^trial ${i} \\(.*\\): starting$`, "gm"))?.length, logs).toBe(1)
      expect(logs.match(new RegExp(`^trial ${i} \\(.*\\): done$`, "gm"))?.length, logs).toBe(1)
    }
    expect(readFileSync(join(root, victim!.name + ".log"), "utf8")).toContain("resuming")

    // The resumed trial ends exactly as an uninterrupted run of it.
    const reference = join(dir, "reference")
    const direct = spawnSync(process.execPath, [bin, "run", spec, "--trial", String(index), "--backend", "cpu", "--out", reference], { cwd: dir, env, encoding: "utf8" })
    expect(direct.status, direct.stderr).toBe(0)
    const final = (d: string) => readFileSync(join(d, "checkpoints", "step-00001200", "tensors.bin"))
    expect(Buffer.compare(final(join(root, victim!.name)), final(reference))).toBe(0)
    const finalMetrics = (d: string) => (JSON.parse(readFileSync(join(d, "summary.json"), "utf8")) as { final: unknown }).final
    expect(finalMetrics(join(root, victim!.name))).toEqual(finalMetrics(reference))

    // Nothing left: the same command says so without running anything.
    const again = spawnSync(process.execPath, [bin, "sweep", spec, "--cluster", url, "--backend", "cpu"], { cwd: dir, env, encoding: "utf8" })
    expect(again.status, again.stderr).toBe(0)
    expect(again.stdout).toContain("6 trials, 6 finished already, 0 to run")
  }, 120_000)

  it("names a PostgreSQL server it cannot reach and says how to start one", () => {
    const r = spawnSync(process.execPath, [bin, "worker", "--cluster", "postgres://lrs@127.0.0.1:1/lrs"], { env, encoding: "utf8" })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("cannot reach PostgreSQL at postgres://lrs@127.0.0.1:1/lrs")
    expect(r.stderr).toContain("docs/sweeps.md")
  })
})
