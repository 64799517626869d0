/**
 * The gpu.js kernel provider for `@recurrent/tensor` (docs/design.md#performance-shape). f32 products —
 * plain, transposed and batched — run as gpu.js kernels compiled once per shape and reused. With
 * a GL context (`headlessgl`) the products stay on the device: each result is a texture, passed
 * as a texture to the next product, and read back only when a value is needed on the CPU (the
 * tensor API stays synchronous). Device memory belongs to the provider: `dispose` releases every
 * kernel and texture, and `withGpu` releases a scope's textures when it ends.
 */

import type { KernelProvider, MatmulJob } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { Storage } from '@recurrent/tensor/internal'
import * as I from '@recurrent/tensor/internal'
import * as E from 'fp-ts/lib/Either.js'
import { GPU, type IKernelRunShortcut, Texture } from 'gpu.js'
import { type Mode, modeProblem, type Unavailable, unavailable } from './modes.ts'

/** A gpu.js provider: a `KernelProvider` plus its device bookkeeping. */
export interface GpuProvider extends KernelProvider {
  readonly mode: Mode
  /** Kernels compiled so far (one per product shape and operand kind) and textures alive. */
  stats(): { kernels: number; liveTextures: number; readBacks: number }
  /** Releases every kernel and texture; the provider must not be used after. */
  dispose(): void
  /** @internal Releases textures made since `mark`, reading back those still referenced. */
  release(mark: number): void
  /** @internal The count of textures made so far. */
  mark(): number
}

