import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import type { ImageDataIR } from "@lrs/compiler"
import { Effect } from "effect"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { encodeIdx } from "../../src/data/idx.ts"
import { debianFashionMnistDir, imageDirectories, imageFiles } from "../../src/data/images.ts"
import { loadData } from "../../src/data/load.ts"
import { labelOf, pixel, span, tempDir, writeImageDir } from "./fixtures.ts"

const ir = (over: Partial<ImageDataIR> = {}): ImageDataIR => ({ kind: "fashion_mnist", validationFraction: 0, span, ...over })

describe("image data", () => {
  it.effect("loads the four files (gz or raw), scales pixels by 1/255, keeps the files' splits", () =>
    Effect.gen(function*() {
      const dir = writeImageDir(12, 4)
      const d = yield* loadData(ir({ path: dir }), 1)
      assert.strictEqual(d.train.n, 12)
      assert.strictEqual(d.test.n, 4)
      assert.isUndefined(d.validation)
      assert.deepStrictEqual(d.shape, [28, 28, 1])
      assert.strictEqual(d.features, 784)
      assert.strictEqual(d.classes, 10)
      assert.strictEqual(d.train.x.length, 12 * 784)
      // train keeps file order when there is no validation split
      assert.strictEqual(d.train.x[5 * 784 + 3 * 28 + 7], Math.fround(pixel(5, 3, 7) / 255))
      assert.deepStrictEqual(Array.from(d.train.y), Array.from({ length: 12 }, (_, i) => labelOf(i, 0)))
      assert.deepStrictEqual(Array.from(d.test.y), [5, 6, 7, 8])
      const max = d.train.x.reduce((a, b) => Math.max(a, b), 0)
      assert.strictEqual(max, 1)
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("carves validation from train; the rest of train keeps file order", () =>
    Effect.gen(function*() {
      const dir = writeImageDir(20, 3)
      const d = yield* loadData(ir({ path: dir, validationFraction: 0.25 }), 7)
      assert.strictEqual(d.validation!.n, 5)
      assert.strictEqual(d.train.n, 15)
      // recover each row's source index from its first pixel (pixel(i,0,0) = 37i mod 256, unique for i < 20)
      const source = (x: Float32Array, n: number) => Array.from({ length: n }, (_, r) => Math.round(x[r * 784]! * 255) * 173 % 256)
      const train = source(d.train.x, 15)
      const validation = source(d.validation!.x, 5)
      assert.deepStrictEqual([...train, ...validation].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i))
      assert.deepStrictEqual(train, [...train].sort((a, b) => a - b))
      assert.deepStrictEqual(Array.from(d.validation!.y), validation.map((i) => labelOf(i, 0)))
      const again = yield* loadData(ir({ path: dir, validationFraction: 0.25 }), 7)
      assert.deepStrictEqual(Array.from(again.validation!.y), Array.from(d.validation!.y))
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("looks in <dataDir>/fashion-mnist, then <dataDir>, then Debian's directory", () =>
    Effect.gen(function*() {
      const root = tempDir("datadir")
      mkdirSync(join(root, "fashion-mnist"))
      writeImageDir(3, 2, { dir: join(root, "fashion-mnist") })
      const d = yield* loadData(ir(), 0, { dataDir: root })
      assert.strictEqual(d.train.n, 3)
      assert.deepStrictEqual(imageDirectories(ir(), { dataDir: root }).map((t) => t.dir), [join(root, "fashion-mnist"), root, debianFashionMnistDir])
      assert.deepStrictEqual(imageDirectories(ir({ kind: "mnist" }), {}).map((t) => t.dir), [])
      assert.deepStrictEqual(imageDirectories(ir({ path: "imgs" }), { dataDir: root, baseDir: "/specs" }).map((t) => t.dir), ["/specs/imgs"])
      const flat = writeImageDir(4, 2)
      const e = yield* loadData(ir({ kind: "mnist" }), 0, { dataDir: flat })
      assert.strictEqual(e.train.n, 4)
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("missing files: the error lists each directory tried and the help says how to get them", () =>
    Effect.gen(function*() {
      const empty = tempDir("empty")
      const partial = writeImageDir(3, 2, { omit: ["t10k-labels-idx1-ubyte"] })
      const e = yield* Effect.flip(loadData(ir({ path: empty }), 0))
      assert.strictEqual(e._tag, "DataError")
      assert.include(e.message, "Fashion-MNIST files not found")
      assert.include(e.message, `${empty} (the spec's \`path\`): none of them`)
      assert.include(e.help, "apt-get install dataset-fashion-mnist")
      assert.include(e.help, "LRS_DATA_DIR")
      assert.include(e.help, "fashion_mnist(path = \"DIR\")")
      assert.include(e.report, "spec.lrs:3:8: error: Fashion-MNIST files not found")
      const p = yield* Effect.flip(loadData(ir({ path: partial }), 0))
      assert.include(p.message, `${partial} (the spec's \`path\`): lacks t10k-labels-idx1-ubyte[.gz]`)
      const m = yield* Effect.flip(loadData(ir({ kind: "mnist" }), 0))
      assert.include(m.message, "MNIST files not found")
      assert.include(m.message, "no directory to look in")
      assert.include(m.help, "LRS_DATA_DIR")
      assert.notInclude(m.help, "apt-get")
      const viaEnv = yield* Effect.flip(loadData(ir({ kind: "mnist" }), 0, { dataDir: empty }))
      assert.include(viaEnv.message, `${join(empty, "mnist")} (under LRS_DATA_DIR): none of them; ${empty} (LRS_DATA_DIR): none of them`)
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("malformed files: mismatched counts, wrong size, bad labels, corrupt gzip", () =>
    Effect.gen(function*() {
      const counts = writeImageDir(5, 2)
      writeFileSync(join(counts, "t10k-labels-idx1-ubyte"), encodeIdx([3], new Uint8Array([1, 2, 3])))
      const a = yield* Effect.flip(loadData(ir({ path: counts }), 0))
      assert.include(a.message, "t10k-labels-idx1-ubyte has 3 labels but")
      assert.include(a.message, "has 2 images")
      assert.include(a.help, "damaged")
      const size = writeImageDir(5, 2)
      writeFileSync(join(size, "t10k-images-idx3-ubyte"), encodeIdx([2, 32, 32], new Uint8Array(2 * 32 * 32)))
      const b = yield* Effect.flip(loadData(ir({ path: size }), 0))
      assert.include(b.message, "images are 32x32, expected 28x28")
      const label = writeImageDir(5, 2)
      writeFileSync(join(label, "t10k-labels-idx1-ubyte"), encodeIdx([2], new Uint8Array([3, 10])))
      const c = yield* Effect.flip(loadData(ir({ path: label }), 0))
      assert.include(c.message, "label 10 at index 1 is not a class 0..9")
      const gz = writeImageDir(5, 2)
      const good = readFileSync(join(gz, "train-images-idx3-ubyte.gz"))
      writeFileSync(join(gz, "train-images-idx3-ubyte.gz"), good.subarray(0, good.length >> 1))
      const d = yield* Effect.flip(loadData(ir({ path: gz }), 0))
      assert.include(d.message, `${join(gz, "train-images-idx3-ubyte.gz")}: is gzip-compressed but could not be decompressed`)
    }).pipe(Effect.provide(NodeServices.layer)))

  // One test for both machines: with Debian's package installed it loads the real data, without it
  // it checks the missing-files error. (No dataDir: LRS_DATA_DIR in the environment does not matter.)
  it.effect("Fashion-MNIST from Debian's dataset-fashion-mnist, or the error saying how to install it", () =>
    Effect.gen(function*() {
      const labelsGz = join(debianFashionMnistDir, imageFiles.trainLabels + ".gz")
      const present = Object.values(imageFiles).every((f) => existsSync(join(debianFashionMnistDir, f + ".gz")) || existsSync(join(debianFashionMnistDir, f)))
      if (present) {
        const started = performance.now()
        const d = yield* loadData(ir({ validationFraction: 0.1 }), 0)
        const ms = performance.now() - started
        console.log(`Fashion-MNIST loaded in ${ms.toFixed(0)} ms (train ${d.train.n}, validation ${d.validation?.n}, test ${d.test.n})`)
        assert.strictEqual(d.train.n + d.validation!.n, 60000)
        assert.strictEqual(d.validation!.n, 6000)
        assert.strictEqual(d.test.n, 10000)
        assert.deepStrictEqual(d.shape, [28, 28, 1])
        assert.strictEqual(d.train.x.length, 54000 * 784)
        let lo = Infinity
        let hi = -Infinity
        for (const v of d.test.x) {
          if (v < lo) lo = v
          if (v > hi) hi = v
        }
        assert.strictEqual(lo, 0)
        assert.strictEqual(hi, 1)
        // independent read: the labels file is `00 00 08 01`, the count, then one byte per label
        const raw = existsSync(labelsGz) ? gunzipSync(readFileSync(labelsGz)) : readFileSync(join(debianFashionMnistDir, imageFiles.trainLabels))
        assert.strictEqual(raw.readUInt32BE(0), 0x801)
        assert.strictEqual(raw.readUInt32BE(4), 60000)
        const plain = yield* loadData(ir(), 0)
        assert.strictEqual(plain.train.y[0], raw[8])
        assert.strictEqual(plain.train.y[59999], raw[8 + 59999])
        const counts = new Array<number>(10).fill(0)
        for (const y of plain.train.y) counts[y]!++
        assert.deepStrictEqual(counts, new Array<number>(10).fill(6000))
      } else {
        const e = yield* Effect.flip(loadData(ir(), 0))
        assert.include(e.message, `${debianFashionMnistDir} (Debian's dataset-fashion-mnist)`)
        assert.include(e.help, "apt-get install dataset-fashion-mnist")
      }
    }).pipe(Effect.provide(NodeServices.layer)))
})
