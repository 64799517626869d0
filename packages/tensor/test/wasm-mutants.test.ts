/**
 * Laws of the WebAssembly matmul provider's glue (`src/wasm.ts`) that its mutation run
 * (docs/verification.md) found unstated. Where the kernels cannot load (no Node built-ins, the
 * module not built, no shared-memory SIMD) the provider says why and declines every job, so the
 * reference kernels run; without a second thread (one core, `RECURRENT_WASM_THREADS=1`, a worker
 * that cannot start) every product still runs, on one thread, with the same bits. And the
 * weight kept resident between products is never stale: not after another B, nor after a
 * recurrence has laid out its own operands in the same memory.
 *
 * Each case loads a fresh copy of the module (`vi.resetModules`) under a stubbed
 * `process.getBuiltinModule` or environment, since the module keeps what it loaded.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as T from '../src/index.ts'
import * as I from '../src/internal.ts'
import { assertClose, f32Products } from './kit.ts'

type WasmModule = typeof import('../src/wasm.ts')
const getBuiltin = process.getBuiltinModule
/** `src/wasm.ts` loaded afresh, with `process.getBuiltinModule` replaced by `stub` meanwhile. */
const fresh = async (stub: typeof process.getBuiltinModule | undefined): Promise<WasmModule> => {
  vi.resetModules()
  ;(process as { getBuiltinModule?: unknown }).getBuiltinModule = stub
  return import('../src/wasm.ts')
}
/** Node's built-ins with one replaced. */
const replacing = (name: string, replacement: object): typeof process.getBuiltinModule =>
  ((id: string) => (id === name ? replacement : getBuiltin(id))) as typeof process.getBuiltinModule

afterEach(() => {
  process.getBuiltinModule = getBuiltin
  vi.unstubAllEnvs()
  vi.unstubAllGlobals()
})

const job = (a: T.Tensor, b: T.Tensor): T.MatmulJob => ({
  a,
  b,
  batch: 1,
  m: a.shape[0],
  k: a.shape[1],
  n: b.shape[1],
  transposeA: false,
  transposeB: false,
  dtype: 'f32',
})

/** Why the provider cannot run (an empty string when it can). */
const reasonOf = (m: WasmModule): string => {
  const info = m.wasmInfo()
  return info.available ? '' : info.reason
}

/** The module cannot be used: it says why, declines every job and exposes no memory. */
const unavailable = (m: WasmModule, reason: string) => {
  expect(m.wasmInfo()).toEqual({ name: 'wasm', available: false, reason })
  expect(m.wasmThreads()).toBe(0)
  expect(m.wasmExports()).toBe(reason)
  expect(m.wasmHeap(16)).toBe(reason)
  const a = T.ones([2, 3])
  expect(m.wasm.matmul(job(a, T.ones([3, 2])))).toBeUndefined()
  // T.matmul on this provider falls through to the reference kernels.
  expect(T.toArray(T.withBackend(m.wasm, () => T.matmul(a, T.ones([3, 2]))))).toEqual([
    [3, 3],
    [3, 3],
  ])
}

describe('where the kernels cannot load, the wasm provider says why and declines', () => {
  const file = fileURLToPath(new URL('../dist/kernels.wasm', new URL('../src/wasm.ts', import.meta.url)))
  it('without Node built-ins (a browser, before any loading)', async () => {
    const m = await fresh(undefined)
    expect(reasonOf(m)).toMatch(/WebAssembly kernel/)
    unavailable(m, reasonOf(m))
  })
  it('when the module is not built', async () => {
    const fs = {
      readFileSync: () => {
        throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), {
          code: 'ENOENT',
        })
      },
    }
    unavailable(
      await fresh(replacing('node:fs', fs)),
      `${file} is not built (run the build: pnpm --filter @recurrent/tensor build)`,
    )
  })
  it('when WebAssembly cannot compile or instantiate it', async () => {
    const fs = { readFileSync: () => new Uint8Array([0, 1, 2, 3]) }
    const m = await fresh(replacing('node:fs', fs))
    expect(reasonOf(m)).toMatch(/^WebAssembly SIMD with shared memory is not available here: .+/)
    unavailable(m, reasonOf(m))
  })
})

