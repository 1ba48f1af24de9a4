import type { Rng } from "../../data/random.ts"

/**
 * Orthogonal init as `torch.nn.init.orthogonal_(weight, gain)` does it, for a dense layer stored
 * here as `[fanIn, fanOut]` (we compute `x · W`; torch stores `[out, in]` and computes `x · Wᵀ`).
 *
 * torch: draw a `[out, in]` matrix of standard normals, transpose it if it is wide, take the QR
 * decomposition, fix the signs so that R has a positive diagonal (`q *= sign(diag(r))`), transpose
 * back, multiply by `gain`. The sign-fixed Q is exactly what Gram-Schmidt on the columns yields, so
 * that is what runs here (twice per column, which keeps it orthogonal to float64 precision).
 * Normals come from `rng` (row-major over torch's `[out, in]`), so the values differ from torch's
 * but the distribution is the same. Returns our `[fanIn, fanOut]` layout, row-major, float32.
 */
export const orthogonalWeight = (rng: Rng, fanIn: number, fanOut: number, gain: number): Float32Array => {
  const rows = fanOut
  const cols = fanIn
  const torch = Float64Array.from({ length: rows * cols }, () => rng.normal())
  const wide = rows < cols
  const tallRows = wide ? cols : rows
  const tallCols = wide ? rows : cols
  // The tall matrix, column-major so each column is contiguous.
  const q = new Float64Array(tallRows * tallCols)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const value = torch[r * cols + c]!
      if (wide) q[r * tallRows + c] = value // tall[c][r]
      else q[c * tallRows + r] = value // tall[r][c]
    }
  }
  for (let j = 0; j < tallCols; j++) {
    const vj = j * tallRows
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const vk = k * tallRows
        let dot = 0
        for (let i = 0; i < tallRows; i++) dot += q[vk + i]! * q[vj + i]!
        for (let i = 0; i < tallRows; i++) q[vj + i]! -= dot * q[vk + i]!
      }
    }
    let norm = 0
    for (let i = 0; i < tallRows; i++) norm += q[vj + i]! ** 2
    norm = Math.sqrt(norm)
    if (norm === 0) throw new Error("orthogonal init drew a rank-deficient matrix")
    for (let i = 0; i < tallRows; i++) q[vj + i]! /= norm
  }
  // torch's weight W[r][c] (after transposing back when wide), stored as ours[c][r].
  const out = new Float32Array(fanIn * fanOut)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const value = wide ? q[r * tallRows + c]! : q[c * tallRows + r]!
      out[c * fanOut + r] = gain * value
    }
  }
  return out
}

/** `size` draws of `U(-bound, bound)` (torch's default for GRU weights and biases, bound 1/sqrt(hidden)). */
export const uniformWeight = (rng: Rng, size: number, bound: number): Float32Array => {
  const out = new Float32Array(size)
  for (let i = 0; i < size; i++) out[i] = rng.uniformIn(-bound, bound)
  return out
}

/** `size` standard normals (torch.nn.Embedding's default init). */
export const normalWeight = (rng: Rng, size: number): Float32Array => {
  const out = new Float32Array(size)
  for (let i = 0; i < size; i++) out[i] = rng.normal()
  return out
}
