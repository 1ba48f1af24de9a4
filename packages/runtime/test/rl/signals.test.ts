import { describe, expect, it } from "@effect/vitest"
import { compile, evaluateSchedule, type RunIR } from "@lrs/compiler"
import { RlSignals } from "../../src/rl/signals.ts"

const irOf = (body: string): RunIR => {
  const { ir, diagnostics } = compile(`lrs 1
experiment loop {
  steps = 1024
  data = cartpole(copies = 4)
  model = mlp(hidden = [8])
${body}
}
`, { file: "loop.lrs" })
  expect(diagnostics).toEqual([])
  return ir!
}

const spec = irOf(`  optimizer = adam(lr = plateau(1e-3, on = ema(train.return, 0.5), mode = max, factor = 0.5, patience = 1))
  rl {
    algorithm = ppo(rollout = 64, clip = plateau(0.2, on = train.approx_kl, patience = 0, factor = 0.5))
  }
  log every 64 steps [ema(train.return, 0.5)]
  until train.return >= 100`)

describe("an rl run's signals", () => {
  it("feed until, the plateau schedules (the optimizer's and the rl block's) and log's columns, skipping non-finite values", () => {
    const s = new RlSignals(spec)
    const lr = (t: number) => evaluateSchedule(spec.optimizer.lr, t, s.adaptive)
    const clip = (t: number) => evaluateSchedule((spec.rl!.algorithm as { clip: Parameters<typeof evaluateSchedule>[0] }).clip, t, s.adaptive)
    expect(s.columns()).toEqual({ "ema(train.return, 0.5)": null })
    // No episode finished yet: `return` is null and observes nothing.
    s.observe({ return: null, approx_kl: Number.NaN }, 256)
    expect(s.columns()).toEqual({ "ema(train.return, 0.5)": null })
    s.observe({ return: 20, approx_kl: 0.02 }, 512)
    s.observe({ return: 10, approx_kl: 0.03 }, 768)
    expect(s.columns()["ema(train.return, 0.5)"]).toBe(15)
    // The smoothed return fell once (patience 1: not yet); approx_kl rose once (patience 0: halved).
    expect(lr(768)).toBe(1e-3)
    expect(clip(768)).toBe(0.1)
    s.observe({ return: 12, approx_kl: 0.01 }, 1024)
    expect(lr(1024)).toBe(5e-4)
    expect(s.stopped()).toBeUndefined()
    s.observe({ return: 150, approx_kl: 0.01 }, 1024)
    expect(s.stopped()).toBe("until train.return >= 100: 150")
    expect(s.reductions()).toEqual({ "loop.lrs:6:25 on ema(train.return, 0.5)": 1, "loop.lrs:8:42 on train.approx_kl": 2 })
  })

  it("round-trips through a checkpoint: a restored copy continues exactly as the original", () => {
    const a = new RlSignals(spec)
    const rows = [{ return: 30, approx_kl: 0.02 }, { return: 25, approx_kl: 0.05 }, { return: 28, approx_kl: 0.04 }, { return: 20, approx_kl: 0.06 }]
    rows.slice(0, 2).forEach((r, i) => a.observe(r, (i + 1) * 64))
    const b = new RlSignals(spec)
    b.restore(JSON.parse(JSON.stringify(a.state())))
    rows.slice(2).forEach((r, i) => {
      a.observe(r, (i + 3) * 64)
      b.observe(r, (i + 3) * 64)
    })
    expect(b.state()).toEqual(a.state())
    expect(b.reductions()).toEqual(a.reductions())
    expect(evaluateSchedule(spec.optimizer.lr, 256, b.adaptive)).toBe(evaluateSchedule(spec.optimizer.lr, 256, a.adaptive))
    expect(a.reductions()!["loop.lrs:6:25 on ema(train.return, 0.5)"]).toBeGreaterThan(0)
  })
})