describe('without a second thread every product runs on one, with the same bits', () => {
  // 160·170·165 = 4.5 million multiply-adds: above the size at which two threads split a product.
  const a = T.uniform(T.key(1), [160, 170], -1, 1)
  const b = T.uniform(T.key(2), [170, 165], -1, 1)
  // Computed inside the tests, never while they are collected: code that runs at collection
  // counts as static for the mutation run, which then reruns every suite for its mutants.
  const two = () => T.withBackend(T.wasm, () => T.matmul(a, b))
  const cases: [string, () => Promise<WasmModule>][] = [
    ['one core', () => fresh(replacing('node:os', { availableParallelism: () => 1 }))],
    [
      'RECURRENT_WASM_THREADS=1',
      () => {
        vi.stubEnv('RECURRENT_WASM_THREADS', '1')
        return fresh(getBuiltin)
      },
    ],
    [
      'a worker that cannot start',
      () =>
        fresh(
          replacing('node:worker_threads', {
            Worker: class {
              constructor() {
                throw new Error('no workers here')
              }
            },
          }),
        ),
    ],
  ]
  for (const [name, load] of cases)
    it(name, async () => {
      const m = await load()
      expect(m.wasmThreads()).toBe(1)
      const one = T.withBackend(m.wasm, () => T.matmul(a, b))
      expect(T.toTypedArray(one)).toEqual(T.toTypedArray(two()))
      assertClose(
        one,
        T.withBackend(T.reference, () => T.matmul(a, b)),
        f32Products(170),
      )
    })
  it('with two cores and no setting, a second thread, which a large product is split over', async () => {
    const m = await fresh(replacing('node:os', { availableParallelism: () => 2 }))
    expect(m.wasmThreads()).toBe(2)
    expect(T.toTypedArray(T.withBackend(m.wasm, () => T.matmul(a, b)))).toEqual(T.toTypedArray(two()))
  })
})

describe('the resident B operand is never stale', () => {
  const reference = (a: T.Tensor, b: T.Tensor) => T.withBackend(T.reference, () => T.matmul(a, b))
  const onWasm = (a: T.Tensor, b: T.Tensor) => T.withBackend(T.wasm, () => T.matmul(a, b))
  it('a product with another B of the same shape uses that B', () => {
    const a = T.uniform(T.key(3), [5, 6], -1, 1)
    const b1 = T.uniform(T.key(4), [6, 7], -1, 1)
    const b2 = T.uniform(T.key(5), [6, 7], -1, 1)
    onWasm(a, b1)
    assertClose(onWasm(a, b2), reference(a, b2), f32Products(6))
    assertClose(onWasm(a, b1), reference(a, b1), f32Products(6))
  })
  it('the same B after a recurrence or a batched product overwrote the memory', () => {
    const a = T.uniform(T.key(6), [5, 6], -1, 1)
    const b = T.uniform(T.key(7), [6, 7], -1, 1)
    const want = reference(a, b)
    onWasm(a, b)
    I.wasmGruForward(
      { steps: 2, batch: 3, hidden: 6 },
      {
        xp: new Float32Array(2 * 3 * 18).fill(0.5),
        W_hh: new Float32Array(18 * 6).fill(0.25),
        b_hh: new Float32Array(18).fill(0.125),
        h0: new Float32Array(3 * 6).fill(1),
        lengths: [2, 1, 0],
      },
      true,
    )
    assertClose(onWasm(a, b), want, f32Products(6))
    const batched = T.uniform(T.key(8), [2, 5, 6], -1, 1)
    const bb = T.uniform(T.key(9), [2, 6, 7], -1, 1)
    assertClose(
      onWasm(batched, bb),
      T.withBackend(T.reference, () => T.matmul(batched, bb)),
      f32Products(6),
    )
    assertClose(onWasm(a, b), want, f32Products(6))
  })
})

