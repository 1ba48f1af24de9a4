/**
 * What a WebGPU adapter says about itself, reduced to what lrs prints and decides on. Dawn fills
 * the fields differently per API: on Vulkan `vendor`/`architecture` are names ("nvidia",
 * "hopper") and `description` is the driver ("NVIDIA: 580.65.06"); on OpenGL ES `vendor` and
 * `architecture` are empty, `device` is the renderer ("llvmpipe-llvm-15-0-6-256-bits-") and
 * `description` the GL version string.
 */
export interface GpuAdapter {
  readonly vendor: string
  readonly architecture: string
  readonly device: string
  readonly description: string
  /** The Dawn backend the adapter came from ("vulkan", "opengles", ... or "" when unknown). */
  readonly api: string
  /** llvmpipe, lavapipe, SwiftShader, WARP...: the CPU pretending to be a GPU. */
  readonly software: boolean
}

/** The subset of `GPUAdapterInfo` (plus Dawn's extras) read here; every field may be absent. */
export interface RawAdapterInfo {
  readonly vendor?: string
  readonly architecture?: string
  readonly device?: string
  readonly description?: string
  readonly isFallbackAdapter?: boolean
  readonly adapterType?: string
  readonly backendType?: string
}

// Renderer names of the software rasterizers Dawn can end up on (Mesa's llvmpipe/softpipe/lavapipe,
// Google's SwiftShader, Microsoft's WARP "Basic Render Driver").
const softwareNames = /llvmpipe|lavapipe|softpipe|swiftshader|software rasterizer|basic render driver|\bswrast\b/i

/** Whether the adapter is a software rasterizer rather than a GPU. */
export const isSoftwareAdapter = (info: RawAdapterInfo): boolean =>
  info.isFallbackAdapter === true ||
  info.adapterType === "cpu" ||
  softwareNames.test([info.vendor, info.architecture, info.device, info.description].filter((s) => s !== undefined).join(" "))

export const toGpuAdapter = (info: RawAdapterInfo, api: string): GpuAdapter => ({
  vendor: info.vendor ?? "",
  architecture: info.architecture ?? "",
  device: info.device ?? "",
  description: info.description ?? "",
  api: info.backendType ?? api,
  software: isSoftwareAdapter(info)
})

/**
 * One line for the backend report: "nvidia hopper, NVIDIA H100 80GB HBM3, driver NVIDIA: 580.65.06
 * (vulkan)". Empty fields are left out; a software adapter says so.
 */
export const describeAdapter = (a: GpuAdapter): string => {
  const who = [a.vendor, a.architecture].filter((s) => s !== "").join(" ")
  const parts = [who, a.device, a.description === "" ? "" : `driver ${a.description}`].filter((s) => s !== "")
  const tags = [a.api, ...(a.software ? ["software"] : [])].filter((s) => s !== "")
  return `${parts.length === 0 ? "unnamed adapter" : parts.join(", ")}${tags.length === 0 ? "" : ` (${tags.join(", ")})`}`
}
