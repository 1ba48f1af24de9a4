import { describe, expect, it } from "@effect/vitest"
import { compile, type RunIR, type StreamIR } from "@lrs/compiler"
import type { LoadedData } from "../../src/data/load.ts"
import { continualSummary, describeContinual, describeStream, rotationAngles, rotationPixels, scoleGroups, scoleSummary, StreamSource, streamTasks, windowedDrop } from "../../src/stream/stream.ts"

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

  it("trains each task for its own budget with its own batch size", () => {
    const s = new StreamSource(irOf("tasks = split(classes_per_task = 2)\n    budgets = [100 steps, 300 steps]\n    batches = [4, 12]"), data)
    expect(s.ends).toEqual([100, 400])
    expect([0, 99, 100, 399, 500].map((t) => s.taskAt(t))).toEqual([0, 0, 1, 1, 1])
    expect(s.next(99).y.length).toBe(4)
    const b = s.next(100)
    expect(b.y.length).toBe(12)
    expect(Array.from(b.y).every((y) => y >= 2)).toBe(true)
  })

  it("meets each example of an online stream once, and says when a task's budget needs more than it has", () => {
    // 20 examples a task, 4 new ones an update: 5 updates use each once.
    const s = new StreamSource(irOf("tasks = online(split(classes_per_task = 2), size = 4)", 10), data)
    expect(s.shortfall()).toBeUndefined()
    const rowsOf = (b: { x: Float32Array }) => Array.from({ length: b.x.length / 2 }, (_, i) => b.x[i * 2]! / 10)
    const seen = Array.from({ length: 5 }, (_, t) => rowsOf(s.next(t))).flat()
    expect(new Set(seen).size).toBe(20)
    expect(seen.every((i) => data.train.y[i]! < 2)).toBe(true)
    expect(new StreamSource(irOf("tasks = online(split(classes_per_task = 2), size = 4)", 12), data).shortfall()).toEqual({ task: 0, needs: 24, has: 20 })
    // Replay takes a share of each update: half of 4 after the first, so task 0 needs 4 + 5 * 2.
    const replayed = new StreamSource(irOf("tasks = online(split(classes_per_task = 2), size = 4)\n    replay = reservoir(capacity = 8, fraction = 0.5)", 12), data)
    expect(replayed.shortfall()).toBeUndefined()
  })

  it("labels each class by its place in its task for domain-incremental split tasks", () => {
    const ir = irOf("tasks = split(classes = [[3, 0], [1, 2]])\n    scenario = domain_incremental")
    const s = new StreamSource(ir, data)
    expect(s.outputs).toBe(2)
    expect(s.tasks.map((t) => t.classes)).toEqual([[0, 1], [0, 1]])
    // Task 0: class 3 -> 0, class 0 -> 1; the test labels too.
    const b = s.next(0)
    const rows = Array.from({ length: b.y.length }, (_, i) => b.x[i * 2]! / 10)
    rows.forEach((r, i) => expect(b.y[i]).toBe(data.train.y[r] === 3 ? 0 : 1))
    expect(new Set(s.tasks[1]!.test.y)).toEqual(new Set([0, 1]))
  })

  it("replays recent tasks more under power-law or exponential timing, uniformly over the buffer otherwise", () => {
    const counts = (timing: string) => {
      const s = new StreamSource(irOf(`tasks = split(classes = [[0], [1], [2], [3]])\n    replay = reservoir(capacity = 40, fraction = 0.5${timing})`), data)
      for (let t = 0; t < 300; t++) s.next(t)
      const seen = [0, 0, 0, 0]
      // Updates 300-399 train task 3; half of each batch is replayed (labels are the tasks here).
      for (let t = 300; t < 400; t++) for (const y of s.next(t).y.slice(4)) seen[y]!++
      return seen
    }
    const uniform = counts("")
    const power = counts(", timing = power_law(alpha = 2)")
    const exponential = counts(", timing = exponential(beta = 0.2)")
    for (const c of [power, exponential]) {
      expect(c[3]!).toBeGreaterThan(c[2]!)
      expect(c[2]!).toBeGreaterThan(c[1]!)
      expect(c[1]!).toBeGreaterThan(c[0]!)
    }
    // Uniform over the reservoir replays the oldest task far more, relative to the current one, than a power law does.
    expect(uniform[0]!).toBeGreaterThan(0)
    expect(power[0]! / power[3]!).toBeLessThan(uniform[0]! / uniform[3]! / 3)
  })

  it("draws a rotated stream's angles from its seed when only the number of tasks is given", () => {
    const a = rotationAngles({ count: 6, seed: 3 })
    expect(a).toEqual(rotationAngles({ count: 6, seed: 3 }))
    expect(a).not.toEqual(rotationAngles({ count: 6, seed: 4 }))
    for (const x of a) expect(Number.isInteger(x) && x >= -180 && x <= 180).toBe(true)
    expect(rotationAngles([0, 80])).toEqual([0, 80])
    // (Rotation needs images: spirals get a compile error, so the stream is built by hand here.)
    const stream: StreamIR = { ...irOf("tasks = split(classes_per_task = 2)", 300).stream, tasks: { kind: "rotated", angles: { count: 3, seed: 3 } }, taskSteps: [100, 100, 100], taskBatches: [8, 8, 8] }
    expect(streamTasks(stream, { ...data, shape: [1, 2] })).toHaveLength(3)
    expect(describeStream(stream)).toContain(`3 rotated tasks (turned by ${rotationAngles({ count: 3, seed: 3 }).join(", ")} degrees, drawn at random)`)
  })

  it("draws SCoLe tasks of distinct random classes that re-occur, and evaluates every class on its own", () => {
    const groups = scoleGroups({ count: 40, classesPerTask: 2, seed: 7 }, 4)
    expect(groups).toEqual(scoleGroups({ count: 40, classesPerTask: 2, seed: 7 }, 4))
    expect(groups).not.toEqual(scoleGroups({ count: 40, classesPerTask: 2, seed: 8 }, 4))
    for (const g of groups) expect(g[0]!).toBeLessThan(g[1]!)
    // 6 possible pairs among 4 classes: 40 draws repeat them, and every pair turns up.
    expect(new Set(groups.map((g) => g.join())).size).toBe(6)
    const s = new StreamSource(irOf("tasks = scole(tasks = 40, classes_per_task = 2, seed = 7)"), data)
    expect(s.tasks.map((t) => t.classes)).toEqual(groups)
    expect(s.evaluation.key).toBe("class")
    expect(s.evaluation.units.map((u) => Array.from(new Set(u.test.y)))).toEqual([[0], [1], [2], [3]])
    expect(s.seenAt(0)).toBe(4)
    for (const t of [0, 10, 395]) for (const y of s.next(t).y) expect(groups[Math.floor(t / 10)]).toContain(y)
  })

  it("sums up a SCoLe run: the accuracy over every class where each task ended, and each class's at the end", () => {
    const rows = [
      { kind: "eval", step: 10, split: "test", accuracy: 0.3 },
      { kind: "eval", step: 20, split: "test", accuracy: 0.5 },
      { kind: "eval", step: 25, split: "test", accuracy: 0.4 },
      { kind: "eval", step: 30, split: "test", accuracy: 0.6 },
      { kind: "eval", step: 30, split: "test", class: 0, accuracy: 0.9 },
      { kind: "eval", step: 30, split: "test", class: 1, accuracy: 0.3 }
    ]
    const s = scoleSummary(rows, [10, 20, 30])
    expect(s.curve).toEqual([{ task: 0, step: 10, accuracy: 0.3 }, { task: 1, step: 20, accuracy: 0.5 }, { task: 2, step: 30, accuracy: 0.6 }])
    expect(s.finalAccuracy).toBe(0.6)
    expect(s.classes).toEqual([0.9, 0.3])
    expect(describeContinual(s)).toBe("scole: accuracy over every class where tasks ended, mean by quarter of the 3 tasks 0.3000 / 0.5000 / 0.6000; 0.6000 after the last; classes at the end from 0.3000 to 0.9000")
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
    const s = continualSummary(rows, [100, 200, 300])
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
    const withInit = continualSummary([...rows, acc(0, 0, 0.2), acc(0, 1, 0.05), acc(0, 2, 0.1)], [100, 200, 300], 2)
    // R[0][1] - b_1 = 0.1 - 0.05; R[1][2] - b_2 = 0.1 - 0.1.
    expect(withInit.fwt).toBeCloseTo(0.025, 12)
    // A window of 2 sees only neighbours: task 0's largest step down 0.6, task 1's 0.1.
    expect(withInit.windowedForgetting.value).toBeCloseTo(0.35, 12)
    // Tasks of different lengths: the matrix rows are read where each task ends.
    const uneven = continualSummary([acc(50, 0, 0.8), acc(50, 1, 0.1), acc(300, 0, 0.6), acc(300, 1, 0.9)], [50, 300])
    expect(uneven.matrix).toEqual([[0.8, 0.1], [0.6, 0.9]])
    expect(uneven.minAccuracy).toBeCloseTo(0.6, 12)
    expect(describeContinual(withInit)).toBe("continual: average accuracy 0.6667, BWT -0.3000, forgetting 0.3000, min-ACC 0.5000, WC-ACC 0.6333, WF2 0.3500, FWT 0.0250")
  })

  it("windowed forgetting counts drops inside the window only", () => {
    expect(windowedDrop([0.9, 0.8, 0.7, 0.6], 2)).toBeCloseTo(0.1, 12)
    expect(windowedDrop([0.9, 0.8, 0.7, 0.6], 3)).toBeCloseTo(0.2, 12)
    expect(windowedDrop([0.9, 0.8, 0.7, 0.6], 10)).toBeCloseTo(0.3, 12)
    expect(windowedDrop([0.1, 0.5, 0.9], 10)).toBe(0)
  })
})
