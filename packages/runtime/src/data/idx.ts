/**
 * IDX files, the format MNIST and Fashion-MNIST ship in (http://yann.lecun.com/exdb/mnist/):
 * a 4-byte magic number `0x00 0x00 <type> <ndims>`, then `ndims` big-endian uint32 sizes, then
 * the elements in row-major order. Only unsigned bytes (type 0x08) are read: `0x00000803` is a
 * 3-d image file `[n, rows, cols]`, `0x00000801` a 1-d label file `[n]`. A file starting with the
 * gzip magic `1f 8b` is gunzipped first, whatever its name.
 */
import { Effect, FileSystem, Schema } from "effect"
import { gunzipSync, gzipSync } from "node:zlib"

/** A decoded IDX file: its sizes and its elements (a view, not a copy, of the file's bytes). */
export interface Idx {
  readonly dims: ReadonlyArray<number>
  readonly data: Uint8Array
}

/** An IDX file could not be read or is malformed; `message` starts with the file's path. */
export class IdxError extends Schema.TaggedError<IdxError>()("IdxError", {
  file: Schema.String,
  message: Schema.String
}) {}

const UBYTE = 0x08
const hex = (n: number, width: number): string => "0x" + n.toString(16).padStart(width, "0")
const magicOf = (ndims: number): string => hex((UBYTE << 8) | ndims, 8)
const kindOf = (ndims: number): string => (ndims === 3 ? " (images)" : ndims === 1 ? " (labels)" : "")

/** True when `bytes` starts with the gzip magic `1f 8b`. */
export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b

/**
 * Decodes IDX bytes (gzipped or not). `file` is only used in error messages. `expectedDims`,
 * when given, is the number of dimensions the caller needs (3 for images, 1 for labels).
 * Fails when the magic is wrong, the element type is not unsigned byte, the dimension count
 * differs from `expectedDims`, or the data is shorter or longer than the sizes say.
 */
export const decodeIdx = Effect.fnUntraced(function*(file: string, raw: Uint8Array, expectedDims?: number): Effect.fn.Return<Idx, IdxError> {
  const fail = (what: string) => new IdxError({ file, message: `${file}: ${what}` })
  let bytes = raw
  if (isGzip(raw)) {
    bytes = yield* Effect.try({
      try: () => gunzipSync(raw),
      catch: (e) => fail(`is gzip-compressed but could not be decompressed (${(e as Error).message}); the file may be incomplete, download it again`)
    })
  }
  const expected = expectedDims === undefined
    ? "an IDX magic number such as 0x00000803 (images) or 0x00000801 (labels)"
    : `magic ${magicOf(expectedDims)}${kindOf(expectedDims)}`
  if (bytes.length < 4) return yield* fail(`is ${bytes.length} bytes long, too short for an IDX header (expected ${expected})`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const magic = view.getUint32(0, false)
  if (bytes[0] !== 0 || bytes[1] !== 0) return yield* fail(`is not an IDX file: magic number ${hex(magic, 8)}, expected ${expected}`)
  if (bytes[2] !== UBYTE) {
    return yield* fail(`has IDX element type ${hex(bytes[2]!, 2)} (magic ${hex(magic, 8)}); only unsigned bytes (0x08, magic ${expectedDims === undefined ? "0x000008NN" : magicOf(expectedDims)}) are supported`)
  }
  const ndims = bytes[3]!
  if (ndims === 0) return yield* fail(`has magic ${hex(magic, 8)}: zero dimensions, expected ${expected}`)
  if (expectedDims !== undefined && ndims !== expectedDims) {
    return yield* fail(`has ${ndims} dimension${ndims === 1 ? "" : "s"} (magic ${hex(magic, 8)}${kindOf(ndims)}), expected ${expectedDims} (${expected})`)
  }
  const header = 4 + 4 * ndims
  if (bytes.length < header) return yield* fail(`is truncated: its ${ndims}-dimensional header needs ${header} bytes, the file has ${bytes.length}`)
  const dims: Array<number> = []
  let size = 1
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false)
    dims.push(d)
    size *= d
  }
  const shape = dims.join("x")
  const found = bytes.length - header
  if (found < size) {
    return yield* fail(`is truncated: sizes ${shape} need ${size} bytes of data after the ${header}-byte header, found ${found}; the file may be incomplete, download it again`)
  }
  if (found > size) return yield* fail(`has ${found - size} unexpected bytes after the ${size} bytes of data that sizes ${shape} describe`)
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header, size) }
})

/** Reads and decodes one IDX file through the `FileSystem` service (see `decodeIdx`). */
export const readIdx = Effect.fn("readIdx")(function*(file: string, expectedDims?: number): Effect.fn.Return<Idx, IdxError, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const bytes = yield* fs.readFile(file).pipe(Effect.mapError((e) => new IdxError({ file, message: `${file}: cannot be read (${e.message})` })))
  return yield* decodeIdx(file, bytes, expectedDims)
})

/** Encodes unsigned bytes as an IDX file (gzipped when `gzip`); the inverse of `decodeIdx`, for fixtures and tests. */
export const encodeIdx = (dims: ReadonlyArray<number>, data: Uint8Array, options: { readonly gzip?: boolean } = {}): Uint8Array => {
  const size = dims.reduce((a, b) => a * b, 1)
  if (size !== data.length) throw new Error(`encodeIdx: sizes ${dims.join("x")} need ${size} bytes, got ${data.length}`)
  const out = new Uint8Array(4 + 4 * dims.length + size)
  const view = new DataView(out.buffer)
  view.setUint32(0, (UBYTE << 8) | dims.length, false)
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false))
  out.set(data, 4 + 4 * dims.length)
  return options.gzip === true ? new Uint8Array(gzipSync(out)) : out
}
