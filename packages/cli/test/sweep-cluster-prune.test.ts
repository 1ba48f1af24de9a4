import { describe, expect, it } from "@effect/vitest"
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { clusterBed, until } from "./support/cluster.ts"
import { postgresFor } from "./support/postgres.ts"

const postgresBin = postgresFor("sweep-cluster-prune.test.ts")

// The rule judges at update 200 of 600: a verdict long before the end, so no trial can finish
// before its watcher reads the row that stops it, whatever the machine's load.
const spec = `lrs 1
param peak = 1e-2
experiment quick {
  seed = 1
  steps = 600
  batch = 32
  data = spirals(samples = 600, classes = 3, noise = 0.03)
  model = mlp(hidden = [16])
  optimizer = adamw(lr = warmup(10%, cosine(peak -> 0)))
  evaluate every 100 steps
  log every 50 steps
  checkpoint every 200 steps
}
sweep {
  peak in [3e-2, 1e-2, 1e-4, 5e-2]
  prune = median(metric = test.accuracy, every = 200 steps, after = 200 steps, trials = 1)
}
`

/**
 * How each trial ended: the verdict in its pruned.json, or finished. (A pruned trial may still reach
 * its last update before it is stopped on a loaded machine, so its summary.json says nothing.)
 */
const outcomes = (root: string) =>
  readdirSync(root).filter((n) => !n.endsWith(".log")).sort().map((n) => ({
    trial: n,
    pruned: existsSync(join(root, n, "pruned.json")) ? JSON.parse(readFileSync(join(root, n, "pruned.json"), "utf8")) as unknown : undefined,
    finished: existsSync(join(root, n, "summary.json")) && !existsSync(join(root, n, "pruned.json"))
  }))

describe.skipIf(postgresBin === undefined)("lrs sweep --cluster with a prune rule", () => {
  const { dir, url: urlOf, lrs } = clusterBed(postgresBin, "lrs-cluster-prune-")

  it("prunes the same trials at the same updates against the same values as the local sweep with --parallel 1", async () => {
    const url = urlOf()
    const file = join(dir, "prune.lrs")
    writeFileSync(file, spec)
    mkdirSync(join(dir, "local"))
    mkdirSync(join(dir, "cluster"))
    // One worker taking one trial at a time runs them in order, as --parallel 1 does; both at once to save time.
    const worker = lrs(["worker", "--cluster", url, "--parallel", "1"])
    const local = lrs(["sweep", file, "--parallel", "1", "--backend", "cpu", "--runs", join(dir, "local")])
    expect(await until(() => worker.out.text.includes("taking up to 1 trial"), 20_000), worker.out.text).toBe(true)
    const cluster = lrs(["sweep", file, "--cluster", url, "--backend", "cpu", "--runs", join(dir, "cluster")])
    const timeout = new Promise((r) => setTimeout(() => r("timeout"), 50_000))
    expect(await Promise.race([local.exited, timeout]), local.out.text).toBe(0)
    expect(await Promise.race([cluster.exited, timeout]), `${cluster.out.text}\n--- worker:\n${worker.out.text}`).toBe(0)

    const expected = outcomes(join(dir, "local", "quick-sweep"))
    // The rule must have both stopped and kept trials here, or the comparison proves little.
    expect(expected.filter((o) => o.pruned !== undefined).length, local.out.text).toBeGreaterThanOrEqual(2)
    expect(expected.filter((o) => o.finished).length, local.out.text).toBeGreaterThanOrEqual(2)
    expect(outcomes(join(dir, "cluster", "quick-sweep"))).toEqual(expected)
    for (const o of expected) {
      const i = Number(o.trial.slice(0, 3))
      expect(cluster.out.text).toMatch(new RegExp(`^trial ${i} \\(.*\\) ${o.pruned === undefined ? "done" : "pruned"}:`, "m"))
      expect(worker.out.text).toMatch(new RegExp(`^trial ${i} \\(.*\\): ${o.pruned === undefined ? "done" : "pruned"}$`, "m"))
    }
  }, 100_000)
})
