/**
 * Fashion-MNIST and MNIST from their four IDX files (`idx.ts`), gzipped or not:
 * `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`, each optionally with `.gz` (the uncompressed one is used when both exist).
 *
 * Where they are looked for, in order:
 * 1. `path` from the spec, alone (relative paths against `options.baseDir`, else the working directory);
 * 2. otherwise `<dataDir>/fashion-mnist` (or `<dataDir>/mnist`), then `<dataDir>` itself, where
 *    `dataDir` is what the caller passes (normally `$LRS_DATA_DIR`);
 * 3. then, for Fashion-MNIST, `/usr/share/datasets/fashion-mnist`, where Debian's
 *    `dataset-fashion-mnist` package installs the four `.gz` files.
 *
 * Pixels are bytes 0..255 divided by 255 into float32 `[0, 1]`; an example is `[rows, cols, 1]`
 * (height, width, channels), 28x28 for both datasets; labels are 0..9.
 */
import type { ImageDataIR } from "@lrs/compiler"
import { Effect, FileSystem } from "effect"
import * as NodePath from "node:path"
import { DataError } from "./DataError.ts"
import { type Idx, readIdx } from "./idx.ts"
import { carveValidation, type DataOptions, gatherRows, type LoadedData } from "./split.ts"

/** The four file names, without the optional `.gz`. */
export const imageFiles = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte"
} as const

type FileKey = keyof typeof imageFiles
const fileKeys = Object.keys(imageFiles) as Array<FileKey>

/** Where Debian's `dataset-fashion-mnist` installs the files (gzipped). */
export const debianFashionMnistDir = "/usr/share/datasets/fashion-mnist"

const CLASSES = 10
const SIDE = 28

const title = (kind: ImageDataIR["kind"]): string => (kind === "fashion_mnist" ? "Fashion-MNIST" : "MNIST")
const subdir = (kind: ImageDataIR["kind"]): string => (kind === "fashion_mnist" ? "fashion-mnist" : "mnist")

/** The directories tried, in order, each with why it is tried. */
export const imageDirectories = (ir: ImageDataIR, options: DataOptions = {}): Array<{ readonly dir: string; readonly why: string }> => {
  if (ir.path !== undefined) return [{ dir: NodePath.resolve(options.baseDir ?? ".", ir.path), why: "the spec's `path`" }]
  const dirs: Array<{ dir: string; why: string }> = []
  if (options.dataDir !== undefined && options.dataDir !== "") {
    const root = NodePath.resolve(options.dataDir)
    dirs.push({ dir: NodePath.join(root, subdir(ir.kind)), why: "under LRS_DATA_DIR" }, { dir: root, why: "LRS_DATA_DIR" })
  }
  if (ir.kind === "fashion_mnist") dirs.push({ dir: debianFashionMnistDir, why: "Debian's dataset-fashion-mnist" })
  return dirs
}

const helpFor = (kind: ImageDataIR["kind"]): string => {
  const names = fileKeys.map((k) => imageFiles[k]).join(", ")
  const put = `into a directory and set LRS_DATA_DIR to it or write \`data = ${kind}(path = "DIR")\``
  return kind === "fashion_mnist"
    ? `on Debian or Ubuntu run \`apt-get install dataset-fashion-mnist\` (it installs the files in ${debianFashionMnistDir}); ` +
      `elsewhere download the four files (${names}, .gz or not) from https://github.com/zalandoresearch/fashion-mnist (data/fashion) ${put}`
    : `download the four files (${names}, .gz or not) from http://yann.lecun.com/exdb/mnist/ ` +
      `(or a mirror such as https://ossci-datasets.s3.amazonaws.com/mnist/) ${put}`
}

/** Each file's path in `dir` (the plain name before `.gz`), or undefined when absent. */
const findIn = Effect.fnUntraced(function*(dir: string) {
  const fs = yield* FileSystem.FileSystem
  const exists = (p: string) => fs.exists(p).pipe(Effect.orElseSucceed(() => false))
  const found: Partial<Record<FileKey, string>> = {}
  for (const key of fileKeys) {
    for (const name of [imageFiles[key], imageFiles[key] + ".gz"]) {
      const p = NodePath.join(dir, name)
      if (yield* exists(p)) {
        found[key] = p
        break
      }
    }
  }
  return found
})

