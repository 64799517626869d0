/**
 * The contract of `index.html?selftest=1`, for checks from outside the page (the browser suite,
 * a CI job, a person with a real GPU): the engine pins the gpu.js WebGL2 provider with
 * `T.withBackend`, compares its products, fused products and a full LSTM training step with the
 * reference kernels, then trains the §1.2 LSTM tagger for a few steps on it. Meanwhile
 * `document.body.dataset.state` is `running`; then `done`, or `failed` when the parity exceeds
 * its tolerance, the loss does not fall or anything throws. `window.recurrentResults` is
 * `{ backend, parity: { maxAbsDiff }, training: { losses } }`, `backend` being the name of the
 * provider that ran the matmuls.
 */
import type { Reply } from './protocol.ts'

/** What the page publishes once the selftest ends. */
export interface SelftestResults {
  readonly backend: string | null
  readonly parity: {
    readonly maxAbsDiff: number | null
    readonly tolerance?: number
    readonly cases?: number
  }
  readonly training: { readonly losses: readonly number[] }
  readonly kernels?: number
  readonly error?: string
}

/** The mean of a few values. */
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

/**
 * Whether the loss fell: the mean of the last quarter of the steps is below the mean of the first
 * quarter (single minibatch losses are noisy, so no one step is compared with another).
 *
 * @example
 * assert.strictEqual(lossFell([5, 4, 4.5, 3, 2.5, 2, 2.2, 1.5]), true)
 * assert.strictEqual(lossFell([1, 1, 1, 1]), false)
 */
export const lossFell = (losses: readonly number[]): boolean => {
  const q = Math.max(1, Math.floor(losses.length / 4))
  return (
    losses.length >= 2 && losses.every(Number.isFinite) && mean(losses.slice(-q)) < mean(losses.slice(0, q))
  )
}

/**
 * The selftest's outcome from an engine reply: undefined while it runs (other replies), else the
 * state to publish, the results and, when it failed, why.
 *
 * @example
 * const reply = { type: 'selftest', backend: 'gpu.js:webgl2', parity: { maxAbsDiff: 1e-6, tolerance: 1e-3, cases: 3 }, training: { losses: [4, 3, 2, 1] }, kernels: 5 }
 * assert.strictEqual(selftestOutcome(reply).state, 'done')
 * assert.strictEqual(selftestOutcome({ ...reply, parity: { ...reply.parity, maxAbsDiff: 0.5 } }).state, 'failed')
 * assert.strictEqual(selftestOutcome({ type: 'ready' }), undefined)
 */
export const selftestOutcome = (
  reply: Reply,
): { state: 'done' | 'failed'; results: SelftestResults; reason?: string } | undefined => {
  if (reply.type === 'error' && reply.request === 'selftest')
    return {
      state: 'failed',
      results: {
        backend: null,
        parity: { maxAbsDiff: null },
        training: { losses: [] },
        error: reply.message,
      },
      reason: reply.message,
    }
  if (reply.type !== 'selftest') return undefined
  const results: SelftestResults = {
    backend: reply.backend,
    parity: reply.parity,
    training: reply.training,
    kernels: reply.kernels,
  }
  const reason = !(reply.parity.maxAbsDiff <= reply.parity.tolerance)
    ? `gpu.js differs from the reference kernels by ${reply.parity.maxAbsDiff}, more than ${reply.parity.tolerance}`
    : !lossFell(reply.training.losses)
      ? `the loss did not fall: ${reply.training.losses.map((l) => l.toPrecision(3)).join(' ')}`
      : undefined
  return reason === undefined ? { state: 'done', results } : { state: 'failed', results, reason }
}
