import { describe, expect, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { alive, clusterBed, type Lrs, parentOf, query, until } from "./support/cluster.ts"
import { postgresFor } from "./support/postgres.ts"

const postgresBin = postgresFor("sweep-cluster-lifecycle.test.ts")

const spec = `lrs 1
param peak = 1e-2
experiment quick {
  seed = 1
  steps = 1200
  batch = 32
  data = spirals(samples = 600, classes = 3, noise = 0.03)
  model = mlp(hidden = [16])
  optimizer = adamw(lr = warmup(10%, cosine(peak -> 0)))
  evaluate every 400 steps
  log every 50 steps
  checkpoint every 100 steps
}
sweep {
  peak in [3e-3, 1e-2, 3e-2]
}
`

describe.skipIf(postgresBin === undefined)("lrs sweep --cluster, stopped and started again", () => {
  const { dir, url: urlOf, lrs } = clusterBed(postgresBin, "lrs-cluster-life-")

  it("a worker stopped with SIGTERM gives its trial back at once; the sweep command killed and run again attaches to the same sweep; no trial runs twice; the queue is emptied when the sweep ends", async () => {
    const url = urlOf()
    const file = join(dir, "life.lrs")
    writeFileSync(file, spec)
    const sql = (q: string) => query(postgresBin!, url, q)
    const root = join(dir, "runs", "quick-sweep")
    const ready = (w: Lrs) => until(() => w.out.text.includes("taking up to"), 20_000)

    const a = lrs(["worker", "--cluster", url, "--parallel", "1"])
    expect(await ready(a), a.out.text).toBe(true)
    const first = lrs(["sweep", file, "--cluster", url, "--backend", "cpu"])

    // A's trial, once it has a checkpoint to resume from.
    let victim: { name: string; pid: number } | undefined
    const found = await until(() => {
      for (const n of existsSync(root) ? readdirSync(root).filter((n) => !n.endsWith(".log")) : []) {
        const d = join(root, n)
        const pid = existsSync(join(d, "run.lock")) ? Number(readFileSync(join(d, "run.lock"), "utf8")) : NaN
        const checkpoints = existsSync(join(d, "checkpoints")) && readdirSync(join(d, "checkpoints")).some((c) => c.startsWith("step-"))
        if (checkpoints && Number.isInteger(pid) && parentOf(pid) === a.child.pid && !existsSync(join(d, "summary.json"))) victim = { name: n, pid }
      }
      return victim !== undefined
    }, 30_000)
    expect(found, `${first.out.text}\n--- worker A:\n${a.out.text}`).toBe(true)

    // SIGTERM: A stops the trial, waits for it, and hands the trial back before it exits.
    const stopping = Date.now()
    a.child.kill("SIGTERM")
    await a.exited
    const stopSeconds = (Date.now() - stopping) / 1000
    expect(stopSeconds, a.out.text).toBeLessThan(8)
    expect(alive(victim!.pid)).toBe(false)
    expect(sql("SELECT count(*) FROM effect_queue WHERE queue_name = 'lrs/trials' AND acquired_by IS NOT NULL")).toEqual(["0"])
    expect(sql("SELECT count(*) FROM lrs_trial_leases")).toEqual(["0"])
    expect(existsSync(join(root, victim!.name, "run.lock"))).toBe(false)

    // B takes the trial at its first poll, long before A's hold would have expired had it not let go.
    const b = lrs(["worker", "--cluster", url, "--parallel", "2"])
    expect(await ready(b), b.out.text).toBe(true)
    const bReady = Date.now()
    expect(await until(() => b.out.text.includes(`(${victim!.name}): resuming from its last checkpoint`), 8_000), b.out.text).toBe(true)
    const takeSeconds = (Date.now() - bReady) / 1000
    expect(takeSeconds).toBeLessThan(5)

    // The sweep command, killed while B runs the trials, attaches to the same sweep when run again.
    first.child.kill("SIGKILL")
    await first.exited
    const again = lrs(["sweep", file, "--cluster", url, "--backend", "cpu"])
    const code = await Promise.race([again.exited, new Promise((r) => setTimeout(() => r("timeout"), 45_000))])
    expect(code, `${again.out.text}\n--- worker B:\n${b.out.text}`).toBe(0)
    expect(again.out.text).toContain("attached to the sweep already running on the cluster")

    const names = readdirSync(root).filter((n) => !n.endsWith(".log")).sort()
    expect(names).toEqual(["000-peak=3e-3", "001-peak=1e-2", "002-peak=3e-2"])
    for (const n of names) expect(existsSync(join(root, n, "summary.json")), n).toBe(true)
    const logs = a.out.text + b.out.text
    for (let i = 0; i < 3; i++) {
      expect(logs.match(new RegExp(`^trial ${i} \\(.*\\): starting$`, "gm"))?.length, logs).toBe(1)
      expect(logs.match(new RegExp(`^trial ${i} \\(.*\\): done$`, "gm"))?.length, logs).toBe(1)
    }
    expect(b.out.text.match(/resuming from its last checkpoint/g)?.length).toBe(1)

    // The ended sweep left nothing in the queue or the leases.
    expect(sql("SELECT count(*) FROM effect_queue")).toEqual(["0"])
    expect(sql("SELECT count(*) FROM lrs_trial_leases")).toEqual(["0"])
    const again2 = lrs(["sweep", file, "--cluster", url, "--backend", "cpu"])
    expect(await again2.exited, again2.out.text).toBe(0)
    expect(again2.out.text).toContain("3 trials, 3 finished already, 0 to run")
    // What the cluster keeps of an ended sweep (docs/sweeps.md, "What the database keeps").
    const [kept] = sql("SELECT (SELECT count(*) FROM cluster_messages) || ' messages, ' || (SELECT count(*) FROM cluster_replies) || ' replies'")
    console.log(`SIGTERM to exit: ${stopSeconds.toFixed(2)} s; new worker ready to resuming: ${takeSeconds.toFixed(2)} s; kept for the ended 3-trial sweep: ${kept}`)
  }, 100_000)
})
