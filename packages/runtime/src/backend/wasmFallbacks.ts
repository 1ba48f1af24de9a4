import * as tf from "@tensorflow/tfjs"

/**
 * tfjs-backend-wasm 4.22 registers no kernel for some ops the cpu backend has; training needs
 * three of them: `Conv2DBackpropFilter` (conv2d filter gradient), `UnsortedSegmentSum` (gather
 * gradient, i.e. embeddings) and the depthwise-conv gradients. For every kernel registered on cpu
 * but not on wasm (computed when installed, so a newer wasm backend gets fewer fallbacks) this
 * registers a wasm kernel that copies the inputs out of the wasm heap into the cpu backend, runs
 * the cpu kernel there, writes the outputs back into the wasm heap and frees the cpu copies. It is
 * a correctness fallback: each call pays two copies plus pure-JS compute.
 *
 * Complex and string kernels are skipped (their data does not round-trip through a plain typed
 * array): see `excluded`.
 */

// Marks our kernels so install is idempotent even when this module is loaded twice (the kernel
// registry is global).
const FALLBACK = Symbol.for("@lrs/runtime/wasmFallbacks/fallback")

type FallbackKernelFunc = tf.KernelFunc & { [FALLBACK]?: string }

/** Complex-valued and string kernels: never given a fallback. */
export const excluded: ReadonlySet<string> = new Set([
  "Complex",
  "ComplexAbs",
  "Imag",
  "Real",
  "FFT",
  "IFFT",
  "RFFT",
  "IRFFT",
  "Draw",
  "StaticRegexReplace",
  "StringNGrams",
  "StringSplit",
  "StringToHashBucketFast",
  "DecodeBase64",
  "EncodeBase64"
])

const isExcluded = (name: string): boolean => excluded.has(name) || name.startsWith("String")

/** The cpu backend's own data methods (tfjs's `KernelBackend` type lacks `makeTensorInfo`). */
interface CpuBackend extends tf.KernelBackend {
  firstUse?: boolean
  makeTensorInfo(shape: Array<number>, dtype: tf.DataType, values?: tf.BackendValues): tf.TensorInfo
}

/** Values of `dtype` in the typed array wasm's `write` copies byte for byte. */
const typed = (values: tf.BackendValues, dtype: tf.DataType): tf.BackendValues => {
  switch (dtype) {
    case "float32":
      return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>)
    case "int32":
      return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>)
    case "bool":
      return values instanceof Uint8Array ? values : Uint8Array.from(values as ArrayLike<number>)
    default:
      throw new Error(`wasm fallback cannot copy ${dtype} tensors`)
  }
}

const fallbackFor = (name: string): FallbackKernelFunc => {
  const kernelFunc: FallbackKernelFunc = ({ inputs, backend, attrs }) => {
    const cpuKernel = tf.getKernel(name, "cpu")
    if (cpuKernel === undefined) throw new Error(`wasm fallback: no cpu kernel ${name}`)
    const cpu = tf.engine().findBackend("cpu") as CpuBackend | null
    if (cpu === null) throw new Error(`wasm fallback for ${name}: the cpu backend is not available`)
    // The cpu backend prints a "running TensorFlow.js in Node.js" banner on its first write.
    cpu.firstUse = false
    const wasm = backend as tf.KernelBackend
    const owned: Array<tf.TensorInfo> = []
    try {
      const toCpu = (info: tf.TensorInfo): tf.TensorInfo => {
        const copy = cpu.makeTensorInfo(info.shape, info.dtype, typed(wasm.readSync(info.dataId), info.dtype))
        owned.push(copy)
        return copy
      }
      // Most kernels take named inputs; a few (Einsum, like AddN and Concat) take an array.
      const cpuInputs = Array.isArray(inputs)
        ? (inputs as Array<tf.TensorInfo>).map(toCpu)
        : Object.fromEntries(
          Object.entries(inputs).flatMap(([key, info]) => info === undefined || info === null ? [] : [[key, toCpu(info)]])
        )
      const result = cpuKernel.kernelFunc({ inputs: cpuInputs as tf.NamedTensorInfoMap, backend: cpu, attrs: attrs ?? {} })
      const outputs = Array.isArray(result) ? result : [result]
      owned.push(...outputs)
      const back = outputs.map((out): tf.TensorInfo => ({
        dataId: wasm.write(typed(cpu.readSync(out.dataId), out.dtype), out.shape, out.dtype),
        shape: out.shape,
        dtype: out.dtype
      }))
      return Array.isArray(result) ? back : back[0]!
    } finally {
      // An output that is an input passed through has had its refCount raised, so one
      // disposeData per handle frees each copy exactly once.
      for (const info of owned) cpu.disposeData(info.dataId)
    }
  }
  kernelFunc[FALLBACK] = name
  return kernelFunc
}

