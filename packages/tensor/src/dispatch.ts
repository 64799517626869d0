/**
 * Dispatch by a fixed rule (docs/design.md#how-dispatch-chooses). The `auto` provider sends each f32
 * product to the WebAssembly kernels when they are available and its shape class is at least
 * `WASM_MIN_MULADDS` multiply-adds, and to the reference kernels otherwise; f64 and i32 always
 * use the reference kernels. The rule depends on the shape class only (log₂ of m, k, n, the
 * transpose flags, batched or not), never on timings taken in the process, so two runs with the
 * same seed compute the same bits. Decisions can be read and overridden per shape class
 * (`dispatchTable`, `seedDispatch`), e.g. from a calibration kept in a file. Tests pin a provider
 * with `withBackend`, since providers round f32 differently.
 */
import {
  type KernelProvider,
  type MatmulJob,
  reference,
  registerBackend,
  setDefaultBackend,
} from './backend.ts'
import { wasm, wasmInfo } from './wasm.ts'

/**
 * The smallest shape class (its largest product m·k·n) that `auto` sends to wasm. Measured once
 * with a crossover sweep of f32 products (best of 7 × 300 calls per provider) on the 2-core
 * development machine, Node 20.20: the reference is faster at 2×2×2 (1.8 µs against 2.6 µs),
 * they tie at 4×4×4 (1.9 µs), and wasm is ahead from 8×8×8 (2.1 against 2.7 µs) and 16×8×16
 * (2.4 against 4.6 µs) upward, by 10× at 32×32×32.
 */
export const WASM_MIN_MULADDS = 64

/** One entry of a dispatch list: a provider, or a provider only for products from `minMulAdds` up. */
export type DispatchEntry =
  | KernelProvider
  | { readonly provider: KernelProvider; readonly minMulAdds: number }

const log2 = (d: number): number => 32 - Math.clz32(Math.max(d, 1) - 1)
const shapeClass = (job: MatmulJob): string =>
  `${log2(job.m)}x${log2(job.k)}x${log2(job.n)}${job.transposeA ? 'T' : 'N'}${job.transposeB ? 'T' : 'N'}${job.batch > 1 ? 'b' : ''}`
/** The largest product m·k·n of a job's shape class (each length rounded up to a power of 2). */
const classMulAdds = (job: MatmulJob): number => 2 ** (log2(job.m) + log2(job.k) + log2(job.n))

const providerOf = (e: DispatchEntry): KernelProvider => ('provider' in e ? e.provider : e)
const minimumOf = (e: DispatchEntry): number => ('provider' in e ? e.minMulAdds : 0)

/** A dispatcher: its provider, and its decisions so far (shape class → provider). */
interface Dispatcher {
  readonly provider: KernelProvider
  readonly decisions: Map<string, KernelProvider>
}

const dispatcher = (name: string, entries: () => readonly DispatchEntry[]): Dispatcher => {
  const decisions = new Map<string, KernelProvider>()
  const provider: KernelProvider = {
    name,
    matmul: (job) => {
      const list = entries()
      // f32 decisions are recorded per shape class; other dtypes follow the same rule unrecorded.
      const key = job.dtype === 'f32' ? shapeClass(job) : undefined
      let choice = key === undefined ? undefined : decisions.get(key)
      if (choice === undefined) {
        const size = classMulAdds(job)
        choice = providerOf(list.find((e) => size >= minimumOf(e)) ?? reference)
        if (key !== undefined) decisions.set(key, choice)
      }
      // The chosen provider, then those after it in the list, then the reference: the first that
      // takes the job (a provider declines what it does not run, e.g. wasm declines f64).
      const from = list.findIndex((e) => providerOf(e) === choice)
      const order = from < 0 ? [choice] : list.slice(from).map(providerOf)
      for (const p of order) {
        const out = p.matmul(job)
        if (out !== undefined) return out
      }
      return reference.matmul(job)
    },
  }
  return { provider, decisions }
}

let available: readonly DispatchEntry[] | undefined
const candidates = (): readonly DispatchEntry[] =>
  (available ??= wasmInfo().available
    ? [{ provider: wasm, minMulAdds: WASM_MIN_MULADDS }, reference]
    : [reference])

const defaultDispatcher = dispatcher('auto', candidates)

/**
 * The default dispatcher: f32 products of shape classes from `WASM_MIN_MULADDS` multiply-adds up
 * go to wasm (when it loads), everything else to the reference.
 *
 * @example
 * const y = T.withBackend(T.auto, () => T.matmul(T.ones([16, 16]), T.ones([16, 16])))
 * assert.strictEqual(T.item(T.sum(y)), 16 * 16 * 16)
 * assert.strictEqual(T.dispatchTable()['4x4x4NN'], T.backends().find((b) => b.name === 'wasm')?.available ? 'wasm' : 'reference')
 */
export const auto: KernelProvider = defaultDispatcher.provider

/**
 * A dispatcher over a list of providers in order of preference (e.g. a gpu.js provider only for
 * large products, then `T.wasm`, then `T.reference`): each product goes to the first entry whose
 * `minMulAdds` its shape class reaches; what that provider declines goes to the next ones, and
 * finally to the reference. The choice depends only on the shape class, so it is the same in
 * every run.
 *
 * @example
 * const d = T.dispatch([{ provider: T.wasm, minMulAdds: 1000 }, T.reference])
 * const y = T.withBackend(d, () => T.matmul(T.ones([3, 3]), T.ones([3, 3])))
 * assert.strictEqual(T.item(T.sum(y)), 27)
 */
export const dispatch = (
  providers: readonly DispatchEntry[],
  name = `dispatch(${providers.map((p) => providerOf(p).name).join(', ')})`,
): KernelProvider => dispatcher(name, () => providers).provider

/** The default dispatcher's decisions so far: shape class → provider name. */
export const dispatchTable = (): Record<string, string> =>
  Object.fromEntries([...defaultDispatcher.decisions].map(([k, p]) => [k, p.name]))

/** Seeds (or replaces) the default dispatcher's decisions, e.g. from a calibration kept in a file. */
export const seedDispatch = (table: Readonly<Record<string, string>>): void => {
  for (const [k, v] of Object.entries(table)) {
    const provider = candidates()
      .map(providerOf)
      .find((p) => p.name === v)
    if (provider) defaultDispatcher.decisions.set(k, provider)
  }
}

// The wasm provider is listed by `backends()`, and the dispatcher runs products by default.
registerBackend('wasm', wasmInfo)
setDefaultBackend(auto)
