import { describe, expect, it } from "@effect/vitest"
import { crc32c, decodeEvent, encodeEvent, frameRecord, maskedCrc, readRecords, rowScalars } from "../../src/run/tensorboard.ts"

const bytes = (...xs: ReadonlyArray<number>) => Uint8Array.from(xs)

describe("TensorBoard event files", () => {
  it("computes CRC-32C and its TFRecord mask", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array(0))).toBe(0)
    // masked(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8, for the standard vector
    const c = 0xe3069283
    expect(maskedCrc(new TextEncoder().encode("123456789"))).toBe((((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0)
  })

  it("encodes a scalar Event field by field, and decodes it back byte for byte", () => {
    const event = { wallTime: 1.5, step: 3, scalars: [{ tag: "a", value: 0.5 }] }
    const encoded = encodeEvent(event)
    expect(Array.from(encoded)).toEqual([
      0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // wall_time = 1.5 (field 1, fixed64)
      0x10, 0x03, // step = 3 (field 2, varint)
      0x2a, 0x0a, // summary (field 5), 10 bytes
      0x0a, 0x08, // Summary.value (field 1), 8 bytes
      0x0a, 0x01, 0x61, // tag = "a"
      0x15, 0, 0, 0, 0x3f // simple_value = 0.5 (field 2, fixed32)
    ])
    expect(decodeEvent(encoded)).toEqual(event)
    const version = { wallTime: 2, step: 0, fileVersion: "brain.Event:2" }
    expect(decodeEvent(encodeEvent(version))).toEqual(version)
    expect(encodeEvent(decodeEvent(encoded))).toEqual(encoded)
    // Large steps take several varint bytes.
    expect(decodeEvent(encodeEvent({ wallTime: 0, step: 3_000_000_000, scalars: [] })).step).toBe(3_000_000_000)
  })

  it("frames records with checked lengths and checksums, and refuses damaged ones", () => {
    const a = frameRecord(bytes(1, 2, 3))
    const b = frameRecord(encodeEvent({ wallTime: 1, step: 1, scalars: [{ tag: "x", value: 2 }] }))
    const file = new Uint8Array([...a, ...b])
    expect(readRecords(file).map((r) => Array.from(r))).toEqual([[1, 2, 3], Array.from(encodeEvent({ wallTime: 1, step: 1, scalars: [{ tag: "x", value: 2 }] }))])
    const damaged = Uint8Array.from(file)
    damaged[13] = damaged[13]! ^ 1
    expect(() => readRecords(damaged)).toThrow(/bad data checksum/)
    expect(() => readRecords(file.subarray(0, file.length - 2))).toThrow(/truncated/)
  })

  it("turns metrics rows into tagged scalars", () => {
    expect(rowScalars({ kind: "train", step: 5, loss: 0.5, lr: 0.1, "curriculum.fraction": 1, note: "x", gone: null })).toEqual([
      { tag: "train/loss", value: 0.5 },
      { tag: "train/lr", value: 0.1 },
      { tag: "train/curriculum.fraction", value: 1 }
    ])
    expect(rowScalars({ kind: "eval", step: 5, split: "test", weights: "average", accuracy: 0.9 })).toEqual([{ tag: "test_average/accuracy", value: 0.9 }])
    expect(rowScalars({ kind: "search", step: 0, chosen: 0.01, candidates: [1] })).toEqual([{ tag: "search/lr", value: 0.01 }])
  })
})