const wasmKernel = (name: string): tf.KernelFunc => {
  const config = tf.getKernel(name, "wasm")
  if (config === undefined) throw new Error(`wasm kernel ${name} is not registered`)
  return config.kernelFunc
}

type Shape4 = [number, number, number, number]

/** The attributes both conv backprop kernels read (tfjs passes them untyped). */
interface ConvAttrs {
  readonly strides: [number, number] | number
  readonly pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding
  readonly dataFormat: "NHWC" | "NCHW"
  readonly dimRoundingMode?: "floor" | "round" | "ceil"
}

/**
 * `Conv2DBackpropFilter` from wasm kernels (NHWC; other layouts use the cpu copy): the cpu kernel
 * is a naive loop (11.7 s per Fashion-CNN step at batch 32, measured), so this computes the filter
 * gradient as im2col + one matMul, all in the wasm heap:
 *
 *     xp      = pad(x, conv padding)                                  [B, Hp, Wp, Ci]
 *     patches = concat over (i, j) of xp[:, i::sh, j::sw, :]          [B, Ho, Wo, K*K*Ci]
 *               (each slice Ho x Wo; (i, j) outer, ci inner)
 *     dW      = patches^T [K*K*Ci, B*Ho*Wo] . dy [B*Ho*Wo, Co]        -> [Kh, Kw, Ci, Co]
 *
 * which is `sum_{b,h,w} xp[b, h*sh + i, w*sw + j, ci] * dy[b, h, w, co]`, the definition.
 */