/** Storage on the device: a gpu.js texture, read back (once) when the CPU needs the values. */
class DeviceStorage implements Storage {
  readonly device: string
  #texture: Texture | undefined
  #data: Float32Array | undefined
  readonly #onRead: () => void
  constructor(device: string, texture: Texture, onRead: () => void) {
    this.device = device
    this.#texture = texture
    this.#onRead = onRead
  }
  get texture(): Texture | undefined {
    return this.#texture
  }
  read(): Float32Array {
    if (this.#data === undefined) {
      this.#onRead()
      this.#data = Float32Array.from(this.#texture!.toArray() as unknown as ArrayLike<number>)
    }
    return this.#data
  }
  /** Frees the texture, keeping the values on the CPU when `keep` (they may still be read). */
  free(keep: boolean): void {
    if (this.#texture === undefined) return
    if (keep) this.read()
    this.#texture.delete()
    this.#texture = undefined
  }
}

/** Index expression of element (row r, column c) of op(X) where X is stored row-major. */
const at = (
  name: string,
  transposed: boolean,
  rows: number,
  cols: number,
  r: string,
  c: string,
  batch: string,
): string =>
  transposed
    ? `${name}[${batch} * ${rows * cols} + ${c} * ${rows} + ${r}]`
    : `${name}[${batch} * ${rows * cols} + ${r} * ${cols} + ${c}]`

/**
 * The activations (of `T.ACTIVATIONS`) the fused gpu.js kernel implements in GLSL; a fused
 * product ending with any other runs the product here and σ on the TypeScript path.
 *
 * @example
 * assert.ok(GPU_ACTIVATIONS.every((a) => T.ACTIVATIONS.includes(a)))
 */
export const GPU_ACTIVATIONS = [
  'identity',
  'tanh',
  'sigmoid',
  'relu',
] as const satisfies readonly T.Activation[]

/** An activation the fused gpu.js kernel implements: one of `GPU_ACTIVATIONS`. */
export type GpuActivation = (typeof GPU_ACTIVATIONS)[number]

/** σ as GLSL-safe JavaScript (WebGL 1 has no tanh; both forms saturate instead of overflowing). */
const ACTIVATION: Record<GpuActivation, string> = {
  identity: 's',
  tanh: '1 - 2 / (Math.exp(2 * s) + 1)',
  sigmoid: '1 / (1 + Math.exp(-s))',
  relu: 'Math.max(s, 0)',
}

const implemented = (a: T.Activation): a is GpuActivation =>
  (GPU_ACTIVATIONS as readonly string[]).includes(a)

/**
 * The kernel source for one product shape: thread x is a flat index into C [batch, m, n]. With
 * `fused`, the addend c (a bias `[n]`, or one value per output) and σ finish the same kernel.
 */
const matmulSource = (
  { m, k, n, transposeA, transposeB }: MatmulJob,
  fused?: { addend: 'none' | 'bias' | 'full'; activation: GpuActivation },
): string => `function (a, b${fused && fused.addend !== 'none' ? ', c' : ''}) {
  const idx = this.thread.x;
  const p = Math.floor(idx / ${m * n});
  const rest = idx - p * ${m * n};
  const i = Math.floor(rest / ${n});
  const j = rest - i * ${n};
  let s = 0;
  for (let q = 0; q < ${k}; q++) {
    s += ${at('a', transposeA, m, k, 'i', 'q', 'p')} * ${at('b', transposeB, k, n, 'q', 'j', 'p')};
  }
  ${fused?.addend === 'bias' ? 's += c[j];' : fused?.addend === 'full' ? 's += c[idx];' : ''}
  return ${fused ? ACTIVATION[fused.activation] : 's'};
}`

/**
 * A gpu.js provider in `mode` (default: headlessgl where a GL context exists, else webasm), or
 * the reason it cannot run here.
 *
 * @example
 * const r = gpujs({ mode: 'cpu' })
 * assert.strictEqual(r._tag, 'Right')
 * const y = T.withBackend(r.right, () => T.matmul(T.ones([2, 3]), T.ones([3, 2])))
 * assert.deepStrictEqual(T.toArray(y), [[3, 3], [3, 3]])
 * r.right.dispose()
 */
export const gpujs = (options: { mode?: Mode } = {}): E.Either<Unavailable, GpuProvider> => {
  const mode = options.mode ?? (modeProblem('headlessgl') === undefined ? 'headlessgl' : 'webasm')
  const problem = modeProblem(mode)
  if (problem !== undefined) return E.left(unavailable(mode, problem))
  let gpu: GPU
  try {
    gpu = new GPU({ mode })
  } catch (e) {
    return E.left(unavailable(mode, (e as Error).message))
  }
  const name = `gpu.js:${mode}`
  const kernels = new Map<string, IKernelRunShortcut>()
  // Every texture made, held strongly (GL memory is not garbage-collected), with a weak reference
  // to the storage that wraps it: a still-referenced storage is read back before its texture goes.
  const made: { texture: Texture; storage: WeakRef<DeviceStorage> }[] = []
  let live = 0
  let readBacks = 0
  const onRead = () => void readBacks++

  /** An operand: its texture when it already lives on this device, else its CPU values. */
  const operand = (t: T.Tensor): Texture | Float32Array => {
    const s = I.storageOf(t)
    if (s instanceof DeviceStorage && s.device === name && s.texture !== undefined) return s.texture
    const data = I.dataOf(t) as Float32Array
    // gpu.js reads some inputs through their whole buffer: hand it a standalone array, not a view.
    return data.byteOffset === 0 && data.buffer.byteLength === data.byteLength ? data : data.slice()
  }

  /** One product (and, when fused, its addend and σ) as a kernel compiled once per shape. */
  const run = (
    job: MatmulJob,
    fused?: { addend: 'none' | 'bias' | 'full'; activation: GpuActivation },
    addend?: T.Tensor,
  ): Storage | undefined => {
    if (job.dtype !== 'f32') return undefined
    const args = [operand(job.a), operand(job.b), ...(addend ? [operand(addend)] : [])]
    const kinds = args.map((x) => (x instanceof Texture ? 't' : 'a')).join('')
    const key = `${job.batch}x${job.m}x${job.k}x${job.n}${job.transposeA ? 'T' : 'N'}${job.transposeB ? 'T' : 'N'}${kinds}${fused ? `:${fused.addend}:${fused.activation}` : ''}`
    let kernel = kernels.get(key)
    if (kernel === undefined) {
      kernel = gpu.createKernel(matmulSource(job, fused), {
        output: [job.batch * job.m * job.n],
        pipeline: true,
        immutable: true,
        precision: 'single',
      })
      kernels.set(key, kernel)
    }
    const out = (kernel as (...xs: unknown[]) => unknown)(...args)
    if (out instanceof Texture) {
      live++
      const storage = new DeviceStorage(name, out, onRead)
      made.push({ texture: out, storage: new WeakRef(storage) })
      return storage
    }
    const data = Float32Array.from(out as ArrayLike<number>)
    return { device: 'cpu', read: () => data }
  }

  const provider: GpuProvider = {
    name,
    mode,
    matmul: (job) => run(job),
    fusedMatmul: (job, addend, activation) => {
      const out = job.batch * job.m * job.n
      const kind =
        addend === undefined
          ? 'none'
          : addend.rank === 1 && addend.size === job.n
            ? 'bias'
            : addend.size === out
              ? 'full'
              : undefined
      // Other addend shapes (e.g. [m, 1]) and activations take the unfused path: product here,
      // the rest on the CPU.
      return kind === undefined || !implemented(activation)
        ? undefined
        : run(job, { addend: kind, activation }, addend)
    },
    stats: () => ({ kernels: kernels.size, liveTextures: live, readBacks }),
    mark: () => made.length,
    release: (mark) => {
      for (const { texture, storage } of made.splice(mark)) {
        const s = storage.deref()
        if (s !== undefined) s.free(true)
        else texture.delete()
        live--
      }
    },
    dispose: () => {
      provider.release(0)
      for (const k of kernels.values()) k.destroy()
      kernels.clear()
      void gpu.destroy()
    },
  }
  return E.right(provider)
}

/**
 * Runs `f` with `provider` running the products; when `f` returns, every texture the scope made
 * is released (values still referenced are read back first, so returned tensors stay valid).
 *
 * @example
 * const r = gpujs({ mode: 'cpu' })
 * const y = withGpu(r.right, () => T.matmul(T.eye(2), T.full([2, 2], 2)))
 * assert.deepStrictEqual(T.toArray(y), [[2, 2], [2, 2]])
 */
export const withGpu = <A>(provider: GpuProvider, f: () => A): A => {
  const mark = provider.mark()
  try {
    return T.withBackend(provider, f)
  } finally {
    provider.release(mark)
  }
}
