/**
 * Dispatch by measured speed (DESIGN: Performance shape). The `auto` provider sends each f32
 * product to the provider measured fastest for its shape class (log₂ of m, k, n, the transpose
 * flags, batched or not); the first product of a class runs every available provider twice and
 * keeps the faster. Decisions are cached for the process and can be read and seeded
 * (`dispatchTable`, `seedDispatch`). f64 and i32 always use the reference kernels, and tests pin
 * a provider with `withBackend`, since providers round f32 differently.
 */
import { performance } from 'node:perf_hooks'
import {
  type KernelProvider,
  type MatmulJob,
  reference,
  registerBackend,
  setDefaultBackend,
} from './backend.ts'
import { wasm, wasmInfo } from './wasm.ts'

let available: KernelProvider[] | undefined
const candidates = (): KernelProvider[] =>
  (available ??= wasmInfo().available ? [wasm, reference] : [reference])

const log2 = (d: number): number => 32 - Math.clz32(Math.max(d, 1) - 1)
const shapeClass = (job: MatmulJob): string =>
  `${log2(job.m)}x${log2(job.k)}x${log2(job.n)}${job.transposeA ? 'T' : 'N'}${job.transposeB ? 'T' : 'N'}${job.batch > 1 ? 'b' : ''}`

const measure = (provider: KernelProvider, job: MatmulJob): number => {
  let best = Infinity
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now()
    const s = provider.matmul(job)
    if (s === undefined) return Infinity
    s.read()
    best = Math.min(best, performance.now() - t0)
  }
  return best
}

/** A dispatcher: its provider, and its decisions so far (shape class → provider). */
interface Dispatcher {
  readonly provider: KernelProvider
  readonly decisions: Map<string, KernelProvider>
}

const dispatcher = (name: string, options: () => readonly KernelProvider[]): Dispatcher => {
  const decisions = new Map<string, KernelProvider>()
  const provider: KernelProvider = {
    name,
    matmul: (job) => {
      const list = options()
      if (job.dtype !== 'f32' || list.length === 1)
        return (list[0] ?? reference).matmul(job) ?? reference.matmul(job)
      const key = shapeClass(job)
      let choice = decisions.get(key)
      if (choice === undefined) {
        const times = list.map((p) => measure(p, job))
        choice = list[times.indexOf(Math.min(...times))]
        decisions.set(key, choice)
      }
      return choice.matmul(job) ?? reference.matmul(job)
    },
  }
  return { provider, decisions }
}

const defaultDispatcher = dispatcher('auto', candidates)

/** The default dispatcher: f32 products go to the fastest measured of wasm and the reference. */
export const auto: KernelProvider = defaultDispatcher.provider

/**
 * A dispatcher over the given providers (e.g. a gpu.js provider, `T.wasm`, `T.reference`): each
 * f32 product goes to the one measured fastest for its shape class; anything a provider declines
 * falls back to the reference.
 *
 * @example
 * const d = T.dispatch([T.wasm, T.reference])
 * const y = T.withBackend(d, () => T.matmul(T.ones([3, 3]), T.ones([3, 3])))
 * assert.strictEqual(T.item(T.sum(y)), 27)
 */
export const dispatch = (
  providers: readonly KernelProvider[],
  name = `dispatch(${providers.map((p) => p.name).join(', ')})`,
): KernelProvider => dispatcher(name, () => providers).provider

/** The default dispatcher's decisions so far: shape class → provider name. */
export const dispatchTable = (): Record<string, string> =>
  Object.fromEntries([...defaultDispatcher.decisions].map(([k, p]) => [k, p.name]))

/** Seeds (or replaces) the default dispatcher's decisions, e.g. from a cached calibration. */
export const seedDispatch = (table: Readonly<Record<string, string>>): void => {
  for (const [k, v] of Object.entries(table)) {
    const provider = candidates().find((p) => p.name === v)
    if (provider) defaultDispatcher.decisions.set(k, provider)
  }
}

// The wasm provider is listed by `backends()`, and the dispatcher runs products by default.
registerBackend('wasm', wasmInfo)
setDefaultBackend(auto)
