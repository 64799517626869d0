/** Learning-rate schedules: functions of the 0-based step count. */

/** `η·γ^(step / every)` (staircase when `staircase`). */
export const exponentialDecay =
  (init: number, rate: number, every = 1, staircase = false) =>
  (step: number): number =>
    init * rate ** (staircase ? Math.floor(step / every) : step / every)

/** Cosine decay from `init` to `init·alpha` over `steps` (Loshchilov & Hutter 2017), then constant. */
export const cosineDecay =
  (init: number, steps: number, alpha = 0) =>
  (step: number): number => {
    const progress = Math.min(step, steps) / steps
    return init * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * progress)) + alpha)
  }

/**
 * Linear warm-up from 0 to `peak` over `warmup` steps, then `after(step − warmup)` (default: constant).
 *
 * @example
 * const lr = warmup(1, 4)
 * assert.deepStrictEqual([0, 2, 4, 9].map(lr), [0, 0.5, 1, 1])
 */
export const warmup =
  (peak: number, steps: number, after: (step: number) => number = () => peak) =>
  (step: number): number =>
    step < steps ? (peak * step) / steps : after(step - steps)
