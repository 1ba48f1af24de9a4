import { describe, expect, it } from "@effect/vitest"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { clusterBed, type Lrs, query, until } from "./support/cluster.ts"
import { postgresFor } from "./support/postgres.ts"

const postgresBin = postgresFor("run-cluster.test.ts")

const spec = `lrs 1
experiment ensemble {
  seed = 6
  steps = 200
  batch = 48
  data = spirals(samples = 1200, classes = 3, noise = 0.03)
  model = mlp(hidden = [32, 32], dropout = 0.1)
  optimizer = adamw(lr = cosine(1e-2 -> 0))
  ensemble = hdet(replicas = 3, spread = 0.5, average_every = 40 steps, meta_from = 80 steps, explore = [lr, dropout])
  evaluate every 100 steps
  log every 10 steps
  checkpoint every 50 steps
}
`

const final = (dir: string) => readFileSync(join(dir, "checkpoints", "step-00000200", "tensors.bin"))
const finalMetrics = (dir: string) => (JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as { final: unknown }).final

describe.skipIf(postgresBin === undefined)("lrs run --cluster: an HDET ensemble's replicas on the cluster's workers", () => {
  const { dir, url: urlOf, lrs } = clusterBed(postgresBin, "lrs-run-cluster-")
  const done = async (p: Lrs) => {
    const code = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r("timeout"), 40_000))])
    expect(code, p.out.text).toBe(0)
    return p.out.text
  }

  it("spreads the replicas over two workers and ends bit for bit as the run on one thread, also when killed and resumed with --cluster", async () => {
    const url = urlOf()
    const file = join(dir, "ensemble.lrs")
    writeFileSync(file, spec)
    const workers = [lrs(["worker", "--cluster", url, "--parallel", "1"]), lrs(["worker", "--cluster", url, "--parallel", "1"])]
    for (const w of workers) expect(await until(() => w.out.text.includes("taking up to"), 20_000), w.out.text).toBe(true)

    const local = lrs(["run", file, "--backend", "cpu", "--threads", "1", "--out", join(dir, "local")])
    const remote = lrs(["run", file, "--backend", "cpu", "--cluster", url, "--out", join(dir, "remote")])
    expect(await done(local)).toContain("ensemble: 3 replicas on 1 thread")
    expect(await done(remote)).toContain("ensemble: 3 replicas on 2 cluster workers")
    // One host on each worker: replicas 0 and 2 on one, 1 on the other.
    const hosted = workers.map((w) => w.out.text.match(/^replica host .*: replicas (.*) of ensemble on cpu$/m)?.[1])
    expect(hosted.slice().sort()).toEqual(["0, 2", "1"])
    expect(Buffer.compare(final(join(dir, "remote")), final(join(dir, "local")))).toBe(0)
    expect(readFileSync(join(dir, "remote", "metrics.jsonl"), "utf8")).toBe(readFileSync(join(dir, "local", "metrics.jsonl"), "utf8"))
    expect(finalMetrics(join(dir, "remote"))).toEqual(finalMetrics(join(dir, "local")))

    // Killed after a checkpoint, resumed on the cluster: still the same numbers.
    const cut = lrs(["run", file, "--backend", "cpu", "--cluster", url, "--out", join(dir, "cut")])
    expect(await until(() => existsSync(join(dir, "cut", "checkpoints", "step-00000100")), 40_000), cut.out.text).toBe(true)
    cut.child.kill("SIGKILL")
    await cut.exited
    expect(existsSync(join(dir, "cut", "summary.json"))).toBe(false)
    expect(await done(lrs(["resume", join(dir, "cut"), "--backend", "cpu", "--cluster", url]))).toContain("ensemble: 3 replicas on 2 cluster workers")
    expect(Buffer.compare(final(join(dir, "cut")), final(join(dir, "local")))).toBe(0)
    expect(finalMetrics(join(dir, "cut"))).toEqual(finalMetrics(join(dir, "local")))
  }, 100_000)

  it("says what is wrong when the spec has no ensemble or the cluster has no worker", async () => {
    const url = urlOf()
    const plain = join(dir, "plain.lrs")
    writeFileSync(plain, spec.replace(/ {2}ensemble = .*\n/, ""))
    const single = lrs(["run", plain, "--backend", "cpu", "--cluster", url])
    expect(await single.exited).toBe(2)
    expect(single.out.text).toContain("has no ensemble (ensemble = hdet(...))")
    query(postgresBin!, url, "CREATE DATABASE idle")
    const idle = url.replace(/\/postgres$/, "/idle")
    const none = lrs(["run", join(dir, "ensemble.lrs"), "--backend", "cpu", "--cluster", idle, "--out", join(dir, "none")])
    expect(await none.exited, none.out.text).toBe(2)
    expect(none.out.text).toContain(`no worker runs on the cluster at ${idle}; start one (or one per machine) with: lrs worker --cluster ${idle}`)
  }, 60_000)
})
