import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Reporter } from "../../src/run/Reporter.ts"

const drive = (tty: boolean) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    yield* Effect.gen(function*() {
      const r = yield* Reporter
      yield* r.line("backend: cpu")
      for (let step = 10; step <= 1000; step += 10) {
        yield* r.progress({ step, steps: 1000, loss: 1 / step, lr: 1e-3, etaSeconds: (1000 - step) / 100 })
      }
      yield* r.done
      yield* r.line("after")
    }).pipe(Effect.provide(Reporter.layer({ tty, write: (s) => void out.push(s), columns: 100 })))
    return out
  })

describe("Reporter", () => {
  it.effect("prints about ten plain lines per run when stdout is not a terminal", () =>
    Effect.gen(function*() {
      const out = yield* drive(false)
      const progress = out.filter((s) => s.startsWith("step "))
      assert.isAtLeast(progress.length, 10)
      assert.isAtMost(progress.length, 11)
      assert.isTrue(out.every((s) => s.endsWith("\n") && !s.includes("\r")))
      assert.strictEqual(progress[progress.length - 1], "step 1000/1000  loss 0.0010  lr 1.00e-3  ETA 0s\n")
    }))

  it.effect("redraws one bar in place on a terminal and ends it before the next line", () =>
    Effect.gen(function*() {
      const out = yield* drive(true)
      const bars = out.filter((s) => s.startsWith("\r"))
      assert.isAtLeast(bars.length, 100)
      assert.match(bars[bars.length - 1]!, /^\r\x1b\[2K\[#+\] step 1000\/1000 {2}loss 0\.0010 {2}lr 1\.00e-3 {2}ETA 0s$/)
      assert.match(bars[0]!, /\[#?\.+\] step 10\/1000 .* ETA 10s$/)
      assert.strictEqual(out[out.length - 1], "after\n")
      assert.strictEqual(out[out.length - 2], "\n")
    }))
})
