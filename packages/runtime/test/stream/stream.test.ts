import { describe, expect, it } from "@effect/vitest"
import { compile, type RunIR, type StreamIR } from "@lrs/compiler"
import type { LoadedData } from "../../src/data/load.ts"
import { continualSummary, StreamSource, streamTasks } from "../../src/stream/stream.ts"

const irOf = (stream: string, steps = 400, batch = 8): RunIR & { stream: StreamIR } => {
  const r = compile(`lrs 1\nexperiment s {\n  steps = ${steps}\n  batch = ${batch}\n  data = spirals(classes = 4)\n  model = mlp()\n  optimizer = sgd(lr = 0.1)\n  stream {\n    ${stream}\n  }\n}\n`, { file: "s.lrs" })
  if (r.ir?.stream === undefined) throw new Error(JSON.stringify(r.diagnostics))
  return r.ir as RunIR & { stream: StreamIR }
}

/** 40 training and 20 test examples of 4 classes; feature j of example i is i * 10 + j. */
const data: LoadedData = (() => {
  const split = (n: number) => ({ x: Float32Array.from({ length: n * 2 }, (_, k) => Math.floor(k / 2) * 10 + (k % 2)), y: Int32Array.from({ length: n }, (_, i) => i % 4), n })
  return { train: split(40), test: split(20), features: 2, shape: [2], classes: 4 }
})()

describe("continual streams", () => {
  it("splits the data into tasks of their classes, with a mask for task-incremental learning", () => {
    const tasks = streamTasks(irOf("tasks = split(classes_per_task = 2)\n    scenario = task_incremental").stream, data)
    expect(tasks.map((t) => t.classes)).toEqual([[0, 1], [2, 3]])
    expect(tasks[0]!.train.every((i) => data.train.y[i]! < 2)).toBe(true)
    expect(tasks[1]!.test.n).toBe(10)
    expect(Array.from(tasks[1]!.mask!)).toEqual([-1e9, -1e9, 0, 0].map(Math.fround))
    expect(streamTasks(irOf("tasks = split(classes_per_task = 2)").stream, data)[0]!.mask).toBeUndefined()
  })

  it("trains each task in turn on its own examples, and mixes in a replay of earlier ones", () => {
    const naive = new StreamSource(irOf("tasks = split(classes_per_task = 2)"), data)
    for (let t = 0; t < 400; t += 37) {
      const b = naive.next(t)
      const task = t < 200 ? [0, 1] : [2, 3]
      for (const y of b.y) expect(task).toContain(y)
    }
    const replay = new StreamSource(irOf("tasks = split(classes_per_task = 2)\n    replay = reservoir(capacity = 10, fraction = 0.5)"), data)
    for (let t = 0; t < 200; t++) replay.next(t)
    expect(replay.state().buffer.index.length).toBe(10)
    const later = replay.next(200)
    // Half the batch from task 1, half replayed from task 0.
    expect(Array.from(later.y.slice(0, 4)).every((y) => y >= 2)).toBe(true)
    expect(Array.from(later.y.slice(4)).every((y) => y < 2)).toBe(true)
  })

  it("goes on from a saved state with the same batches and the same replay buffer", () => {
    const ir = irOf("tasks = split(classes_per_task = 2)\n    replay = reservoir(capacity = 6, fraction = 0.25)")
    const a = new StreamSource(ir, data)
    for (let t = 0; t < 250; t++) a.next(t)
    const saved = a.state()
    const b = new StreamSource(ir, data)
    b.restore({ ...saved, buffer: { ...saved.buffer, index: Int32Array.from(saved.buffer.index), task: Int32Array.from(saved.buffer.task) } })
    for (let t = 250; t < 300; t++) expect(b.next(t)).toEqual(a.next(t))
  })

  it("computes the accuracy matrix, average accuracy, BWT, forgetting and min-ACC from end-of-task evaluations", () => {
    // Three tasks of 100 updates; evaluations at 50 (continual) and at each task's end.
    const acc = (step: number, task: number, accuracy: number) => ({ kind: "eval", step, split: "test", task, accuracy })
    const rows = [
      acc(100, 0, 0.9), acc(100, 1, 0.1), acc(100, 2, 0.0),
      acc(150, 0, 0.3), acc(150, 1, 0.6),
      acc(200, 0, 0.5), acc(200, 1, 0.8), acc(200, 2, 0.1),
      acc(300, 0, 0.4), acc(300, 1, 0.7), acc(300, 2, 0.9),
      { kind: "eval", step: 300, split: "test", accuracy: 0.66 }
    ]
    const s = continualSummary(rows, 3, 100)
    expect(s.matrix).toEqual([[0.9, 0.1, 0], [0.5, 0.8, 0.1], [0.4, 0.7, 0.9]])
    expect(s.averageAccuracy).toBeCloseTo((0.4 + 0.7 + 0.9) / 3, 12)
    expect(s.bwt).toBeCloseTo(((0.4 - 0.9) + (0.7 - 0.8)) / 2, 12)
    expect(s.forgetting).toBeCloseTo(((0.9 - 0.4) + (0.8 - 0.7)) / 2, 12)
    // Task 0 after update 100: 0.3, 0.5, 0.4 -> 0.3; task 1 after 200: 0.7.
    expect(s.minAccuracy).toBeCloseTo((0.3 + 0.7) / 2, 12)
  })
})
