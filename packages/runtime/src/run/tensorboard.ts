/**
 * TensorBoard event files without TensorFlow: the TFRecord framing and the few protobuf fields of
 * `Event` and `Summary` that scalars need, written by hand (no maintained pure-JS writer exists;
 * tfjs-node's needs libtensorflow).
 *
 * A record is `uint64 length (LE) | uint32 masked_crc32c(length bytes) | data | uint32
 * masked_crc32c(data)`, with `masked(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8`. `data` is an
 * `Event`: `wall_time` (1, double), `step` (2, int64), `file_version` (3, string, "brain.Event:2" in
 * the first record), `summary` (5) holding `Summary.value` (1, repeated) entries of `tag` (1,
 * string) and `simple_value` (2, float).
 */

const crcTable = (() => {
  const table = new Uint32Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    table[i] = c >>> 0
  }
  return table
})()

/** CRC-32C (Castagnoli), as TFRecord uses it. */
export const crc32c = (bytes: Uint8Array): number => {
  let c = 0xffffffff
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

export const maskedCrc = (bytes: Uint8Array): number => {
  const c = crc32c(bytes)
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0
}

const scratch = new DataView(new ArrayBuffer(8))

/** A growing byte buffer with the protobuf wire encodings the Event needs (a row is logged every few updates: kept cheap). */
class Writer {
  private bytes: Array<number> = []
  /** Non-negative integers (steps, lengths, keys) below 2^53. */
  varint(v: number): this {
    let n = v
    while (n >= 128) {
      this.bytes.push((n % 128) | 0x80)
      n = Math.floor(n / 128)
    }
    this.bytes.push(n)
    return this
  }
  key(field: number, wire: number): this {
    return this.varint(field * 8 + wire)
  }
  private raw(count: number): void {
    for (let i = 0; i < count; i++) this.bytes.push(scratch.getUint8(i))
  }
  double(field: number, v: number): this {
    scratch.setFloat64(0, v, true)
    this.key(field, 1).raw(8)
    return this
  }
  float(field: number, v: number): this {
    scratch.setFloat32(0, v, true)
    this.key(field, 5).raw(4)
    return this
  }
  int64(field: number, v: number): this {
    return this.key(field, 0).varint(v)
  }
  message(field: number, content: Uint8Array): this {
    this.key(field, 2).varint(content.length)
    for (const b of content) this.bytes.push(b)
    return this
  }
  string(field: number, s: string): this {
    return this.message(field, new TextEncoder().encode(s))
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes)
  }
}

/** One scalar of a summary. */
export interface Scalar {
  readonly tag: string
  readonly value: number
}

/** An `Event`: the file version (first record of a file), or scalars at a step. */
export type TensorBoardEvent =
  | { readonly wallTime: number; readonly step: number; readonly fileVersion: string }
  | { readonly wallTime: number; readonly step: number; readonly scalars: ReadonlyArray<Scalar> }

/** The Event's bytes; steps must be whole numbers from 0 to 2^53. */
export const encodeEvent = (e: TensorBoardEvent): Uint8Array => {
  const w = new Writer().double(1, e.wallTime).int64(2, e.step)
  if ("fileVersion" in e) return w.string(3, e.fileVersion).done()
  const summary = new Writer()
  for (const s of e.scalars) summary.message(1, new Writer().string(1, s.tag).float(2, s.value).done())
  return w.message(5, summary.done()).done()
}

/** One TFRecord around `data`. */
export const frameRecord = (data: Uint8Array): Uint8Array => {
  const out = new Uint8Array(8 + 4 + data.length + 4)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(data.length), true)
  view.setUint32(8, maskedCrc(out.subarray(0, 8)), true)
  out.set(data, 12)
  view.setUint32(12 + data.length, maskedCrc(data), true)
  return out
}

/** Reads a protobuf varint at `at`: its value and the position after it. */
const readVarint = (b: Uint8Array, at: number): [bigint, number] => {
  let v = 0n
  let shift = 0n
  for (;;) {
    const byte = b[at++]
    if (byte === undefined) throw new Error("truncated varint")
    v |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) return [v, at]
    shift += 7n
  }
}

