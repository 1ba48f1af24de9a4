import { describe, expect, it } from "@effect/vitest"
import type { ConditionIR, SignalIR } from "@lrs/compiler"
import { SignalBoard, signalKey, usesSignal } from "../../src/run/signals.ts"

const span = { file: "t.lrs", start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } }
const loss: SignalIR = { kind: "signal", name: "loss", span }
const ema = (of: SignalIR, beta: number): SignalIR => ({ kind: "ema", of, beta, span })

describe("SignalBoard", () => {
  it("keeps exponential moving averages that start at the first value, nested ones innermost first", () => {
    const smooth = ema(loss, 0.5)
    const twice = ema(smooth, 0.5)
    const board = new SignalBoard([twice])
    board.observe("loss", 4)
    expect([board.value(loss), board.value(smooth), board.value(twice)]).toEqual([4, 4, 4])
    board.observe("loss", 2)
    expect([board.value(smooth), board.value(twice)]).toEqual([3, 3.5])
    board.observe("loss", 0)
    expect([board.value(smooth), board.value(twice)]).toEqual([1.5, 2.5])
    expect(signalKey(twice)).toBe("ema(ema(loss, 0.5), 0.5)")
  })

  it("holds a condition only once its signal has a value", () => {
    const acc: SignalIR = { kind: "signal", name: "test.accuracy", span }
    const stop: ConditionIR = { op: ">=", signal: acc, threshold: 0.9, span }
    const board = new SignalBoard([acc])
    expect(board.holds(stop)).toBe(false)
    board.observe("test.accuracy", 0.89)
    expect(board.holds(stop)).toBe(false)
    board.observe("test.accuracy", 0.9)
    expect(board.holds(stop)).toBe(true)
  })

  it("tells which raw signals a set of signals needs", () => {
    expect(usesSignal([ema({ kind: "signal", name: "grad_norm", span }, 0.9)], "grad_norm")).toBe(true)
    expect(usesSignal([loss], "grad_norm")).toBe(false)
  })
})
