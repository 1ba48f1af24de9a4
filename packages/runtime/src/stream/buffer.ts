import type { Rng } from "../data/random.ts"

/**
 * What a checkpoint keeps of a replay buffer: its entries in order; for a class-balanced one also
 * their keys, the classes in the order they came and how many entries each holds.
 */
export interface BufferState {
  readonly index: Int32Array
  readonly task: Int32Array
  readonly seen: number
  readonly key?: Int32Array
  readonly classes?: Int32Array
  readonly counts?: Int32Array
}

/** A buffer of past training examples (rows of the train split, with the task they came from). */
export interface ReplayBuffer {
  readonly size: number
  /** Offers an example the model just trained on; `label` is its class. */
  add(row: number, task: number, label: number): void
  /** Entry `i` (0 <= i < size). */
  entry(i: number): { readonly row: number; readonly task: number }
  state(): BufferState
  restore(state: BufferState): void
}

/**
 * One reservoir over everything trained on (Vitter's algorithm R, as Mammoth's buffer): the j-th
 * example offered replaces a random slot with probability capacity / j, so every example has the
 * same chance to be kept.
 */
export const reservoirBuffer = (capacity: number, rng: () => Rng): ReplayBuffer => {
  const index = new Int32Array(capacity)
  const task = new Int32Array(capacity)
  let size = 0
  let seen = 0
  return {
    get size() {
      return size
    },
    add: (row, k) => {
      seen++
      if (size < capacity) {
        index[size] = row
        task[size++] = k
        return
      }
      const j = rng().int(seen)
      if (j < capacity) {
        index[j] = row
        task[j] = k
      }
    },
    entry: (i) => ({ row: index[i]!, task: task[i]! }),
    state: () => ({ index: index.slice(0, size), task: task.slice(0, size), seen }),
    restore: (s) => {
      index.set(s.index)
      task.set(s.task)
      size = s.index.length
      seen = s.seen
    }
  }
}

/** Keys are 24-bit integers so that a checkpoint (float32) keeps them exactly; ties keep the earlier example. */
const keySpace = 2 ** 24

interface Kept {
  readonly row: number
  readonly task: number
  readonly key: number
}

/**
 * A reservoir per class (Avalanche's ClassBalancedBuffer with `adaptive_size`): the capacity split
 * evenly among the classes seen so far, the remainder to the first ones; each class keeps the
 * examples with the largest random keys among those offered (Avalanche's ReservoirSamplingBuffer,
 * per example rather than per experience), so shrinking a class when a new one arrives keeps a
 * uniform sample of it.
 */
export const classBalancedBuffer = (capacity: number, rng: () => Rng): ReplayBuffer => {
  const perClass = new Map<number, Array<Kept>>()
  let order: Array<number> = []
  let seen = 0
  let size = 0
  const quota = (i: number) => Math.floor(capacity / order.length) + (i < capacity % order.length ? 1 : 0)
  const count = () => order.reduce((n, c) => n + perClass.get(c)!.length, 0)
  return {
    get size() {
      return size
    },
    add: (row, task, label) => {
      seen++
      const key = rng().int(keySpace)
      if (!perClass.has(label)) {
        perClass.set(label, [])
        order.push(label)
        // A new class: every class shrinks to its new share, keeping its largest keys.
        order.forEach((c, i) => {
          const entries = perClass.get(c)!
          if (entries.length > quota(i)) {
            entries.sort((a, b) => b.key - a.key)
            entries.length = quota(i)
          }
        })
      }
      const entries = perClass.get(label)!
      const q = quota(order.indexOf(label))
      if (entries.length < q) entries.push({ row, task, key })
      else if (entries.length > 0) {
        let low = 0
        for (let i = 1; i < entries.length; i++) if (entries[i]!.key < entries[low]!.key) low = i
        if (key > entries[low]!.key) entries[low] = { row, task, key }
      }
      size = count()
    },
    entry: (i) => {
      for (const c of order) {
        const entries = perClass.get(c)!
        if (i < entries.length) return entries[i]!
        i -= entries.length
      }
      throw new Error(`replay buffer entry out of range`)
    },
    state: () => {
      const entries = order.flatMap((c) => perClass.get(c)!)
      return {
        index: Int32Array.from(entries, (e) => e.row),
        task: Int32Array.from(entries, (e) => e.task),
        key: Int32Array.from(entries, (e) => e.key),
        classes: Int32Array.from(order),
        counts: Int32Array.from(order, (c) => perClass.get(c)!.length),
        seen
      }
    },
    restore: (s) => {
      order = Array.from(s.classes ?? [])
      perClass.clear()
      // Entries were saved class by class, in `order`, `counts[i]` of them for class i.
      let at = 0
      order.forEach((c, i) => {
        const entries: Array<Kept> = []
        for (let n = 0; n < s.counts![i]!; n++, at++) entries.push({ row: s.index[at]!, task: s.task[at]!, key: s.key![at]! })
        perClass.set(c, entries)
      })
      size = count()
      seen = s.seen
    }
  }
}
