import { describe, expect, it } from "@effect/vitest"
import { compile, evaluateSchedule, type PlateauIR, type SignalIR } from "@lrs/compiler"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { PlateauControllers, plateausOf } from "../../src/run/plateau.ts"

const span = { file: "t.lrs", start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } }
const testLoss: SignalIR = { kind: "signal", name: "test.loss", span }

interface Case {
  readonly name: string
  readonly lr: number
  readonly metrics: ReadonlyArray<number | null>
  readonly options: Readonly<Record<string, number | string>>
  readonly lrs: ReadonlyArray<number>
}
const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/plateau-fixtures.json"), "utf8")) as { cases: ReadonlyArray<Case> }

/** torch's constructor arguments as our IR (with torch's defaults). */
const nodeOf = (c: Case): PlateauIR => {
  const o = c.options
  return {
    kind: "plateau",
    schedule: { kind: "constant", value: c.lr, span },
    signal: testLoss,
    mode: (o["mode"] as "min" | "max" | undefined) ?? "min",
    factor: (o["factor"] as number | undefined) ?? 0.1,
    patience: (o["patience"] as number | undefined) ?? 10,
    threshold: (o["threshold"] as number | undefined) ?? 1e-4,
    thresholdMode: (o["threshold_mode"] as "rel" | "abs" | undefined) ?? "rel",
    cooldown: (o["cooldown"] as number | undefined) ?? 0,
    min: (o["min_lr"] as number | undefined) ?? 0,
    eps: (o["eps"] as number | undefined) ?? 1e-8,
    span
  }
}

describe("plateau controllers", () => {
  for (const c of fixtures.cases) {
    it(`set the learning rates torch.optim.lr_scheduler.ReduceLROnPlateau sets: ${c.name}`, () => {
      const node = nodeOf(c)
      const controllers = new PlateauControllers([node])
      const lrs = c.metrics.map((m, i) => {
        controllers.observed("test.loss", () => m ?? Number.NaN, i + 1)
        return evaluateSchedule(node, i + 1, controllers.adaptive)
      })
      // torch multiplies the lr in place; we raise the factor to a power: equal to rounding.
      lrs.forEach((lr, i) => expect(lr, `after observation ${i}`).toBeCloseTo(c.lrs[i]!, 14))
      expect(new Set(c.lrs).size).toBeGreaterThan(1)
    })
  }

  it("ignore signals they do not watch, and continue exactly from a snapshot", () => {
    const c = fixtures.cases.find((x) => x.name === "patience 1")!
    const node = nodeOf(c)
    const first = new PlateauControllers([node])
    const half = c.metrics.length / 2
    c.metrics.slice(0, half).forEach((m, i) => {
      first.observed("test.loss", () => m ?? Number.NaN, i + 1)
      first.observed("loss", () => 1e9, i + 1)
    })
    const second = new PlateauControllers([JSON.parse(JSON.stringify(node)) as PlateauIR])
    second.restore(JSON.parse(JSON.stringify(first.snapshot())))
    c.metrics.slice(half).forEach((m, i) => second.observed("test.loss", () => m ?? Number.NaN, half + i + 1))
    expect(evaluateSchedule(node, c.metrics.length, second.adaptive)).toBeCloseTo(c.lrs[c.lrs.length - 1]!, 14)
  })

  it("are found wherever a run reads a schedule, one per distinct node", () => {
    const text = `lrs 1
experiment e {
  steps = 100
  data = spirals()
  model = mlp(hidden = [8], dropout = plateau(0.5, on = loss, factor = 0.5))
  optimizer = sgd(lr = lr, momentum = plateau(0.9, on = ema(test.loss, 0.9)))
  schedule lr = plateau(warmup(10%, cosine(0.1 -> 0)), on = test.loss)
}
`
    const result = compile(text, { file: "e.lrs" })
    expect(result.diagnostics).toEqual([])
    const ir = result.ir!
    const nodes = plateausOf(ir)
    // `lr` is found twice (the optimizer's and the named schedule), and shares one controller.
    expect(nodes.map((n) => n.signal.kind === "ema" ? "ema" : n.signal.name).sort()).toEqual(["ema", "loss", "test.loss", "test.loss"])
    const controllers = new PlateauControllers(nodes)
    expect(controllers.signals).toHaveLength(3)
  })
})