const conv2DBackpropFilterNative = (cpuFallback: tf.KernelFunc): tf.KernelFunc => (args) => {
  const { inputs, backend, attrs } = args
  const x = inputs["x"]!
  const dy = inputs["dy"]!
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as ConvAttrs & { filterShape: Shape4 }
  if (dataFormat === "NCHW" || x.dtype !== "float32" || dy.dtype !== "float32") return cpuFallback(args)
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast"
  )
  const [kh, kw, ci, co] = filterShape
  const { batchSize: b, outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw, padInfo } = info
  const temporaries: Array<tf.TensorInfo> = []
  const keep = (t: tf.TensorInfo): tf.TensorInfo => {
    temporaries.push(t)
    return t
  }
  const wasm = backend as tf.KernelBackend
  try {
    const needH = (ho - 1) * sh + kh
    const needW = (wo - 1) * sw + kw
    const [inH, inW] = [x.shape[1]!, x.shape[2]!]
    // Pad so every window lies inside; a valid conv may leave trailing rows unused (negative pad).
    const padded = padInfo.top === 0 && padInfo.left === 0 && needH <= inH && needW <= inW
      ? x
      : keep(wasmKernel("PadV2")({
        inputs: { x },
        backend,
        attrs: {
          paddings: [[0, 0], [padInfo.top, Math.max(needH - inH - padInfo.top, 0)], [padInfo.left, Math.max(needW - inW - padInfo.left, 0)], [0, 0]],
          constantValue: 0
        }
      }) as tf.TensorInfo)
    const slices: Array<tf.TensorInfo> = []
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        slices.push(keep(wasmKernel("StridedSlice")({
          inputs: { x: padded },
          backend,
          attrs: {
            begin: [0, i, j, 0],
            end: [b, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1, ci],
            strides: [1, sh, sw, 1],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0
          }
        }) as tf.TensorInfo))
      }
    }
    const patches = slices.length === 1
      ? slices[0]!
      : keep(wasmKernel("Concat")({ inputs: slices as unknown as tf.NamedTensorInfoMap, backend, attrs: { axis: 3 } }) as tf.TensorInfo)
    // Reshapes are metadata only here: new views of the same data, never disposed themselves.
    const rows = b * ho * wo
    const depth = kh * kw * ci
    const view = (t: tf.TensorInfo, shape: Array<number>): tf.TensorInfo => ({ dataId: t.dataId, shape, dtype: "float32" })
    const transpose = (t: tf.TensorInfo): tf.TensorInfo =>
      wasmKernel("Transpose")({ inputs: { x: t }, backend, attrs: { perm: [0, 2, 1] } }) as tf.TensorInfo
    const matMul = (a: tf.TensorInfo, bb: tf.TensorInfo): tf.TensorInfo =>
      wasmKernel("BatchMatMul")({ inputs: { a, b: bb }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo
    // wasm's Transpose is slow (45 ms for 7M floats): transpose the smaller of patches and dy.
    if (depth <= co) {
      const product = matMul(keep(transpose(view(patches, [1, rows, depth]))), view(dy, [1, rows, co]))
      return view(product, [kh, kw, ci, co])
    }
    // dW^T = dy^T . patches  [co, depth], then transpose that (small) result.
    const productT = keep(matMul(keep(transpose(view(dy, [1, rows, co]))), view(patches, [1, rows, depth])))
    return view(transpose(productT), [kh, kw, ci, co])
  } finally {
    for (const t of temporaries) wasm.disposeData(t.dataId)
  }
}

/**
 * `Conv2DBackpropInput` for stride 1, NHWC, as one forward `Conv2D` (XNNPACK) of `dy` with the
 * filter rotated 180 degrees and its channel axes swapped, `W'[u, v, co, ci] = W[kh-1-u, kw-1-v,
 * ci, co]`, padded by `(kh-1-top, inH+top-outH)` rows and `(kw-1-left, inW+left-outW)` columns:
 * `dx[y, x, ci] = sum dy[y+top-i, x+left-j, co] W[i, j, ci, co]`. The stock wasm kernel is a plain
 * loop (206 ms of a 512 ms Fashion-CNN step at batch 128, measured). Other cases run the stock
 * kernel.
 */
const conv2DBackpropInputNative = (stock: tf.KernelFunc): tf.KernelFunc => (args) => {
  const { inputs, backend, attrs } = args
  const dy = inputs["dy"]!
  const filter = inputs["filter"]!
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as ConvAttrs & { inputShape: Shape4 }
  if (dataFormat === "NCHW" || dy.dtype !== "float32" || filter.dtype !== "float32") return stock(args)
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast"
  )
  const { strideHeight: sh, strideWidth: sw, padInfo, outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = info
  const [inH, inW] = [inputShape[1], inputShape[2]]
  const paddings = [kh - 1 - padInfo.top, inH + padInfo.top - ho, kw - 1 - padInfo.left, inW + padInfo.left - wo]
  if (sh !== 1 || sw !== 1 || paddings.some((p) => p < 0)) return stock(args)
  const wasm = backend as tf.KernelBackend
  const reversed = wasmKernel("Reverse")({ inputs: { x: filter }, backend, attrs: { dims: [0, 1] } }) as tf.TensorInfo
  let swapped: tf.TensorInfo | undefined
  try {
    swapped = wasmKernel("Transpose")({ inputs: { x: reversed }, backend, attrs: { perm: [0, 1, 3, 2] } }) as tf.TensorInfo
    return wasmKernel("Conv2D")({
      inputs: { x: dy, filter: swapped },
      backend,
      attrs: {
        strides: 1,
        pad: [[0, 0], [paddings[0]!, paddings[1]!], [paddings[2]!, paddings[3]!], [0, 0]],
        dataFormat: "NHWC",
        dilations: 1
      }
    })
  } finally {
    wasm.disposeData(reversed.dataId)
    if (swapped !== undefined) wasm.disposeData(swapped.dataId)
  }
}

