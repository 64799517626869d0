/**
 * The WebAssembly SIMD kernel provider for f32 (docs/design.md#performance-shape). The kernels are
 * AssemblyScript (`assembly/kernels.ts`) compiled by the package's build step to
 * `dist/kernels.wasm`; nothing prebuilt is downloaded. Operands are copied into the module's
 * linear memory laid out row-major (a transposed operand is laid out during that copy), the
 * kernel runs, and the product is copied out. f64 stays on the reference kernels.
 *
 * Node's built-ins are reached through `process.getBuiltinModule`, never a static `node:` import,
 * so a bundler building for a browser sees no Node module. In Node the module is read from its
 * file on first use; in a browser it is fetched by `loadWasm()` (asynchronous, once), and until
 * then the provider reports itself unavailable and the reference kernels run. A browser page
 * without cross-origin isolation has no shared memory, so there it instantiates the same kernels
 * built for unshared memory (`dist/kernels-single.wasm`) and runs one thread; an isolated page
 * (COOP and COEP headers) gets the shared build, and inside a worker a second thread.
 */
import type { Activation } from './activations.ts'
import type { BackendInfo, KernelProvider, MatmulJob } from './backend.ts'
import type { Tensor } from './tensor.ts'

// The few WebAssembly JS-API types used here (TypeScript ships them only with the DOM library),
// kept local so that the published declarations add nothing to a user's global scope.
interface WasmModule {
  readonly __brand?: 'WebAssembly.Module'
}
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => WasmModule
  readonly Instance: new (module: WasmModule, imports: object) => { readonly exports: object }
  readonly Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory
  readonly compile: (bytes: ArrayBuffer) => Promise<WasmModule>
}
const wasmApi = (): WasmApi => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

interface Kernels {
  readonly memory: WasmMemory
  readonly matmul: (
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    scratch: number,
    aRow: number,
    aCol: number,
    bRow: number,
    bCol: number,
  ) => void
  /** The second thread's control words, when one runs. */
  readonly control: Int32Array | undefined
  /** Every export of the module, for the kernels laid out by other files (`wasm-recurrence.ts`). */
  readonly exports: Readonly<Record<string, unknown>>
}

/** The compiled kernels, next to the package's built JavaScript (`dist/`). */
const WASM_URL = new URL('../dist/kernels.wasm', import.meta.url)
/** The same kernels built for unshared memory: one thread, for pages without cross-origin isolation. */
const WASM_SINGLE_URL = new URL('../dist/kernels-single.wasm', import.meta.url)
/** The second thread's script (plain JavaScript, copied into `dist/` by the build). */
const WORKER_FILE = './matmul-worker.mjs'

/** Node's built-in modules where this runs in Node (20.16+), else undefined (a browser). */
const nodeBuiltins = () => {
  const get = (globalThis as { process?: { getBuiltinModule?: NodeJS.Process['getBuiltinModule'] } }).process
    ?.getBuiltinModule
  if (typeof get !== 'function') return undefined
  return {
    fs: get('node:fs') as typeof import('node:fs'),
    os: get('node:os') as typeof import('node:os'),
    url: get('node:url') as typeof import('node:url'),
    threads: get('node:worker_threads') as typeof import('node:worker_threads'),
  }
}
/** Operands start above the module's own static data (the first 64 KiB page). */
const BASE = 65536

let loaded: Kernels | string | undefined

/**
 * The control words both worker scripts read: [0] job posted (1) or stop (−1), [1] done (1) or
 * failed (2), [2] the kernel (its index in `SECOND_THREAD_KERNELS`), [3] how many arguments,
 * [4…] the arguments.
 */
const CONTROL_BYTES = 20 * 4
/** The exports the second thread runs, by index (sent to the worker scripts when they start). */
const SECOND_THREAD_KERNELS = ['matmul', 'lstmForward', 'lstmBackward', 'gruForward', 'gruBackward'] as const
/** A kernel the second thread can run. */
export type SecondThreadKernel = (typeof SECOND_THREAD_KERNELS)[number]

