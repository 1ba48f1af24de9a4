import * as tf from "@tensorflow/tfjs"
import { describeAdapter, type GpuAdapter, type RawAdapterInfo, toGpuAdapter } from "./gpuAdapter.ts"
import { missingForVulkan, type Missing, noAdapter, vulkanEnvironment } from "./gpuDiagnosis.ts"

/**
 * WebGPU in Node through Dawn (the `webgpu` npm package ships a prebuilt dawn.node): picks an
 * adapter, exposes it as `navigator.gpu` for `@tensorflow/tfjs-backend-webgpu`, and returns what
 * the adapter is. Vulkan on Linux, Metal on macOS, D3D12 on Windows; a software rasterizer only when
 * allowed, and then also Mesa llvmpipe through OpenGL ES (the path tests use on machines without a
 * GPU: Dawn rejects Mesa's Vulkan lavapipe, measured).
 */

/** Set to 1 to let `--backend gpu` run on a software adapter (llvmpipe): tests only, it is slow. */
export const allowSoftwareEnv = "LRS_ALLOW_SOFTWARE_GPU"

export const softwareAllowed = (env: NodeJS.ProcessEnv = process.env): boolean => env[allowSoftwareEnv] === "1"

/** Dawn found nothing usable, or could not load; `help` says what to install or set. */
export class GpuMissing extends Error {
  readonly help: string
  constructor(missing: Missing) {
    super(missing.message)
    this.help = missing.help
  }
}

interface DawnAdapter {
  readonly info?: RawAdapterInfo
}
interface DawnGpu {
  requestAdapter(options?: { powerPreference?: string; featureLevel?: string }): Promise<DawnAdapter | null>
}
interface Dawn {
  create(options: Array<string>): DawnGpu
  readonly globals: object
}

// In a variable so neither TypeScript nor a bundler resolves the optional dependency statically
// (its types would also add WebGPU's DOM globals to the whole program).
const webgpuPackage = "webgpu"

const loadDawn = async (): Promise<Dawn> => {
  try {
    return (await import(webgpuPackage)) as Dawn
  } catch (cause) {
    const text = (cause instanceof Error ? cause.message : String(cause)).split("\n")[0]!
    throw new GpuMissing(
      /Cannot find (module|package)/.test(text)
        ? { message: "the `webgpu` package (Dawn) is not installed", help: "install the optional dependency webgpu@0.6.2 (pnpm install without --no-optional)" }
        : { message: `dawn.node failed to load: ${text}`, help: "webgpu@0.6.2 ships dawn.node for linux-x64/arm64, darwin and win32; check the platform and glibc >= 2.31" }
    )
  }
}

/** The API Dawn picks by default on this platform (what its adapters come from). */
const nativeApi = (platform: NodeJS.Platform): string => (platform === "darwin" ? "metal" : platform === "win32" ? "d3d12" : "vulkan")

interface Picked {
  /** The Dawn instance the adapter came from: kept alive with it (see `instances`). */
  readonly gpu: DawnGpu
  readonly raw: DawnAdapter
  readonly adapter: GpuAdapter
}

const pick = async (gpu: DawnGpu, options: { powerPreference?: string; featureLevel?: string }, api: string): Promise<Picked | undefined> => {
  const raw = await gpu.requestAdapter(options)
  return raw === null ? undefined : { gpu, raw, adapter: toGpuAdapter(raw.info ?? {}, api) }
}

// dawn.node does not keep its instance alive for the adapters and devices made from it: once the
// GPU object from create() is garbage-collected, the device's next use crashes the process
// (SIGSEGV, seen in a test that allocates a lot). The chosen instance lives as long as the process.
const instances: Array<DawnGpu> = []

/** Mesa llvmpipe via Dawn's OpenGL ES backend: headless EGL, and only a compatibility-mode adapter exists. */
const pickSoftwareGles = (dawn: Dawn): Promise<Picked | undefined> => {
  // Without a display, Mesa's EGL must be told to use no window system.
  process.env["EGL_PLATFORM"] ??= "surfaceless"
  return pick(dawn.create(["backend=opengles"]), { featureLevel: "compatibility" }, "opengles")
}

