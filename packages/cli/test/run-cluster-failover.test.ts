import { describe, expect, it } from "@effect/vitest"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { clusterBed, type Lrs, until } from "./support/cluster.ts"
import { postgresFor } from "./support/postgres.ts"

const postgresBin = postgresFor("run-cluster-failover.test.ts")

// Long enough after update 400 for the trainer to notice a lost worker (about 5 s) before it ends.
const spec = `lrs 1
experiment ensemble {
  seed = 3
  steps = 800
  batch = 48
  data = spirals(samples = 1200, classes = 3, noise = 0.03)
  model = mlp(hidden = [16], dropout = 0.1)
  optimizer = adamw(lr = cosine(1e-2 -> 0))
  ensemble = hdet(replicas = 3, spread = 0.5, average_every = 40 steps, meta_from = 80 steps, explore = [lr, dropout])
  evaluate every 400 steps
  log every 50 steps
  checkpoint every 100 steps
}
`

describe.skipIf(postgresBin === undefined)("lrs run --cluster when a worker dies", () => {
  const { dir, url: urlOf, lrs } = clusterBed(postgresBin, "lrs-run-failover-")
  const exit = (p: Lrs) => Promise.race([p.exited, new Promise((r) => setTimeout(() => r("timeout"), 40_000))])

  it("stops the run with a message saying to resume it, and resumed on the workers there are then it ends bit for bit as the run on one thread", async () => {
    const url = urlOf()
    const file = join(dir, "ensemble.lrs")
    writeFileSync(file, spec)
    const workers = [lrs(["worker", "--cluster", url, "--parallel", "1"]), lrs(["worker", "--cluster", url, "--parallel", "1"])]
    for (const w of workers) expect(await until(() => w.out.text.includes("taking up to"), 20_000), w.out.text).toBe(true)
    const local = lrs(["run", file, "--backend", "cpu", "--threads", "1", "--out", join(dir, "local")])
    const remote = lrs(["run", file, "--backend", "cpu", "--cluster", url, "--out", join(dir, "remote")])

    expect(await until(() => existsSync(join(dir, "remote", "checkpoints", "step-00000400")), 40_000), remote.out.text).toBe(true)
    workers[0]!.child.kill("SIGKILL")
    expect(await exit(remote), remote.out.text).toBe(1)
    expect(remote.out.text).toMatch(/^lrs: replica host \d on the cluster: .*resume the run from its last checkpoint with lrs resume RUN_DIR --cluster URL$/m)
    expect(remote.out.text).not.toContain("internal error")
    expect(existsSync(join(dir, "remote", "summary.json"))).toBe(false)

    const replacement = lrs(["worker", "--cluster", url, "--parallel", "1"])
    expect(await until(() => replacement.out.text.includes("taking up to"), 20_000), replacement.out.text).toBe(true)
    const resumed = lrs(["resume", join(dir, "remote"), "--backend", "cpu", "--cluster", url])
    expect(await exit(resumed), resumed.out.text).toBe(0)
    expect(await exit(local), local.out.text).toBe(0)
    expect(resumed.out.text).toContain("ensemble: 3 replicas on 2 cluster workers")
    const final = (d: string) => readFileSync(join(d, "checkpoints", "step-00000800", "tensors.bin"))
    expect(Buffer.compare(final(join(dir, "remote")), final(join(dir, "local")))).toBe(0)
    const summary = (d: string) => (JSON.parse(readFileSync(join(d, "summary.json"), "utf8")) as { final: unknown }).final
    expect(summary(join(dir, "remote"))).toEqual(summary(join(dir, "local")))
  }, 100_000)
})