/**
 * Stock wasm kernels replaced by faster compositions of wasm kernels (same results within float
 * rounding); each wraps the stock kernel for the cases it does not handle.
 */
const replacements: Record<string, (stock: tf.KernelFunc) => tf.KernelFunc> = {
  Conv2DBackpropInput: conv2DBackpropInputNative
}

/** Fallbacks computed in the wasm heap rather than on the cpu backend (faster; same result). */
const native: Record<string, (cpuFallback: tf.KernelFunc) => tf.KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilterNative
}

/** The kernels registered on cpu and not on wasm, less the excluded ones. */
const missingOnWasm = (): Array<string> => {
  const wasm = new Set(tf.getKernelsForBackend("wasm").map((k) => k.kernelName))
  return tf.getKernelsForBackend("cpu")
    .map((k) => k.kernelName)
    .filter((name) => !wasm.has(name) && !isExcluded(name))
}

const REPLACED = Symbol.for("@lrs/runtime/wasmFallbacks/replaced")

type ReplacementKernelFunc = tf.KernelFunc & { [REPLACED]?: tf.KernelConfig }

/** The stock wasm kernels currently replaced (see `replacements`), sorted. */
export const replacedWasmKernels = (): Array<string> =>
  tf.getKernelsForBackend("wasm")
    .filter((k) => (k.kernelFunc as ReplacementKernelFunc)[REPLACED] !== undefined)
    .map((k) => k.kernelName)
    .sort()

/** The wasm kernels that are our cpu fallbacks, sorted. */
export const installedWasmFallbacks = (): Array<string> =>
  tf.getKernelsForBackend("wasm")
    .filter((k) => (k.kernelFunc as FallbackKernelFunc)[FALLBACK] !== undefined)
    .map((k) => k.kernelName)
    .sort()

/**
 * Registers the fallbacks. Call after `@tensorflow/tfjs-backend-wasm` is imported (it registers
 * its kernels); safe before or after `tf.setBackend("wasm")`. Installing again adds only kernels
 * still missing (none, normally). Returns every installed fallback's name, sorted.
 */
export const installWasmFallbacks = (): Array<string> => {
  if (tf.getKernel("Transpose", "wasm") === undefined) {
    throw new Error("tfjs-backend-wasm kernels are not registered: import @tensorflow/tfjs-backend-wasm first")
  }
  for (const name of missingOnWasm()) {
    const viaCpu = fallbackFor(name)
    const make = native[name]
    const kernelFunc: FallbackKernelFunc = make === undefined ? viaCpu : make(viaCpu)
    kernelFunc[FALLBACK] = name
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc })
  }
  for (const [name, make] of Object.entries(replacements)) {
    const stock = tf.getKernel(name, "wasm")
    if (stock === undefined || (stock.kernelFunc as ReplacementKernelFunc)[REPLACED] !== undefined) continue
    const kernelFunc: ReplacementKernelFunc = make(stock.kernelFunc)
    kernelFunc[REPLACED] = stock
    tf.unregisterKernel(name, "wasm")
    tf.registerKernel({ ...stock, kernelFunc })
  }
  return installedWasmFallbacks()
}

/** Unregisters every fallback and restores the replaced stock kernels (benchmarks compare). */
export const uninstallWasmFallbacks = (): void => {
  for (const name of installedWasmFallbacks()) tf.unregisterKernel(name, "wasm")
  for (const name of replacedWasmKernels()) {
    const stock = (tf.getKernel(name, "wasm")!.kernelFunc as ReplacementKernelFunc)[REPLACED]!
    tf.unregisterKernel(name, "wasm")
    tf.registerKernel(stock)
  }
}