/** Each field of a message: number, wire type and value (a number, or the bytes of a length-delimited field). */
const fields = (b: Uint8Array): Array<{ field: number; wire: number; value: number | bigint | Uint8Array }> => {
  const out: Array<{ field: number; wire: number; value: number | bigint | Uint8Array }> = []
  let at = 0
  while (at < b.length) {
    const [key, next] = readVarint(b, at)
    at = next
    const field = Number(key >> 3n)
    const wire = Number(key & 7n)
    const view = new DataView(b.buffer, b.byteOffset + at)
    if (wire === 0) {
      const [v, after] = readVarint(b, at)
      out.push({ field, wire, value: v })
      at = after
    } else if (wire === 1) {
      out.push({ field, wire, value: view.getFloat64(0, true) })
      at += 8
    } else if (wire === 5) {
      out.push({ field, wire, value: view.getFloat32(0, true) })
      at += 4
    } else if (wire === 2) {
      const [len, after] = readVarint(b, at)
      out.push({ field, wire, value: b.subarray(after, after + Number(len)) })
      at = after + Number(len)
    } else {
      throw new Error(`unsupported wire type ${wire}`)
    }
  }
  return out
}

/** Decodes an `Event` written by `encodeEvent` (and the same fields from any writer). */
export const decodeEvent = (data: Uint8Array): TensorBoardEvent => {
  let wallTime = 0
  let step = 0
  let fileVersion: string | undefined
  const scalars: Array<Scalar> = []
  for (const f of fields(data)) {
    if (f.field === 1) wallTime = f.value as number
    else if (f.field === 2) step = Number(f.value as bigint)
    else if (f.field === 3) fileVersion = new TextDecoder().decode(f.value as Uint8Array)
    else if (f.field === 5) {
      for (const v of fields(f.value as Uint8Array)) {
        if (v.field !== 1) continue
        let tag = ""
        let value = Number.NaN
        for (const x of fields(v.value as Uint8Array)) {
          if (x.field === 1) tag = new TextDecoder().decode(x.value as Uint8Array)
          if (x.field === 2) value = x.value as number
        }
        scalars.push({ tag, value })
      }
    }
  }
  return fileVersion === undefined ? { wallTime, step, scalars } : { wallTime, step, fileVersion }
}

/** Every record of an event file, its checksums verified. */
export const readRecords = (bytes: Uint8Array): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 0
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new Error(`truncated record header at byte ${at}`)
    const length = Number(view.getBigUint64(at, true))
    if (view.getUint32(at + 8, true) !== maskedCrc(bytes.subarray(at, at + 8))) throw new Error(`bad length checksum at byte ${at}`)
    const data = bytes.subarray(at + 12, at + 12 + length)
    if (data.length !== length || at + 16 + length > bytes.length) throw new Error(`truncated record at byte ${at}`)
    if (view.getUint32(at + 12 + length, true) !== maskedCrc(data)) throw new Error(`bad data checksum at byte ${at}`)
    out.push(data)
    at += 16 + length
  }
  return out
}

/**
 * The scalars of one `metrics.jsonl` row, TensorBoard style: train rows as `train/<column>`,
 * evaluations as `<split>/<metric>` (`<split>_average/<metric>` for averaged weights), an AutoLRS
 * search's choice as `search/lr`, an ensemble's scales as `ensemble/<hyperparameter>_scale`.
 */
export const rowScalars = (row: Readonly<Record<string, unknown>>): Array<Scalar> => {
  const out: Array<Scalar> = []
  const add = (tag: string, v: unknown) => {
    if (typeof v === "number" && Number.isFinite(v)) out.push({ tag, value: v })
  }
  const skip = new Set(["kind", "step", "split", "weights", "task", "class"])
  if (row["kind"] === "train") for (const [k, v] of Object.entries(row)) if (!skip.has(k)) add(`train/${k}`, v)
  if (row["kind"] === "eval") {
    const group = `${String(row["split"])}${typeof row["task"] === "number" ? `_task${row["task"]}` : ""}${typeof row["class"] === "number" ? `_class${row["class"]}` : ""}${row["weights"] === "average" ? "_average" : ""}`
    for (const [k, v] of Object.entries(row)) if (!skip.has(k)) add(`${group}/${k}`, v)
  }
  if (row["kind"] === "search") add("search/lr", row["chosen"])
  if (row["kind"] === "ensemble") {
    for (const [h, v] of Object.entries((row["scales"] ?? {}) as Record<string, unknown>)) add(`ensemble/${h}_scale`, v)
  }
  return out
}