/** Locates the four files (see the module doc); fails with every directory tried when none has them all. */
export const locateImageFiles = Effect.fn("locateImageFiles")(function*(
  ir: ImageDataIR,
  options: DataOptions = {}
): Effect.fn.Return<Record<FileKey, string>, DataError, FileSystem.FileSystem> {
  const tried: Array<string> = []
  for (const { dir, why } of imageDirectories(ir, options)) {
    const found = yield* findIn(dir)
    const missing = fileKeys.filter((k) => found[k] === undefined)
    if (missing.length === 0) return found as Record<FileKey, string>
    tried.push(
      missing.length === fileKeys.length
        ? `${dir} (${why}): none of them`
        : `${dir} (${why}): lacks ${missing.map((k) => imageFiles[k] + "[.gz]").join(", ")}`
    )
  }
  const where = tried.length === 0
    ? "no directory to look in: the spec gives no `path` and LRS_DATA_DIR is not set"
    : `looked in ${tried.join("; ")}`
  return yield* new DataError({
    message: `${title(ir.kind)} files not found (${fileKeys.map((k) => imageFiles[k]).join(", ")}, each .gz or not): ${where}`,
    help: helpFor(ir.kind),
    span: ir.span
  })
})

/**
 * Loads the images: the files' own train and test splits; `validation` carved from train with
 * `carveValidation` (split.ts) when `validationFraction` is above 0.
 */
export const loadImages = Effect.fn("loadImages")(function*(
  ir: ImageDataIR,
  seed: number,
  options: DataOptions = {}
): Effect.fn.Return<LoadedData, DataError, FileSystem.FileSystem> {
  const files = yield* locateImageFiles(ir, options)
  const fail = (message: string) => new DataError({ message, help: `the file is damaged or is not a ${title(ir.kind)} IDX file; ${helpFor(ir.kind)}`, span: ir.span })
  const read = (key: FileKey, ndims: number) => readIdx(files[key], ndims).pipe(Effect.mapError((e) => fail(e.message)))
  const pair = Effect.fnUntraced(function*(images: FileKey, labels: FileKey) {
    const x = yield* read(images, 3)
    const y = yield* read(labels, 1)
    yield* checkPair(files[images], x, files[labels], y, fail)
    return { x, y, n: x.dims[0]! }
  })
  const train = yield* pair("trainImages", "trainLabels")
  const test = yield* pair("testImages", "testLabels")
  const features = SIDE * SIDE
  const { train: trainRows, validation: validationRows } = carveValidation(train.n, ir.validationFraction, seed)
  if (ir.validationFraction > 0 && validationRows.length === 0) {
    return yield* new DataError({
      message: `validation_fraction ${ir.validationFraction} of ${train.n} training images holds out no image`,
      help: "raise `validation_fraction`, or remove it for no validation split",
      span: ir.span
    })
  }
  const testRows = Int32Array.from({ length: test.n }, (_, i) => i)
  return {
    train: gatherRows(train.x.data, train.y.data, features, trainRows, 255),
    ...(ir.validationFraction > 0 ? { validation: gatherRows(train.x.data, train.y.data, features, validationRows, 255) } : {}),
    test: gatherRows(test.x.data, test.y.data, features, testRows, 255),
    features,
    shape: [SIDE, SIDE, 1],
    classes: CLASSES
  }
})

const checkPair = Effect.fnUntraced(function*(
  imagesFile: string,
  images: Idx,
  labelsFile: string,
  labels: Idx,
  fail: (message: string) => DataError
) {
  const [n, rows, cols] = images.dims as [number, number, number]
  if (rows !== SIDE || cols !== SIDE) return yield* fail(`${imagesFile}: images are ${rows}x${cols}, expected ${SIDE}x${SIDE}`)
  if (labels.dims[0] !== n) return yield* fail(`${labelsFile} has ${labels.dims[0]} labels but ${imagesFile} has ${n} images`)
  if (n === 0) return yield* fail(`${imagesFile} holds no images`)
  const bad = labels.data.findIndex((v) => v >= CLASSES)
  if (bad >= 0) return yield* fail(`${labelsFile}: label ${labels.data[bad]} at index ${bad} is not a class 0..${CLASSES - 1}`)
})
