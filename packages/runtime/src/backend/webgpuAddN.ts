import * as tf from "@tensorflow/tfjs"

/**
 * tfjs-backend-webgpu 4.22's AddN binds every input as a storage buffer of one shader, and asks for
 * the device's default limits: 8 storage buffers per stage (4 on a compatibility adapter such as
 * llvmpipe). With more inputs the pipeline is invalid, Dawn reports it only as an uncaptured error,
 * and the output keeps whatever its recycled buffer held (measured: a gradient norm over 8 tensors
 * read back as the previous scalar). The replacement sums at most `limit - 1` inputs per shader,
 * left to right, so the result is what one AddN would compute.
 */

const FIXED = Symbol.for("@lrs/runtime/webgpu/addNFixed")

interface WebGpuBackend extends tf.KernelBackend {
  readonly device: { readonly limits: { readonly maxStorageBuffersPerShaderStage: number } }
  [FIXED]?: true
}

/** Installs the chunked AddN on the webgpu backend (once; after `tf.setBackend("webgpu")`). */
export const installWebGpuAddNFix = (): void => {
  const backend = tf.findBackend("webgpu") as WebGpuBackend | null
  const original = tf.getKernel("AddN", "webgpu")
  if (backend === null || original === undefined || backend[FIXED] === true) return
  // One binding is the output.
  const most = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1)
  const addN = original.kernelFunc
  tf.unregisterKernel("AddN", "webgpu")
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as Array<tf.TensorInfo>
      if (inputs.length <= most) return addN(args)
      const kernelBackend = args.backend as tf.KernelBackend
      let partial = addN({ ...args, inputs: inputs.slice(0, most) as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo
      for (let start = most; start < inputs.length; start += most - 1) {
        const next = addN({ ...args, inputs: [partial, ...inputs.slice(start, start + most - 1)] as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo
        kernelBackend.disposeData(partial.dataId)
        partial = next
      }
      return partial
    }
  })
  backend[FIXED] = true
}