describe('loadWasm', () => {
  /** A browser's fetch over the built files, recording what was asked for. */
  const fetcher = (status = 200) => {
    const urls: string[] = []
    const fetch = async (url: URL) => {
      urls.push(url.href)
      return {
        ok: status === 200,
        status,
        arrayBuffer: async () => {
          const bytes = readFileSync(fileURLToPath(url))
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
        },
      }
    }
    return { urls, fetch }
  }
  const small = () => [T.uniform(T.key(11), [5, 9], -1, 1), T.uniform(T.key(12), [9, 6], -1, 1)] as const
  /** Loaded: available, `threads` threads, and its products are the Node provider's, bit for bit. */
  const works = (m: WasmModule, threads: number) => {
    expect(m.wasmInfo()).toEqual({ name: 'wasm', available: true, provider: m.wasm })
    expect(m.wasmThreads()).toBe(threads)
    const [a, b] = small()
    const here = T.withBackend(m.wasm, () => T.matmul(a, b))
    expect(T.toTypedArray(here)).toEqual(T.toTypedArray(T.withBackend(T.wasm, () => T.matmul(a, b))))
  }
  const url = (name: string) => new URL(`../dist/${name}`, new URL('../src/wasm.ts', import.meta.url)).href

  it('in Node does nothing more than the first use', async () => {
    const m = await fresh(getBuiltin)
    const { urls, fetch } = fetcher()
    vi.stubGlobal('fetch', fetch)
    expect(await m.loadWasm()).toEqual(m.wasmInfo())
    expect(urls).toEqual([])
    works(m, 2)
  })
  it('in a page without cross-origin isolation fetches the unshared build, once, and runs one thread', async () => {
    const m = await fresh(undefined)
    const { urls, fetch } = fetcher()
    vi.stubGlobal('fetch', fetch)
    expect(await m.loadWasm()).toEqual({ name: 'wasm', available: true, provider: m.wasm })
    expect(await m.loadWasm()).toEqual(m.wasmInfo())
    expect(urls).toEqual([url('kernels-single.wasm')])
    works(m, 1)
  })
  it('in an isolated page fetches the shared build; a second thread only inside a worker with a second core', async () => {
    const started: { url: string; options: unknown; message: unknown }[] = []
    class FakeWorker {
      constructor(
        readonly url: URL,
        readonly options: unknown,
      ) {}
      postMessage(message: unknown) {
        started.push({ url: this.url.href, options: this.options, message })
      }
    }
    const scopes: [string, Record<string, unknown>, number][] = [
      ['a page (document)', { document: {}, Worker: FakeWorker, navigator: { hardwareConcurrency: 8 } }, 1],
      ['a worker without Worker', { navigator: { hardwareConcurrency: 8 } }, 1],
      ['a worker on one core', { Worker: FakeWorker, navigator: { hardwareConcurrency: 1 } }, 1],
      ['a worker, cores unknown', { Worker: FakeWorker, navigator: {} }, 1],
      ['a worker without navigator', { Worker: FakeWorker }, 1],
      ['a worker with two cores', { Worker: FakeWorker, navigator: { hardwareConcurrency: 2 } }, 2],
      [
        'a worker that cannot start one',
        {
          Worker: class {
            constructor() {
              throw new Error('blocked')
            }
          },
          navigator: { hardwareConcurrency: 4 },
        },
        1,
      ],
    ]
    for (const [name, scope, threads] of scopes) {
      started.length = 0
      vi.unstubAllGlobals()
      const m = await fresh(undefined)
      const { urls, fetch } = fetcher()
      vi.stubGlobal('fetch', fetch)
      vi.stubGlobal('crossOriginIsolated', true)
      for (const [k, v] of Object.entries(scope)) vi.stubGlobal(k, v)
      expect((await m.loadWasm()).available, name).toBe(true)
      expect(urls, name).toEqual([url('kernels.wasm')])
      expect(m.wasmThreads(), name).toBe(threads)
      if (threads === 2) {
        expect(started).toHaveLength(1)
        expect(started[0].url).toBe(new URL('../src/matmul-worker-web.mjs', import.meta.url).href)
        expect(started[0].options).toEqual({ type: 'module' })
        const message = started[0].message as {
          module: unknown
          memory: { buffer: unknown }
          control: unknown
        }
        expect(message.control).toBeInstanceOf(SharedArrayBuffer)
        expect(message.memory.buffer).toBeInstanceOf(SharedArrayBuffer)
      } else {
        expect(started, name).toEqual([])
        works(m, 1)
      }
    }
  })
  it('says why when it cannot load, never rejects, and does not retry', async () => {
    const cases: [string, () => void, string][] = [
      ['no fetch', () => vi.stubGlobal('fetch', undefined), 'there is no fetch here'],
      [
        'HTTP 404',
        () => vi.stubGlobal('fetch', fetcher(404).fetch),
        `fetching ${url('kernels-single.wasm')} gave HTTP 404`,
      ],
      [
        'a fetch that rejects with a string',
        () => vi.stubGlobal('fetch', () => Promise.reject('offline')),
        'offline',
      ],
    ]
    for (const [name, stub, why] of cases) {
      vi.unstubAllGlobals()
      const m = await fresh(undefined)
      stub()
      const reason = `the WebAssembly kernels could not be loaded here: ${why}`
      expect(await m.loadWasm(), name).toEqual({ name: 'wasm', available: false, reason })
      const { urls, fetch } = fetcher()
      vi.stubGlobal('fetch', fetch)
      expect(await m.loadWasm(), name).toEqual({ name: 'wasm', available: false, reason })
      expect(urls, name).toEqual([])
      unavailable(m, reason)
    }
  })
})