/** Pages of the shared linear memory: 2 to start, up to 1 GiB (as asconfig.json). */
const PAGES = { initial: 2, maximum: 16384 }

/**
 * A second thread for large products where this machine has a second core: a worker with the
 * same module over the same shared memory, woken through a control word (`Atomics.wait`), so
 * the public API stays synchronous. It never keeps the process alive.
 */
const startWorker = (module: WasmModule, memory: WasmMemory): Int32Array | undefined => {
  const node = nodeBuiltins()
  if (node === undefined || node.os.availableParallelism() < 2 || process.env.RECURRENT_WASM_THREADS === '1')
    return undefined
  try {
    const control = new SharedArrayBuffer(CONTROL_BYTES)
    const worker = new node.threads.Worker(new URL(WORKER_FILE, import.meta.url), {
      workerData: { module, memory, control, kernels: SECOND_THREAD_KERNELS },
    })
    worker.unref()
    return new Int32Array(control)
  } catch {
    return undefined
  }
}

/** Why the kernels are not there yet in a browser, until `loadWasm()` has run. */
const NOT_LOADED = 'in a browser the WebAssembly kernels are fetched by loadWasm(), which has not run'

/** The kernels of an instantiated module and its memory. */
const kernelsOf = (module: WasmModule, memory: WasmMemory, control: Int32Array | undefined): Kernels => {
  const instance = new (wasmApi().Instance)(module, {
    env: {
      memory,
      abort: () => {
        throw new Error('wasm kernel aborted')
      },
    },
  })
  const exports = instance.exports as Readonly<Record<string, unknown>>
  const { matmul } = exports as unknown as Pick<Kernels, 'matmul'>
  return { memory, matmul, control, exports }
}

/** The browser's globals this file reads, where there are any. */
interface BrowserScope {
  readonly crossOriginIsolated?: boolean
  readonly document?: unknown
  readonly navigator?: { readonly hardwareConcurrency?: number }
  readonly fetch?: (
    url: URL,
  ) => Promise<{ readonly ok: boolean; readonly status: number; arrayBuffer(): Promise<ArrayBuffer> }>
  readonly Worker?: new (url: URL, options: { type: 'module' }) => { postMessage(message: unknown): void }
}

/**
 * A second thread in a browser: a module worker with the same module over the same shared
 * memory. Only inside a worker (the page's main thread may not block on `Atomics.wait`) of an
 * isolated page with a second core.
 */
const startWebWorker = (
  scope: BrowserScope,
  module: WasmModule,
  memory: WasmMemory,
): Int32Array | undefined => {
  if (
    scope.document !== undefined ||
    scope.Worker === undefined ||
    (scope.navigator?.hardwareConcurrency ?? 1) < 2
  )
    return undefined
  try {
    const control = new SharedArrayBuffer(CONTROL_BYTES)
    const worker = new scope.Worker(new URL('./matmul-worker-web.mjs', import.meta.url), { type: 'module' })
    worker.postMessage({ module, memory, control, kernels: SECOND_THREAD_KERNELS })
    return new Int32Array(control)
  } catch {
    return undefined
  }
}

/**
 * Loads the WebAssembly kernels where they cannot be read synchronously from a file: in a browser
 * page or worker, fetches and compiles `kernels.wasm` (cross-origin isolated: shared memory, and a
 * second thread inside a worker) or `kernels-single.wasm` (otherwise: one thread). In Node it
 * does nothing more than the first use would. Resolves to the provider's availability (with the
 * reason when it cannot run); never rejects.
 *
 * @example
 * const info = await T.loadWasm()
 * assert.strictEqual(info.name, 'wasm')
 * assert.strictEqual(info.available, T.backends().find((b) => b.name === 'wasm').available)
 */
