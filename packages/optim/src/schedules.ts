/**
 * Learning-rate schedules (the η of Lecture §4.2's gradient descent, varied over training):
 * functions of the 0-based step count, given to an optimiser in place of a constant.
 */

/**
 * Exponential decay: `η_t = η₀·γ^(t / every)`, or `η₀·γ^⌊t / every⌋` when `staircase`.
 *
 * @example
 * const smooth = exponentialDecay(1, 0.5, 2)
 * const stairs = exponentialDecay(1, 0.5, 2, true)
 * assert.deepStrictEqual([0, 1, 2, 4].map(smooth), [1, Math.SQRT1_2, 0.5, 0.25])
 * assert.deepStrictEqual([0, 1, 2, 4].map(stairs), [1, 1, 0.5, 0.25])
 */
export const exponentialDecay =
  (init: number, rate: number, every = 1, staircase = false) =>
  (step: number): number =>
    init * rate ** (staircase ? Math.floor(step / every) : step / every)

/**
 * Cosine decay (Loshchilov & Hutter 2017) from `η₀` to `α·η₀` over `steps`, then constant:
 * `η_t = η₀·((1 − α)·½(1 + cos(π·min(t, steps)/steps)) + α)`.
 *
 * @example
 * const lr = cosineDecay(1, 10, 0.1)
 * assert.deepStrictEqual([0, 10, 20].map(lr), [1, 0.1, 0.1])
 * assert.ok(Math.abs(lr(5) - 0.55) < 1e-12) // half-way: the mean of the two ends
 */
export const cosineDecay =
  (init: number, steps: number, alpha = 0) =>
  (step: number): number => {
    const progress = Math.min(step, steps) / steps
    return init * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * progress)) + alpha)
  }

/**
 * Linear warm-up from 0 to `peak` over `steps` steps, `η_t = peak·t/steps`, then
 * `after(t − steps)` (default: constant `peak`).
 *
 * @example
 * const lr = warmup(1, 4)
 * assert.deepStrictEqual([0, 2, 4, 9].map(lr), [0, 0.5, 1, 1])
 */
export const warmup =
  (peak: number, steps: number, after: (step: number) => number = () => peak) =>
  (step: number): number =>
    step < steps ? (peak * step) / steps : after(step - steps)