describe('the recurrences over a fresh module', () => {
  type RecurrenceModule = typeof import('../src/wasm-recurrence.ts')
  const freshRecurrence = async (
    stub: typeof process.getBuiltinModule | undefined,
  ): Promise<RecurrenceModule> => {
    vi.resetModules()
    ;(process as { getBuiltinModule?: unknown }).getBuiltinModule = stub
    return import('../src/wasm-recurrence.ts')
  }
  /** A GRU forward of the given sizes on `m`, with fixed operands. */
  const gru = (m: RecurrenceModule | typeof I, steps: number, batch: number, hidden: number) => {
    const G = 3 * hidden
    const u = (i: number, n: number) => T.toTypedArray(T.uniform(T.key(i), [n], -1, 1)) as Float32Array
    return m.wasmGruForward(
      { steps, batch, hidden },
      {
        xp: u(1, steps * batch * G),
        W_hh: u(2, G * hidden),
        b_hh: u(3, G),
        h0: u(4, batch * hidden),
        lengths: Array.from({ length: batch }, (_, b) => steps - (b % (steps + 1))),
      },
      true,
    )
  }
  it('are available exactly where the module loads with its recurrence kernels', async () => {
    expect(I.wasmRecurrenceAvailable()).toBe(true)
    const none = await freshRecurrence(undefined)
    expect(none.wasmRecurrenceAvailable()).toBe(false)
    expect(() => none.wasmVectorFunction('exp', new Float32Array(1))).toThrow(
      new Error(`wasm recurrence: ${(await import('../src/wasm.ts')).wasmExports()}`),
    )
    // A module that loads but has no recurrence kernels (an empty one: magic number and version).
    const empty = await freshRecurrence(
      replacing('node:fs', { readFileSync: () => new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]) }),
    )
    expect(empty.wasmRecurrenceAvailable()).toBe(false)
  })
  it('a backward pass as the first use of a fresh module gives the same bits', async () => {
    const m = await freshRecurrence(getBuiltin)
    const { tape } = gru(I, 3, 70, 64)
    // The tape stays in this instance's memory until something else claims it; then it is copied
    // out and any instance can read it.
    expect(() =>
      m.wasmGruBackward(tape as I.RecurrenceTape, {
        W_hh: new Float32Array(192 * 64),
        dy: new Float32Array(3 * 70 * 64),
        dh: new Float32Array(70 * 64),
      }),
    ).toThrow('another instance')
    I.wasmVectorFunction('tanh', new Float32Array(4))
    const cot = {
      W_hh: T.toTypedArray(T.uniform(T.key(2), [192 * 64], -1, 1)) as Float32Array,
      dy: new Float32Array(3 * 70 * 64).fill(0.5),
      dh: new Float32Array(70 * 64).fill(-0.25),
    }
    const here = m.wasmGruBackward(tape as I.RecurrenceTape, cot)
    const there = I.wasmGruBackward(tape as I.RecurrenceTape, cot)
    for (const k of ['dxp', 'dW_hh', 'db_hh', 'dh0'] as const) expect(here[k], k).toEqual(there[k])
  })
  it('give the same bits when the module’s memory starts small and grows between calls', async () => {
    const m = await freshRecurrence(getBuiltin)
    for (const [steps, batch, hidden] of [
      [1, 1, 1],
      [2, 5, 6],
      [3, 70, 64],
      [2, 3, 5],
    ] as const) {
      const here = gru(m, steps, batch, hidden)
      const there = gru(I, steps, batch, hidden)
      expect(here.output, `${steps}, ${batch}, ${hidden}`).toEqual(there.output)
      expect(here.h).toEqual(there.h)
      // The tapes' padding lanes hold whatever the memory held; the gradients from them are equal.
      const G = 3 * hidden
      const cot = {
        W_hh: T.toTypedArray(T.uniform(T.key(2), [G * hidden], -1, 1)) as Float32Array,
        dy: new Float32Array(steps * batch * hidden).fill(0.5),
        dh: new Float32Array(batch * hidden).fill(-0.25),
      }
      const gHere = m.wasmGruBackward(here.tape as I.RecurrenceTape, cot)
      const gThere = I.wasmGruBackward(there.tape as I.RecurrenceTape, cot)
      for (const k of ['dxp', 'dW_hh', 'db_hh', 'dh0'] as const) expect(gHere[k], k).toEqual(gThere[k])
    }
  })
})

