/** A schedule's values at a few steps, chosen so that its line looks as if every step were drawn. */
export interface Sampled {
  readonly steps: Array<number>
  readonly values: Array<number>
  /** The first step (of those looked at) whose value is zero or negative, for `--log`. */
  readonly nonPositive?: { readonly step: number; readonly value: number }
}

/** Past this many steps a line is scanned with a stride instead of at every step. */
const fullScanLimit = 4_000_000

/**
 * The steps 0..steps-1 reduced to at most about `maxPoints` (every step when there are fewer):
 * the range is cut into buckets and each keeps its first, last, lowest and highest step (M4
 * downsampling: at chart resolution the line is the same as the full one, jumps and spikes
 * included). Both ends, and both sides of every step in `keep` (phase boundaries, where a value
 * may jump), are always included.
 */
export const sampleSchedule = (f: (t: number) => number, steps: number, keep: ReadonlyArray<number>, maxPoints = 2000): Sampled => {
  let nonPositive: { step: number; value: number } | undefined
  const look = (t: number): number => {
    const v = f(t)
    if (nonPositive === undefined && v <= 0) nonPositive = { step: t, value: v }
    return v
  }
  if (steps <= maxPoints) {
    const ts = Array.from({ length: steps }, (_, t) => t)
    const values = ts.map(look)
    return nonPositive === undefined ? { steps: ts, values } : { steps: ts, values, nonPositive }
  }
  const picked = new Set<number>([0, steps - 1])
  for (const b of keep) {
    if (b - 1 >= 0 && b - 1 < steps) picked.add(b - 1)
    if (b >= 0 && b < steps) picked.add(b)
  }
  const buckets = Math.max(250, Math.floor((maxPoints - picked.size) / 4))
  const stride = Math.max(1, Math.ceil(steps / fullScanLimit))
  for (let k = 0; k < buckets; k++) {
    const a = Math.floor((k * steps) / buckets)
    const e = Math.floor(((k + 1) * steps) / buckets)
    if (e <= a) continue
    let minT = a
    let maxT = a
    let minV = Infinity
    let maxV = -Infinity
    const visit = (t: number) => {
      const v = look(t)
      if (v < minV) {
        minV = v
        minT = t
      }
      if (v > maxV) {
        maxV = v
        maxT = t
      }
    }
    for (let t = a; t < e; t += stride) visit(t)
    if ((e - 1 - a) % stride !== 0) visit(e - 1)
    picked.add(a).add(e - 1).add(minT).add(maxT)
  }
  const ts = [...picked].sort((x, y) => x - y)
  const values = ts.map(f)
  return nonPositive === undefined ? { steps: ts, values } : { steps: ts, values, nonPositive }
}