export const loadWasm = (): Promise<BackendInfo> => {
  if (nodeBuiltins() !== undefined || (loaded !== undefined && loaded !== NOT_LOADED))
    return Promise.resolve(wasmInfo())
  // Calls made while the first is fetching wait for it instead of fetching and compiling again.
  loading ??= fetchKernels()
  return loading
}
let loading: Promise<BackendInfo> | undefined

const fetchKernels = async (): Promise<BackendInfo> => {
  const scope = globalThis as unknown as BrowserScope
  const shared = scope.crossOriginIsolated === true
  const url = shared ? WASM_URL : WASM_SINGLE_URL
  try {
    if (scope.fetch === undefined) throw new Error('there is no fetch here')
    const response = await scope.fetch(url)
    if (!response.ok) throw new Error(`fetching ${url.href} gave HTTP ${response.status}`)
    const api = wasmApi()
    const module = await api.compile(await response.arrayBuffer())
    const memory = new api.Memory({ ...PAGES, shared })
    loaded = kernelsOf(module, memory, shared ? startWebWorker(scope, module, memory) : undefined)
  } catch (e) {
    loaded = `the WebAssembly kernels could not be loaded here: ${e instanceof Error ? e.message : String(e)}`
  }
  return wasmInfo()
}

/** The compiled kernels, or the reason they cannot be used here. */
const kernels = (): Kernels | string => {
  if (loaded !== undefined) return loaded
  const node = nodeBuiltins()
  if (node === undefined) {
    loaded = NOT_LOADED
    return loaded
  }
  const file = node.url.fileURLToPath(WASM_URL)
  try {
    const api = wasmApi()
    const module = new api.Module(node.fs.readFileSync(file))
    const memory = new api.Memory({ ...PAGES, shared: true })
    loaded = kernelsOf(module, memory, startWorker(module, memory))
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    loaded =
      err.code === 'ENOENT'
        ? `${file} is not built (run the build: pnpm --filter @recurrent/tensor build)`
        : `WebAssembly SIMD with shared memory is not available here: ${err.message}`
  }
  return loaded
}

let view: Float32Array | undefined
/** Run once before the next caller lays operands out in linear memory (`wasmKeepUntilClaimed`). */
let beforeClaim: (() => void) | undefined
const reserve = (k: Kernels, bytes: number, keep = false): Float32Array => {
  if (!keep && beforeClaim !== undefined) {
    const evict = beforeClaim
    beforeClaim = undefined
    evict()
  }
  const needed = BASE + bytes
  const have = k.memory.buffer.byteLength
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / 65536))
  return currentView(k)
}
/** The f32 view of linear memory; growing detaches the old buffer, so a new view is taken only then. */
const currentView = (k: Kernels): Float32Array => {
  if (view === undefined || view.byteLength !== k.memory.buffer.byteLength)
    view = new Float32Array(k.memory.buffer)
  return view
}

/**
 * Linear memory for a kernel that lays out its own operands (`wasm-recurrence.ts`): at least
 * `bytes` from `WASM_BASE`, as an f32 view (and an i32 view of the same bytes). The matmul's
 * resident weight is forgotten, since the caller overwrites it. Whatever was kept until the next
 * claim (`wasmKeepUntilClaimed`) is first copied out, unless `keep` (the caller lays its
 * operands out above what was kept, and reads it in place).
 */
export const wasmHeap = (
  bytes: number,
  keep = false,
): { readonly kernels: Kernels; readonly f32: Float32Array; readonly i32: Int32Array } | string => {
  const k = kernels()
  if (typeof k === 'string') return k
  resident = undefined
  const f32 = reserve(k, bytes, keep)
  if (i32View === undefined || i32View.buffer !== f32.buffer) i32View = new Int32Array(f32.buffer)
  return { kernels: k, f32, i32: i32View }
}
let i32View: Int32Array | undefined

/**
 * Keeps data left in linear memory by the last call where it is, until the next claim of linear
 * memory (`wasmHeap` without `keep`, or any product): `evict` then runs first and copies it out.
 * One holder at a time; a new holder replaces the previous one, whose `evict` runs at once.
 */
