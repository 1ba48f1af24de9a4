import { assert, describe, it } from "@effect/vitest"
import { describeAdapter, isSoftwareAdapter, toGpuAdapter } from "../../src/backend/gpuAdapter.ts"
import { missingForVulkan, noAdapter, type VulkanEnvironment } from "../../src/backend/gpuDiagnosis.ts"

// Adapter infos as Dawn reports them (the llvmpipe one is what this repository's CI gets).
const llvmpipe = { vendor: "", architecture: "", device: "llvmpipe-llvm-15-0-6-256-bits-", description: "OpenGL version OpenGL ES 3.2 Mesa 22.3.6" }
const h100 = { vendor: "nvidia", architecture: "hopper", device: "NVIDIA H100 80GB HBM3", description: "NVIDIA: 580.65.06 580.65.6.0" }

describe("GPU adapters", () => {
  it("software rasterizers are recognised by name or by Dawn's flags; real GPUs are not", () => {
    assert.isTrue(isSoftwareAdapter(llvmpipe))
    assert.isTrue(isSoftwareAdapter({ device: "SwiftShader Device (Subzero)", vendor: "google" }))
    assert.isTrue(isSoftwareAdapter({ device: "llvmpipe (LLVM 15.0.6, 256 bits)", description: "Mesa 22.3.6 (lavapipe)" }))
    assert.isTrue(isSoftwareAdapter({ description: "Microsoft Basic Render Driver" }))
    assert.isTrue(isSoftwareAdapter({ device: "x", isFallbackAdapter: true }))
    assert.isTrue(isSoftwareAdapter({ device: "x", adapterType: "cpu" }))
    assert.isFalse(isSoftwareAdapter(h100))
    assert.isFalse(isSoftwareAdapter({ vendor: "amd", architecture: "rdna-3", device: "AMD Radeon RX 7900 XTX (RADV NAVI31)" }))
  })

  it("the backend line names vendor, architecture, device, driver and API", () => {
    assert.strictEqual(
      describeAdapter(toGpuAdapter(h100, "vulkan")),
      "nvidia hopper, NVIDIA H100 80GB HBM3, driver NVIDIA: 580.65.06 580.65.6.0 (vulkan)"
    )
    assert.strictEqual(
      describeAdapter(toGpuAdapter(llvmpipe, "opengles")),
      "llvmpipe-llvm-15-0-6-256-bits-, driver OpenGL version OpenGL ES 3.2 Mesa 22.3.6 (opengles, software)"
    )
    assert.strictEqual(describeAdapter(toGpuAdapter({}, "")), "unnamed adapter")
  })
})

const env = (over: Partial<VulkanEnvironment>): VulkanEnvironment => ({
  loader: "/usr/lib/x86_64-linux-gnu/libvulkan.so.1",
  icds: ["/usr/share/vulkan/icd.d/nvidia_icd.json"],
  icdDirs: ["/etc/vulkan/icd.d", "/usr/share/vulkan/icd.d"],
  nvidiaKernelDriver: true,
  ...over
})

describe("what Vulkan lacks", () => {
  it("names the missing loader package", () => {
    const m = missingForVulkan(env({ loader: undefined }))!
    assert.include(m.message, "libvulkan.so.1")
    assert.include(m.help, "libvulkan1")
  })

  it("names the missing ICD file and where it was looked for", () => {
    const m = missingForVulkan(env({ icds: [] }))!
    assert.include(m.message, "no Vulkan ICD file")
    assert.include(m.message, "/usr/share/vulkan/icd.d")
    assert.include(m.help, "nvidia_icd.json")
  })

  it("a software ICD alone is not a GPU", () => {
    assert.include(missingForVulkan(env({ icds: ["/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"] }))!.message, "only a software Vulkan driver")
  })

  it("an NVIDIA ICD without the kernel driver says so", () => {
    assert.include(missingForVulkan(env({ nvidiaKernelDriver: false }))!.message, "NVIDIA kernel driver is not loaded")
  })

  it("nothing visibly missing: only Dawn can tell, and the message points at vulkaninfo", () => {
    assert.isUndefined(missingForVulkan(env({})))
    assert.include(noAdapter("linux", env({})).help, "vulkaninfo")
    assert.include(noAdapter("darwin").message, "Metal")
  })
})
