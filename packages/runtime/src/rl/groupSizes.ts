/**
 * How a GRPO batch splits into groups: its answers lie group after group, every group `G` answers
 * (a number), or each its own size (an array, one per group: a scheduled group size below the
 * env's capacity, CurES's rollout allocation).
 */
export type GroupSizes = number | ReadonlyArray<number>

/** Each group's `[start, end)` rows of a batch of `length`; fails unless the groups cover it exactly. */
export const groupRanges = (length: number, sizes: GroupSizes, what = "rewards"): Array<readonly [number, number]> => {
  if (typeof sizes === "number") {
    if (!Number.isInteger(sizes) || sizes < 1 || length % sizes !== 0) throw new Error(`${length} ${what} do not split into groups of ${sizes}`)
    return Array.from({ length: length / sizes }, (_, g) => [g * sizes, (g + 1) * sizes] as const)
  }
  const total = sizes.reduce((a, b) => a + b, 0)
  if (sizes.some((s) => !Number.isInteger(s) || s < 1) || total !== length) {
    throw new Error(`${length} ${what} do not split into groups of ${sizes.join(", ")} (${total} in all)`)
  }
  const out: Array<readonly [number, number]> = []
  let at = 0
  for (const s of sizes) {
    out.push([at, at + s])
    at += s
  }
  return out
}

/** The group of each of a batch's `length` rows. */
export const groupOfRows = (length: number, sizes: GroupSizes): Int32Array => {
  const out = new Int32Array(length)
  groupRanges(length, sizes).forEach(([start, end], g) => out.fill(g, start, end))
  return out
}

/** The values of one group, as a plain array. */
export const slice = (values: ArrayLike<number>, [start, end]: readonly [number, number]): Array<number> =>
  Array.prototype.slice.call(values, start, end) as Array<number>