export const wasmKeepUntilClaimed = (evict: () => void): void => {
  const previous = beforeClaim
  beforeClaim = evict
  previous?.()
}

/** The current f32 view of linear memory (no claim: for an `evict` copying its data out). */
export const wasmView = (): Float32Array | undefined => {
  const k = kernels()
  return typeof k === 'string' ? undefined : currentView(k)
}

/** The module's exports, or the reason it cannot be used here; touches no memory. */
export const wasmExports = (): Readonly<Record<string, unknown>> | string => {
  const k = kernels()
  return typeof k === 'string' ? k : k.exports
}

/** Where operands laid out by other files may start (bytes): above the module's static data. */
export const WASM_BASE = BASE

/**
 * C[m×n] = op(A)·op(B) on operands already in linear memory (byte addresses and byte strides, as
 * the matmul kernel takes them; `scratch` needs 64·inner bytes): split by rows over the second
 * thread by the same fixed rule as `T.matmul` on this provider, so the bits do not depend on it.
 */
export const wasmProductInPlace = (
  k: Kernels,
  at: { a: number; b: number; c: number; scratch: number },
  m: number,
  inner: number,
  n: number,
  strides: { aRow: number; aCol: number; bRow: number; bCol: number },
): void => product(k, at.a, at.b, at.c, m, inner, n, at.scratch, strides)

/** Products below this many multiply-adds stay on one thread (waking the other costs more). */
const PARALLEL_MIN = 1 << 22

/** Byte strides of op(A) and op(B): a transposed operand is read in place by the kernel. */
interface Strides {
  readonly aRow: number
  readonly aCol: number
  readonly bRow: number
  readonly bCol: number
}

/** One product, its rows split between the two threads when it is large enough. */
const product = (
  k: Kernels,
  a: number,
  b: number,
  c: number,
  m: number,
  inner: number,
  n: number,
  scratch: number,
  s: Strides,
): void => {
  const ctl = k.control
  if (ctl === undefined || m < 8 || m * inner * n < PARALLEL_MIN) {
    k.matmul(a, b, c, m, inner, n, scratch, s.aRow, s.aCol, s.bRow, s.bCol)
    return
  }
  const half = (m >> 3) << 2 // a multiple of the 4-row tile
  const there = [a + half * s.aRow, b, c + 4 * half * n, m - half, inner, n, scratch + 32 * inner]
  onBothThreads(k, 'matmul', [a, b, c, half, inner, n, scratch], there, [s.aRow, s.aCol, s.bRow, s.bCol])
}

/**
 * Runs the export `name` with the arguments `here` (then `tail`) on this thread and with `there`
 * (then `tail`) on the second thread at the same time, and returns when both are done. The two
 * calls must touch disjoint outputs; with no second thread they run here one after the other, so
 * the results are the same bits either way.
 */
const onBothThreads = (
  k: Kernels,
  name: SecondThreadKernel,
  here: readonly number[],
  there: readonly number[],
  tail: readonly number[] = [],
): void => {
  const run = k.exports[name] as (...args: number[]) => void
  const ctl = k.control
  if (ctl === undefined) {
    run(...here, ...tail)
    run(...there, ...tail)
    return
  }
  ctl[2] = SECOND_THREAD_KERNELS.indexOf(name)
  ctl[3] = there.length + tail.length
  ctl.set(there, 4)
  ctl.set(tail, 4 + there.length)
  Atomics.store(ctl, 1, 0)
  Atomics.store(ctl, 0, 1)
  Atomics.notify(ctl, 0)
  try {
    run(...here, ...tail)
  } finally {
    // Even when this half failed, the second thread finishes before anything reuses the memory.
    while (Atomics.load(ctl, 1) === 0) Atomics.wait(ctl, 1, 0)
  }
  if (Atomics.load(ctl, 1) === 2)
    throw new Error(`wasm ${name}: the kernel failed on the second thread (its half of the work)`)
}