describe('operands never overlap the scratch space', () => {
  it('a product whose packed panel of B is larger than the first page of memory', () => {
    // Inner dimension 2100: a panel is 2100·8 floats (67 200 bytes), more than the 64 KiB below the operands.
    const a = T.uniform(T.key(21), [6, 2100], -1, 1)
    const b = T.uniform(T.key(22), [2100, 9], -1, 1)
    assertClose(
      T.withBackend(T.wasm, () => T.matmul(a, b)),
      T.withBackend(T.reference, () => T.matmul(a, b)),
      f32Products(2100),
    )
  })
})

it('without a process object (a browser) the provider reports itself unloaded', async () => {
  const m = await fresh(getBuiltin)
  const saved = globalThis.process
  let reason: string
  try {
    ;(globalThis as { process?: unknown }).process = undefined
    const info = m.wasmInfo()
    reason = info.available ? '' : info.reason
  } finally {
    globalThis.process = saved
  }
  expect(reason).toMatch(/WebAssembly kernel/)
})

describe('the wasm provider runs every f32 job itself', () => {
  it('on the CPU, with the product it computes; f64 jobs are left to the reference kernels', () => {
    const a = T.uniform(T.key(31), [3, 4], -1, 1)
    const b = T.uniform(T.key(32), [4, 5], -1, 1)
    const result = T.wasm.matmul(job(a, b))
    expect(result?.device).toBe('cpu')
    const product = T.withBackend(T.reference, () => T.matmul(a, b))
    assertClose(T.tensor(result?.read() as Float32Array, { shape: [3, 5] }), product, f32Products(4))
    expect(T.wasm.matmul({ ...job(T.cast(a, 'f64'), T.cast(b, 'f64')), dtype: 'f64' })).toBeUndefined()
  })
})
