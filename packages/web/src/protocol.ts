/**
 * The messages between the page (`main.ts`) and the engine worker (`engine.ts`), which runs every
 * experiment off the page's thread so the page stays responsive while a network trains.
 */

/** The kernel providers a student can pick: gpu.js on WebGL2, the WebAssembly SIMD kernels, the reference. */
export const BACKENDS = ['webgl2', 'wasm', 'reference'] as const
export type BackendChoice = (typeof BACKENDS)[number]

/** What each provider is here: its name when it runs, or why it does not. */
export interface BackendStatus {
  readonly choice: BackendChoice
  /** The provider's name (`gpu.js:webgl2`, `wasm`, `reference`) when it can run here. */
  readonly provider?: string
  readonly reason?: string
}

/** Requests to the engine. */
export type Request =
  | { readonly type: 'use'; readonly backend: BackendChoice }
  | { readonly type: 'bench'; readonly size: number }
  | { readonly type: 'slot-train'; readonly steps: number }
  | { readonly type: 'slot-tag'; readonly sentence: string }
  | { readonly type: 'surface'; readonly clip: boolean }
  | { readonly type: 'selftest' }

/** One point of a training curve. */
export interface CurvePoint {
  readonly model: string
  readonly step: number
  readonly loss: number
}

/** Answers and progress from the engine. */
export type Reply =
  | {
      readonly type: 'ready'
      readonly backends: readonly BackendStatus[]
      readonly using: BackendChoice
      /** Threads of the WebAssembly kernels: 2 in a cross-origin isolated page, else 1 (0: unavailable). */
      readonly wasmThreads: number
      readonly isolated: boolean
    }
  | { readonly type: 'using'; readonly backend: BackendChoice; readonly provider: string }
  | {
      readonly type: 'bench'
      readonly results: readonly { backend: BackendChoice; gflops: number | null; note: string }[]
    }
  | {
      readonly type: 'slot-progress'
      readonly points: readonly CurvePoint[]
      readonly accuracy: Readonly<Record<string, number>>
    }
  | {
      readonly type: 'slot-done'
      readonly accuracy: Readonly<Record<string, number>>
      readonly seconds: number
    }
  | { readonly type: 'slot-tags'; readonly words: readonly string[]; readonly labels: readonly string[] }
  | {
      readonly type: 'surface-grid'
      readonly w1s: readonly number[]
      readonly w2s: readonly number[]
      readonly losses: readonly (readonly number[])[]
    }
  | {
      readonly type: 'surface-path'
      readonly clip: boolean
      readonly points: readonly { step: number; w1: number; w2: number; loss: number }[]
      readonly done: boolean
      readonly diverged: string | null
    }
  | {
      readonly type: 'selftest'
      readonly backend: string
      readonly parity: { readonly maxAbsDiff: number; readonly tolerance: number; readonly cases: number }
      readonly training: { readonly losses: readonly number[] }
      readonly kernels: number
    }
  | { readonly type: 'error'; readonly request: string; readonly message: string }
