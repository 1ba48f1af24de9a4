import { existsSync, readdirSync } from "node:fs"
import { delimiter, join } from "node:path"

/**
 * Why Dawn found no GPU adapter, said as what is missing. On Linux Dawn reaches NVIDIA and AMD GPUs
 * through Vulkan: the loader (libvulkan.so.1) reads ICD manifests (JSON files naming the vendor's
 * driver library) from a few directories; an NVIDIA GPU also needs its kernel driver loaded. Each
 * check is a file lookup, so `auto` can rule WebGPU out without loading the 21 MB dawn.node.
 */

export interface VulkanEnvironment {
  /** Where libvulkan.so.1 was found, if anywhere. */
  readonly loader: string | undefined
  /** ICD manifests (full paths) the loader would read. */
  readonly icds: ReadonlyArray<string>
  /** The directories searched for them, for messages. */
  readonly icdDirs: ReadonlyArray<string>
  /** /proc/driver/nvidia/version exists: the NVIDIA kernel driver is loaded. */
  readonly nvidiaKernelDriver: boolean
}

const libDirs = (env: NodeJS.ProcessEnv): Array<string> => [
  ...(env["LD_LIBRARY_PATH"] ?? "").split(delimiter).filter((d) => d !== ""),
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/lib/x86_64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/usr/local/lib"
]

const listJson = (dir: string): Array<string> => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => join(dir, f))
  } catch {
    return []
  }
}

/** The loader's own search order: VK_DRIVER_FILES / VK_ICD_FILENAMES override the directories. */
export const vulkanEnvironment = (env: NodeJS.ProcessEnv = process.env): VulkanEnvironment => {
  const loader = libDirs(env).map((d) => join(d, "libvulkan.so.1")).find((p) => existsSync(p))
  const explicit = env["VK_DRIVER_FILES"] ?? env["VK_ICD_FILENAMES"]
  const dataDirs = (env["XDG_DATA_DIRS"] ?? "/usr/local/share:/usr/share").split(delimiter).filter((d) => d !== "")
  const icdDirs = explicit !== undefined ? [] : ["/etc/vulkan/icd.d", ...dataDirs.map((d) => join(d, "vulkan/icd.d"))]
  const icds = explicit !== undefined
    ? explicit.split(delimiter).filter((f) => f !== "" && existsSync(f))
    : [...new Set(icdDirs.flatMap(listJson))]
  return { loader, icds, icdDirs, nvidiaKernelDriver: existsSync("/proc/driver/nvidia/version") }
}

// Mesa's software Vulkan driver; Dawn rejects it, and lrs would not pick it anyway.
const softwareIcd = /lvp_icd|lavapipe|swiftshader/i

export interface Missing {
  readonly message: string
  readonly help: string
}

/**
 * What stops Vulkan from offering a hardware GPU here, or undefined when nothing visibly does
 * (then only asking Dawn tells). Linux only: macOS (Metal) and Windows (D3D12) ship their API.
 */
export const missingForVulkan = (v: VulkanEnvironment): Missing | undefined => {
  if (v.loader === undefined) {
    return {
      message: "no Vulkan loader (libvulkan.so.1 is not installed)",
      help: "install the Vulkan loader (Debian/Ubuntu: apt-get install libvulkan1) and your GPU's Vulkan driver"
    }
  }
  const where = v.icdDirs.length === 0 ? "VK_DRIVER_FILES/VK_ICD_FILENAMES" : v.icdDirs.join(", ")
  const nvidiaHelp = "for NVIDIA the driver's Vulkan part provides /usr/share/vulkan/icd.d/nvidia_icd.json (Debian: nvidia-vulkan-icd; "
    + "Ubuntu: libnvidia-gl-<driver version>; in a container set NVIDIA_DRIVER_CAPABILITIES to include graphics); "
    + "for AMD/Intel: mesa-vulkan-drivers"
  if (v.icds.length === 0) return { message: `no Vulkan ICD file (no *.json in ${where})`, help: nvidiaHelp }
  if (v.icds.every((f) => softwareIcd.test(f))) {
    return { message: `only a software Vulkan driver is installed (${v.icds.join(", ")})`, help: nvidiaHelp }
  }
  if (v.icds.some((f) => /nvidia/i.test(f)) && !v.nvidiaKernelDriver && v.icds.every((f) => /nvidia/i.test(f) || softwareIcd.test(f))) {
    return {
      message: "nvidia_icd.json is installed but the NVIDIA kernel driver is not loaded (/proc/driver/nvidia/version is missing)",
      help: "load the NVIDIA kernel module (nvidia-smi should list the GPU); in a container, run it with the GPU passed through"
    }
  }
  return undefined
}

/** The message for "Dawn returned no adapter", naming what is missing where that is known. */
export const noAdapter = (platform: NodeJS.Platform = process.platform, v: VulkanEnvironment | undefined = undefined): Missing => {
  if (platform === "darwin") return { message: "Metal offered no GPU adapter", help: "WebGPU on macOS needs a Metal-capable GPU (macOS 11+)" }
  if (platform === "win32") return { message: "D3D12 offered no GPU adapter", help: "update the GPU driver (WebGPU on Windows needs D3D12)" }
  const env = v ?? vulkanEnvironment()
  return missingForVulkan(env) ?? {
    message: `Vulkan offered no usable GPU adapter (ICDs: ${env.icds.join(", ")})`,
    help: "check `vulkaninfo --summary` (package vulkan-tools) lists the GPU; Dawn needs Vulkan 1.1"
  }
}