/**
 * A recurrence kernel over batch rows `[0, B)`, split between the two threads when there is a
 * second one and the work is large enough: `args(b0, b1)` gives the kernel's arguments for rows
 * `[b0, b1)`. Batch rows never read each other (`assembly/recurrence.ts`), so the split does
 * not change a bit.
 */
export const wasmRecurrenceRows = (
  name: Exclude<SecondThreadKernel, 'matmul'>,
  B: number,
  work: number,
  args: (b0: number, b1: number) => readonly number[],
): void => {
  const k = kernels()
  if (typeof k === 'string') throw new Error(`wasm recurrence: ${k}`)
  const half = (B >> 3) << 2 // a multiple of the 4-row tile
  if (k.control === undefined || half === 0 || work < RECURRENCE_PARALLEL_MIN) {
    ;(k.exports[name] as (...a: number[]) => void)(...args(0, B))
    return
  }
  onBothThreads(k, name, args(0, half), args(half, B))
}
/** Recurrences below this many multiply-adds (all steps) stay on one thread. */
const RECURRENCE_PARALLEL_MIN = 1 << 20

/**
 * The B operand stays resident at the bottom of the heap: a recurrent layer multiplies by the
 * same weight at every step, so it is copied in once per run of steps, not once per step.
 */
let resident: { tensor: Tensor; size: number } | undefined

const matmulWasm = (k: Kernels, job: MatmulJob): Float32Array => {
  const { batch, m, k: inner, n, transposeA, transposeB } = job
  const [sa, sb, sc] = [m * inner, inner * n, m * n]
  const heap = reserve(k, 4 * (sa + sb + sc + 16 * inner))
  const [pb, pa, pc] = [BASE / 4, BASE / 4 + sb, BASE / 4 + sb + sa]
  const scratch = pc + sc
  // op(A)(i, p) is A[i, p], or A[p, i] when A is stored transposed ([k, m]); likewise op(B).
  const strides: Strides = {
    aRow: transposeA ? 4 : 4 * inner,
    aCol: transposeA ? 4 * m : 4,
    bRow: transposeB ? 4 : 4 * n,
    bCol: transposeB ? 4 * inner : 4,
  }
  const a = job.a.data
  const b = job.b.data
  const out = new Float32Array(batch * sc)
  for (let p = 0; p < batch; p++) {
    const same = batch === 1 && resident?.tensor === job.b && resident.size === sb
    if (!same) heap.set(b.subarray(p * sb, (p + 1) * sb), pb)
    resident = batch === 1 ? { tensor: job.b, size: sb } : undefined
    heap.set(a.subarray(p * sa, (p + 1) * sa), pa)
    product(k, 4 * pa, 4 * pb, 4 * pc, m, inner, n, 4 * scratch, strides)
    out.set(heap.subarray(pc, pc + sc), p * sc)
  }
  return out
}

/** The WebAssembly SIMD provider: f32 products; anything else falls through to the reference. */
export const wasm: KernelProvider = {
  name: 'wasm',
  matmul: (job) => {
    const k = kernels()
    if (typeof k === 'string' || job.dtype !== 'f32') return undefined
    const out = matmulWasm(k, job)
    return { device: 'cpu', read: () => out }
  },
}

/** How many threads the wasm matmul uses for large products here. */
export const wasmThreads = (): number => {
  const k = kernels()
  return typeof k === 'string' ? 0 : k.control ? 2 : 1
}

/** Whether the wasm provider can run here, and if not, why. */
export const wasmInfo = (): BackendInfo => {
  const k = kernels()
  return typeof k === 'string'
    ? { name: 'wasm', available: false, reason: k }
    : { name: 'wasm', available: true, provider: wasm }
}

/**
 * The activations the AssemblyScript kernels implement for a fused product: none. A fused
 * product on this provider runs `op(A)·op(B)` here and the addend and σ on the TypeScript path.
 *
 * @example
 * assert.deepStrictEqual([...T.wasmActivations], [])
 */
export const wasmActivations: readonly Activation[] = []
