/** Shared helpers for the data-loading tests (not a test file itself). */
import type { SpiralsIR } from "@lrs/compiler"
import type { Span } from "@lrs/dsl"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { encodeIdx } from "../../src/data/idx.ts"

export const span: Span = { file: "spec.lrs", start: { offset: 0, line: 3, col: 8 }, end: { offset: 10, line: 3, col: 18 } }

/** A spirals data IR: 1,000 samples, 3 classes, 20% test, no validation, unless overridden. */
export const spiralsIR = (over: Partial<SpiralsIR> = {}): SpiralsIR => ({
  kind: "spirals",
  samples: 1000,
  classes: 3,
  noise: 0.05,
  turns: 1.5,
  testFraction: 0.2,
  validationFraction: 0,
  span,
  ...over
})

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `lrs-${prefix}-`))

/** Deterministic pixel for image `i`, row `r`, column `c` (covers 0 and 255). */
export const pixel = (i: number, r: number, c: number): number => (i * 37 + r * 28 + c * 3) % 256

/** Label of image `i` of a split that starts at `offset`. */
export const labelOf = (i: number, offset: number): number => (i + offset) % 10

export const images = (n: number): Uint8Array => {
  const out = new Uint8Array(n * 28 * 28)
  for (let i = 0; i < n; i++) for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) out[i * 784 + r * 28 + c] = pixel(i, r, c)
  return out
}

export const labels = (n: number, offset: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => labelOf(i, offset))

/**
 * A directory with the four MNIST-layout IDX files: `nTrain` and `nTest` 28x28 images. Train files
 * are gzipped, test files raw (the loader must take either). `omit` leaves files out.
 */
export const writeImageDir = (nTrain: number, nTest: number, options: { readonly dir?: string; readonly omit?: ReadonlyArray<string> } = {}): string => {
  const dir = options.dir ?? tempDir("images")
  const files: Array<[string, Uint8Array]> = [
    ["train-images-idx3-ubyte.gz", encodeIdx([nTrain, 28, 28], images(nTrain), { gzip: true })],
    ["train-labels-idx1-ubyte.gz", encodeIdx([nTrain], labels(nTrain, 0), { gzip: true })],
    ["t10k-images-idx3-ubyte", encodeIdx([nTest, 28, 28], images(nTest))],
    ["t10k-labels-idx1-ubyte", encodeIdx([nTest], labels(nTest, 5))]
  ]
  for (const [name, bytes] of files) if (!(options.omit ?? []).includes(name)) writeFileSync(join(dir, name), bytes)
  return dir
}