// tfjs keeps one webgpu backend (one device) per process, so the adapter is picked once.
let current: GpuAdapter | undefined

/** The adapter the webgpu backend runs on, once started. */
export const currentGpuAdapter = (): GpuAdapter | undefined => current

const refuseSoftware = (adapter: GpuAdapter): GpuMissing =>
  new GpuMissing({
    message: `only a software adapter was found (${describeAdapter(adapter)})`,
    help: `it would be slower than --backend wasm; set ${allowSoftwareEnv}=1 to use it anyway (tests do)`
  })

/**
 * Makes tfjs's `webgpu` backend available on a suitable adapter and returns it; the caller then
 * calls `tf.setBackend("webgpu")`. Fails with `GpuMissing` naming what is missing.
 */
export const prepareWebGpu = async (options: { readonly allowSoftware: boolean }): Promise<GpuAdapter> => {
  if (current !== undefined) {
    if (current.software && !options.allowSoftware) throw refuseSoftware(current)
    return current
  }
  // Rule Vulkan out from the files alone when it visibly cannot work: no 21 MB addon load, and no
  // Dawn warnings on stderr, for every `auto` run on a machine without a GPU.
  const vulkanMissing = process.platform === "linux" ? missingForVulkan(vulkanEnvironment()) : undefined
  if (vulkanMissing !== undefined && !options.allowSoftware) throw new GpuMissing(vulkanMissing)
  const dawn = await loadDawn()
  let picked = vulkanMissing === undefined ? await pick(dawn.create([]), { powerPreference: "high-performance" }, nativeApi(process.platform)) : undefined
  if (options.allowSoftware && (picked === undefined || picked.adapter.software)) picked = (await pickSoftwareGles(dawn)) ?? picked
  if (picked === undefined) throw new GpuMissing(noAdapter())
  if (picked.adapter.software && !options.allowSoftware) throw refuseSoftware(picked.adapter)
  // tfjs-backend-webgpu uses the WebGPU globals (GPUBufferUsage, ...) and asks navigator.gpu for an
  // adapter without our options (featureLevel), so it gets the one picked here.
  Object.assign(globalThis, dawn.globals)
  const chosen = picked.raw
  instances.push(picked.gpu)
  Object.defineProperty(globalThis.navigator, "gpu", { value: { requestAdapter: async () => chosen }, configurable: true })
  // Registers the backend only if navigator.gpu exists when the module is first evaluated.
  await import("@tensorflow/tfjs-backend-webgpu")
  current = picked.adapter
  return picked.adapter
}

const syncReadMessage = "a synchronous tensor read (dataSync/arraySync) on the WebGPU backend: Node has no OffscreenCanvas for "
  + "tfjs's synchronous readback, and it would stall the GPU anyway; this feature must read with `await tensor.data()` (use --backend wasm for it meanwhile)"

const GUARDED = Symbol.for("@lrs/runtime/webgpu/guarded")

/**
 * Turns tfjs's `ReferenceError: OffscreenCanvas is not defined` from a synchronous read of a
 * GPU-resident tensor into an error that says what happened. Reads of values already on the CPU
 * (uploaded data, or read once with `await data()`) still succeed. Call after `tf.setBackend("webgpu")`.
 */
export const guardSyncReads = (): void => {
  const backend = tf.findBackend("webgpu") as (tf.KernelBackend & { [GUARDED]?: true }) | null
  if (backend === null || backend[GUARDED] === true) return
  const readSync = backend.readSync.bind(backend)
  backend.readSync = (dataId) => {
    try {
      return readSync(dataId)
    } catch (e) {
      if (e instanceof ReferenceError && e.message.includes("OffscreenCanvas")) throw new Error(syncReadMessage)
      throw e
    }
  }
  backend[GUARDED] = true
}
