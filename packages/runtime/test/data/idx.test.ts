import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { decodeIdx, encodeIdx, isGzip, readIdx } from "../../src/data/idx.ts"
import { tempDir } from "./fixtures.ts"

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) % 256)
const header = (magic: number, dims: ReadonlyArray<number>): Uint8Array => {
  const out = new Uint8Array(4 + 4 * dims.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, magic, false)
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false))
  return out
}
const concat = (...parts: Array<Uint8Array>) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
const decodeError = (raw: Uint8Array, expectedDims?: number) => Effect.flip(decodeIdx("f.idx", raw, expectedDims)).pipe(Effect.map((e) => e.message))

describe("IDX", () => {
  it.effect("round-trips images and labels, raw and gzipped", () =>
    Effect.gen(function*() {
      for (const gzip of [false, true]) {
        const img = encodeIdx([3, 4, 5], bytes(60), { gzip })
        assert.strictEqual(isGzip(img), gzip)
        if (!gzip) assert.deepStrictEqual(Array.from(img.subarray(0, 4)), [0, 0, 8, 3])
        const a = yield* decodeIdx("img", img, 3)
        assert.deepStrictEqual(a.dims, [3, 4, 5])
        assert.deepStrictEqual(Array.from(a.data), Array.from(bytes(60)))
        const b = yield* decodeIdx("lab", encodeIdx([6], bytes(6), { gzip }), 1)
        assert.deepStrictEqual(b.dims, [6])
        assert.deepStrictEqual(Array.from(b.data), Array.from(bytes(6)))
      }
      // big-endian sizes above one byte
      const big = yield* decodeIdx("big", encodeIdx([300, 2], bytes(600)))
      assert.deepStrictEqual(big.dims, [300, 2])
    }))

  it.effect("reads files through the FileSystem service, detecting gzip by content", () =>
    Effect.gen(function*() {
      const dir = tempDir("idx")
      writeFileSync(join(dir, "raw"), encodeIdx([2, 2, 2], bytes(8)))
      writeFileSync(join(dir, "zipped-without-gz-suffix"), encodeIdx([2, 2, 2], bytes(8), { gzip: true }))
      for (const name of ["raw", "zipped-without-gz-suffix"]) {
        const idx = yield* readIdx(join(dir, name), 3)
        assert.deepStrictEqual(Array.from(idx.data), Array.from(bytes(8)))
      }
      const missing = yield* Effect.flip(readIdx(join(dir, "nope"), 3))
      assert.include(missing.message, join(dir, "nope"))
      assert.include(missing.message, "cannot be read")
      assert.strictEqual(missing.file, join(dir, "nope"))
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("wrong magic numbers are named, with the expected one", () =>
    Effect.gen(function*() {
      const notIdx = yield* decodeError(concat(header(0x12345678, []), bytes(8)), 3)
      assert.include(notIdx, "f.idx: is not an IDX file: magic number 0x12345678, expected magic 0x00000803 (images)")
      const labelsForImages = yield* decodeError(encodeIdx([4], bytes(4)), 3)
      assert.include(labelsForImages, "f.idx: has 1 dimension (magic 0x00000801 (labels)), expected 3")
      const imagesForLabels = yield* decodeError(encodeIdx([1, 2, 2], bytes(4)), 1)
      assert.include(imagesForLabels, "has 3 dimensions (magic 0x00000803 (images)), expected 1")
      const floats = yield* decodeError(concat(header(0x00000d01, [1]), bytes(4)), 1)
      assert.include(floats, "element type 0x0d")
      assert.include(floats, "only unsigned bytes")
      const zeroDims = yield* decodeError(header(0x00000800, []))
      assert.include(zeroDims, "zero dimensions")
    }))

  it.effect("truncated and oversized files say how many bytes were expected and found", () =>
    Effect.gen(function*() {
      const full = encodeIdx([10, 28, 28], bytes(7840))
      const cut = yield* decodeError(full.subarray(0, full.length - 100), 3)
      assert.include(cut, "f.idx: is truncated: sizes 10x28x28 need 7840 bytes of data after the 16-byte header, found 7740")
      const headerCut = yield* decodeError(full.subarray(0, 10), 3)
      assert.include(headerCut, "is truncated: its 3-dimensional header needs 16 bytes, the file has 10")
      const tiny = yield* decodeError(new Uint8Array([0, 0]), 1)
      assert.include(tiny, "is 2 bytes long, too short for an IDX header")
      const extra = yield* decodeError(concat(encodeIdx([3], bytes(3)), bytes(2)), 1)
      assert.include(extra, "has 2 unexpected bytes after the 3 bytes of data")
      const zipped = encodeIdx([10, 28, 28], bytes(7840), { gzip: true })
      const badGz = yield* decodeError(zipped.subarray(0, zipped.length - 20), 3)
      assert.include(badGz, "f.idx: is gzip-compressed but could not be decompressed")
    }))
})
