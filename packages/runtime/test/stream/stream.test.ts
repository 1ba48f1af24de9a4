import { describe, expect, it } from "@effect/vitest"
import { compile, type RunIR, type StreamIR } from "@lrs/compiler"
import type { LoadedData } from "../../src/data/load.ts"
import { continualSummary, describeContinual, rotationPixels, StreamSource, streamTasks, windowedDrop } from "../../src/stream/stream.ts"

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

  it("turns images counter-clockwise about their centre, nearest neighbour, zeros outside", () => {
    // 3x3: a quarter turn counter-clockwise takes the top row to the left column, read bottom-up.
    expect(Array.from(rotationPixels([3, 3], 90))).toEqual([2, 5, 8, 1, 4, 7, 0, 3, 6])
    expect(Array.from(rotationPixels([3, 3], 180))).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0])
    expect(Array.from(rotationPixels([3, 3], -90))).toEqual([6, 3, 0, 7, 4, 1, 8, 5, 2])
    expect(Array.from(rotationPixels([2, 2, 2], 90))).toEqual([2, 3, 6, 7, 0, 1, 4, 5])
    // 45 degrees on 5x5: the centre stays, the four corners have no source (their preimages fall outside).
    const turned = Array.from(rotationPixels([5, 5], 45))
    expect(turned[12]).toBe(12)
    expect([0, 4, 20, 24].map((i) => turned[i])).toEqual([-1, -1, -1, -1])
    expect(turned.filter((p) => p < 0).length).toBe(4)
    // A 28x28 image turned by 80 degrees keeps its centre and loses the corners.
    const big = rotationPixels([28, 28], 80)
    expect(big[0]).toBe(-1)
    expect(new Set(Array.from(big).filter((p) => p >= 0)).size).toBeGreaterThan(500)
  })

  it("rotated tasks: every image of every split turned by the task's angle", () => {
    const image: LoadedData = {
      train: { x: Float32Array.from({ length: 4 * 9 }, (_, k) => k % 9), y: Int32Array.from([0, 1, 0, 1]), n: 4 },
      test: { x: Float32Array.from({ length: 2 * 9 }, (_, k) => k % 9), y: Int32Array.from([0, 1]), n: 2 },
      features: 9,
      shape: [3, 3],
      classes: 2
    }
    const r = compile(`lrs 1\nexperiment s {\n  steps = 20\n  batch = 2\n  data = fashion_mnist()\n  model = mlp()\n  optimizer = sgd(lr = 0.1)\n  stream {\n    tasks = rotated(angles = [0, 90])\n    scenario = domain_incremental\n  }\n}\n`, { file: "s.lrs" })
    const ir = r.ir as RunIR & { stream: StreamIR }
    expect(ir.stream.tasks).toEqual({ kind: "rotated", angles: [0, 90] })
    const source = new StreamSource(ir, image)
    expect(source.tasks[0]!.pixels).toBeUndefined()
    expect(Array.from(source.tasks[1]!.test.x.subarray(0, 9))).toEqual([2, 5, 8, 1, 4, 7, 0, 3, 6])
    expect(Array.from(source.next(10).x.subarray(0, 9))).toEqual([2, 5, 8, 1, 4, 7, 0, 3, 6])
    expect(Array.from(source.next(0).x.subarray(0, 9))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
  })

  it("replays a scheduled share of each batch, or a second batch beside it (`concat`), from a class-balanced buffer", () => {
    // The share rises from 0 to 0.5 over the run: at update 200 (task 1's first) it is 0.25 of 8.
    const scheduled = new StreamSource(irOf("tasks = split(classes_per_task = 2)\n    replay = reservoir(capacity = 10, fraction = linear(0 -> 0.5))"), data)
    for (let t = 0; t < 200; t++) scheduled.next(t)
    const b = scheduled.next(200)
    expect(b.y.length).toBe(8)
    expect(Array.from(b.y.slice(0, 6)).every((y) => y >= 2)).toBe(true)
    expect(Array.from(b.y.slice(6)).every((y) => y < 2)).toBe(true)
    const concat = new StreamSource(irOf("tasks = split(classes_per_task = 2)\n    replay = class_balanced(capacity = 6, fraction = concat)"), data)
    expect(concat.next(0).y.length).toBe(8)
    for (let t = 1; t < 200; t++) concat.next(t)
    const doubled = concat.next(200)
    expect(doubled.y.length).toBe(16)
    expect(Array.from(doubled.y.slice(0, 8)).every((y) => y >= 2)).toBe(true)
    // Task 0's two classes hold 3 slots each; task 1's classes joined: 6 over 4 classes, 2, 2, 1, 1.
    expect(Array.from(concat.state().buffer.counts!)).toEqual([2, 2, 1, 1])
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
    // WC-ACC: the last task's final accuracy weighted 1/3, min-ACC 2/3.
    expect(s.worstCaseAccuracy).toBeCloseTo(0.9 / 3 + (2 / 3) * 0.5, 12)
    // WF^10 since each task began: task 0 sees 0.9, 0.3, 0.5, 0.4 (drop 0.6); task 1 (after 100) 0.6, 0.8, 0.7 (0.1).
    expect(s.windowedForgetting).toEqual({ window: 10, value: expect.closeTo(0.35, 12) })
    // No step-0 evaluation: no FWT baseline.
    expect(s.fwt).toBeNull()
    const withInit = continualSummary([...rows, acc(0, 0, 0.2), acc(0, 1, 0.05), acc(0, 2, 0.1)], 3, 100, 2)
    // R[0][1] - b_1 = 0.1 - 0.05; R[1][2] - b_2 = 0.1 - 0.1.
    expect(withInit.fwt).toBeCloseTo(0.025, 12)
    // A window of 2 sees only neighbours: task 0's largest step down 0.6, task 1's 0.1.
    expect(withInit.windowedForgetting.value).toBeCloseTo(0.35, 12)
    expect(describeContinual(withInit)).toBe("continual: average accuracy 0.6667, BWT -0.3000, forgetting 0.3000, min-ACC 0.5000, WC-ACC 0.6333, WF2 0.3500, FWT 0.0250")
  })

  it("windowed forgetting counts drops inside the window only", () => {
    expect(windowedDrop([0.9, 0.8, 0.7, 0.6], 2)).toBeCloseTo(0.1, 12)
    expect(windowedDrop([0.9, 0.8, 0.7, 0.6], 3)).toBeCloseTo(0.2, 12)
    expect(windowedDrop([0.9, 0.8, 0.7, 0.6], 10)).toBeCloseTo(0.3, 12)
    expect(windowedDrop([0.1, 0.5, 0.9], 10)).toBe(0)
  })
})
