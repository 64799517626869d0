/**
 * `@recurrent/gpu`: the gpu.js kernel provider for `@recurrent/tensor`, plugged in by the
 * caller (`T.withBackend(provider, f)`, or `withGpu` to release device memory with the scope).
 */
export { gpuModes, MODES, type Mode, modeProblem, type Unavailable } from './modes.ts'
export { GPU_ACTIVATIONS, type GpuActivation, type GpuProvider, gpujs, withGpu } from './provider.ts'
