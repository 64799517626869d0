/**
 * Lecture §4.3: the error surface of a recurrent network is rough, either very flat or very
 * steep (a cliff); a gradient step that lands on the cliff flies away. Clipping the gradient's
 * norm keeps the step bounded, so the run stays on the surface.
 *
 * The network is the smallest one with the lecture's cliff (Pascanu et al. 2013; the cause is
 * §4.4's): one linear recurrent unit with recurrent weight w1 and input weight w2, reading
 * sequences of length T whose first input x_1 it must output at the end. As in §4.4 the input is
 * x_1 at the first step and then nothing (the task can add noise after x_1; the experiment does
 * not, see below):
 *
 *   h_t = w1·h_{t−1} + w2·x_t,   h_0 = 0,   y = h_T = w2·w1^(T−1)·x_1,
 *   L(w1, w2) = mean (y − x_1)² = mean(x_1²) · (w2·w1^(T−1) − 1)²
 *
 * For |w1| < 1 the first input has faded from y (w1^(T−1) ≈ 0): a plateau, L ≈ mean x_1². The
 * valley w2·w1^(T−1) = 1 lies just above w1 = 1, at the foot of a wall: past it L grows like
 * w1^(2(T−1)). Along w1 the valley's curvature is 2·mean(x_1²)·((T−1)·w2·w1^(T−2))²
 * = 2·mean(x_1²)·((T−1)/w1)², about 4700·mean(x_1²) for T = 50, so plain gradient descent can
 * stay in the valley only with a learning rate below 2/(4700·mean x_1²); with a larger one the step
 * that reaches the valley overshoots onto the wall, whose gradient throws the weights far off the
 * surface. Clipping the global norm to c bounds every step by lr·c, whatever the gradient.
 *
 * The data's seed only scales the surface, by mean(x_1²) ∈ [0.25, 2.25) (x_1 = ±u, u uniform in
 * [0.5, 1.5)): the plateau, the valley and the wall stay where they are, and lr = 0.05 is far above
 * the valley's limit, 2/(4700·0.25) ≈ 0.0017 at the smallest scale. The experiment measures that
 * limit on its data (`surface.stableLearningRate`). Noise after x_1 would break
 * that: in a small batch its correlation with x_1 adds a seed-dependent gradient that, at the
 * plateau's edge, can outweigh the pull towards the cliff (with noise 0.05, one of 25 seeds walked
 * away from it), so the experiment's default has none.
 */
import { type ElmanParams, elman, rnn } from '@recurrent/cells'
import { mse } from '@recurrent/losses'
import { chain, clipByGlobalNorm, type GradientTransformation, sgd, trainStep } from '@recurrent/optim'
import type { Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Experiment, type Plot, type RunContext, reportRun } from '../experiment.ts'

/** A batch of the remember-the-first-input task: inputs `[T, N, 1]` and targets x_1 `[N, 1]` (f64). */
export interface CliffData {
  readonly xs: Tensor
  readonly targets: Tensor
}

const positiveInteger = (fn: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new T.ArgumentError(`${fn}: ${name} must be a positive integer, got ${String(v)}`)
  return v
}

/** A finite number, above `min` (strictly, when `strict`). */
const finiteNumber = (fn: string, name: string, v: unknown, min = -Infinity, strict = false): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (strict && v === min))
    throw new T.ArgumentError(
      `${fn}: ${name} must be a finite number${min === -Infinity ? '' : ` ${strict ? '>' : '≥'} ${min}`}, got ${String(v)}`,
    )
  return v
}

/**
 * Seeded sequences for the cliff: x_1 = ±u with a random sign and u uniform in [0.5, 1.5), then
 * `length − 1` inputs of N(0, noise²); the target is x_1 (Lecture §4.3). Inputs `[length, batch, 1]`,
 * targets `[batch, 1]`, f64.
 *
 * @example
 * const { xs, targets } = cliffData(T.key(0), 5, 3, 0.1)
 * assert.deepStrictEqual([xs.shape, targets.shape], [[5, 3, 1], [3, 1]])
 * assert.deepStrictEqual(T.toArray(T.slice(xs, [0, 0, 0], [1, 3, 1])), [T.toArray(targets)])
 * assert.ok(T.toArray(T.abs(targets)).every(([v]) => v >= 0.5 && v < 1.5))
 */
export const cliffData = (key: Key, length: number, batch: number, noise: number): CliffData => {
  positiveInteger('cliffData', 'length', length)
  positiveInteger('cliffData', 'batch', batch)
  finiteNumber('cliffData', 'noise', noise, 0)
  const [kSign, kSize, kNoise] = T.split(key, 3)
  const sign = T.where(
    T.bernoulli(kSign, 0.5, [1, batch]),
    T.ones([1, batch], 'f64'),
    T.full([1, batch], -1, 'f64'),
  )
  const first = T.mul(sign, T.uniform(kSize, [1, batch], 0.5, 1.5, 'f64'))
  const rest = T.mul(T.randn(kNoise, [length - 1, batch], 'f64'), noise)
  const xs = length === 1 ? first : T.concat([first, rest], 0)
  return { xs: T.reshape(xs, [length, batch, 1]), targets: T.reshape(first, [batch, 1]) }
}

/** The cliff's network: one linear Elman unit without bias; `W_hh = [[w1]]`, `W_ih = [[w2]]`. */
export const cliffCell = elman({ activation: 'identity', bias: false })

/**
 * The network's weights at a point (w1, w2) of the surface: `W_hh = [[w1]]` (recurrent),
 * `W_ih = [[w2]]` (input), f64.
 *
 * @example
 * const p = cliffParams(0.9, 0.5)
 * assert.deepStrictEqual([T.toArray(p.W_hh), T.toArray(p.W_ih)], [[[0.9]], [[0.5]]])
 */
export const cliffParams = (w1: number, w2: number): ElmanParams => ({
  W_ih: T.tensor([[finiteNumber('cliffParams', 'w2', w2)]], { dtype: 'f64' }),
  W_hh: T.tensor([[finiteNumber('cliffParams', 'w1', w1)]], { dtype: 'f64' }),
})

/**
 * The training loss at `params`: the library's `rnn(cliffCell)` over the sequences, its last
 * output y = h_T against x_1, `L = mean (y − x_1)²` (Lecture §4.3). A scalar tensor; differentiable.
 *
 * @example
 * const data = cliffData(T.key(1), 4, 2, 0)
 * // w1 = 1, w2 = 1 with noise 0 carries x_1 to the end unchanged: zero loss.
 * assert.strictEqual(T.item(cliffLoss(cliffParams(1, 1), data)), 0)
 */
export const cliffLoss = (params: ElmanParams, data: CliffData): Tensor => {
  const [length, batch] = data.xs.shape
  const { output } = rnn(cliffCell).apply(params, data.xs)
  return mse(T.reshape(T.slice(output, [length - 1, 0, 0], [1, batch, 1]), [batch, 1]), data.targets)
}

/**
 * The loss at every point of a grid of (w1, w2), all points at once: `h_t = w1·h_{t−1} + w2·x_t`
 * over `[P, N]` tensors (P = w1s.length · w2s.length points), `L = mean_N (h_T − x_1)²`; the same
 * loss `cliffLoss` computes through the cell (Lecture §4.3). Returns `losses[j][i]` at
 * `(w1s[i], w2s[j])`.
 *
 * @example
 * const data = cliffData(T.key(1), 4, 2, 0)
 * const [[a, b]] = lossSurface(data, [0.5, 1], [1])
 * assert.strictEqual(b, 0)
 * assert.strictEqual(a, T.item(cliffLoss(cliffParams(0.5, 1), data)))
 */
export const lossSurface = (data: CliffData, w1s: readonly number[], w2s: readonly number[]): number[][] => {
  for (const [name, ws] of [
    ['w1s', w1s],
    ['w2s', w2s],
  ] as const)
    if (
      !Array.isArray(ws) ||
      ws.length === 0 ||
      !ws.every((w) => typeof w === 'number' && Number.isFinite(w))
    )
      throw new T.ArgumentError(
        `lossSurface: ${name} must be a non-empty array of finite numbers, got ${String(ws)}`,
      )
  const [, batch] = data.xs.shape
  const points = w2s.flatMap((w2) => w1s.map((w1) => [w1, w2]))
  const W1 = T.tensor(
    points.map(([w1]) => [w1]),
    { dtype: 'f64' },
  )
  const W2 = T.tensor(
    points.map(([, w2]) => [w2]),
    { dtype: 'f64' },
  )
  let h = T.zeros([points.length, batch], 'f64')
  for (const x of T.unstack(T.reshape(data.xs, [data.xs.shape[0], batch])))
    h = T.add(T.mul(W1, h), T.mul(W2, T.reshape(x, [1, batch])))
  const d = T.sub(h, T.reshape(data.targets, [1, batch]))
  const losses = T.toTypedArray(T.mean(T.mul(d, d), { axis: 1 }))
  return w2s.map((_, j) => Array.from(losses.subarray(j * w1s.length, (j + 1) * w1s.length)))
}

/** A point of a training path on the surface: the weights before `step`, and their loss. */
export interface PathPoint {
  readonly step: number
  readonly w1: number
  readonly w2: number
  readonly loss: number
}

/** How a gradient-descent run on the surface went. */
export interface DescentSummary {
  /** Why training stopped early (a non-finite loss, gradient or parameter), or null if it ran every step. */
  readonly diverged: string | null
  /**
   * The loss at the start, and at the weights training ended with: after the last step, or, when
   * it diverged, the last finite weights (where the loss or the gradient was no longer finite).
   */
  readonly initialLoss: number
  readonly finalLoss: number
  /** The steps taken (fewer than the budget when it diverged). */
  readonly steps: number
  /** The largest gradient norm seen, and the largest step ‖Δ(w1, w2)‖ taken. */
  readonly maxGradNorm: number
  readonly largestStep: number
}

/**
 * Gradient descent on the cliff from `start` with `optimizer` for `steps` steps, through the
 * optimiser library's `trainStep` (which stops at the first non-finite loss, gradient or
 * parameter): `θ ← θ + update(∇L(θ))`, θ = (w1, w2) (Lecture §4.2, §4.3). Returns the summary and
 * the path of weights.
 *
 * @example
 * const data = cliffData(T.key(2), 20, 8, 0.05)
 * // Plain gradient descent written out, u = −0.01·g (optim's sgd(0.01)).
 * const plain = { init: () => null, update: (g) => [T.treeMap(g, (x) => T.mul(x, -0.01)), null] }
 * const { summary, path } = descend(data, { w1: 0.9, w2: 0.5 }, plain, 3)
 * assert.deepStrictEqual([summary.diverged, summary.steps, path.length], [null, 3, 4])
 * assert.ok(path[3].w1 > path[0].w1)
 */
export const descend = (
  data: CliffData,
  start: { readonly w1: number; readonly w2: number },
  optimizer: GradientTransformation,
  steps: number,
  progress?: (step: number, loss: number) => void,
): { summary: DescentSummary; path: PathPoint[] } => {
  positiveInteger('descend', 'steps', steps)
  const step = trainStep<ElmanParams, CliffData>(cliffLoss, optimizer)
  const at = (p: ElmanParams) => ({ w1: T.item(p.W_hh), w2: T.item(p.W_ih) })
  let params = cliffParams(start.w1, start.w2)
  let optState = optimizer.init(params)
  const path: PathPoint[] = []
  let maxGradNorm = 0
  let largestStep = 0
  let diverged: string | null = null
  let finalLoss = Number.NaN
  for (let s = 0; s < steps; s++) {
    const before = at(params)
    const r = step(params, optState, data, s)
    if (r._tag === 'Left') {
      diverged = r.left.reason
      finalLoss = T.item(cliffLoss(params, data))
      path.push({ step: s, ...before, loss: finalLoss })
      break
    }
    const { loss, gradNorm } = r.right.metrics
    path.push({ step: s, ...before, loss })
    params = r.right.params
    optState = r.right.optState
    const after = at(params)
    maxGradNorm = Math.max(maxGradNorm, gradNorm)
    largestStep = Math.max(largestStep, Math.hypot(after.w1 - before.w1, after.w2 - before.w2))
    progress?.(s, loss)
  }
  if (diverged === null) {
    finalLoss = T.item(cliffLoss(params, data))
    path.push({ step: steps, ...at(params), loss: finalLoss })
  }
  return {
    summary: {
      diverged,
      initialLoss: path[0].loss,
      finalLoss,
      steps: diverged === null ? steps : path.length - 1,
      maxGradNorm,
      largestStep,
    },
    path,
  }
}

/** §4.3's configuration. */
export interface ErrorSurfaceConfig {
  /** Sequence length T, sequences N, the noise's standard deviation after x_1. */
  readonly length: number
  readonly batch: number
  readonly noise: number
  /** Where both runs start, their learning rate, the clipped run's norm bound c, the step budget. */
  readonly start: { readonly w1: number; readonly w2: number }
  readonly learningRate: number
  readonly clipNorm: number
  readonly steps: number
  /** The grid: `size × size` points over the two ranges. */
  readonly grid: {
    readonly size: number
    readonly w1: readonly [number, number]
    readonly w2: readonly [number, number]
  }
}

/** §4.3's measurements. */
export interface ErrorSurfaceMetrics {
  readonly clipping: { readonly unclipped: DescentSummary; readonly clipped: DescentSummary }
  readonly surface: {
    /** The smallest and largest loss on the grid. */
    readonly minLoss: number
    readonly maxLoss: number
    /**
     * The loss's curvature ∂²L/∂w1² at the valley point of the start's w2 (w1 = w2^(−1/(T−1))),
     * by a central second difference of the surface, and the largest learning rate plain gradient
     * descent is stable with there, 2 / curvature.
     */
    readonly valleyCurvature: number
    readonly stableLearningRate: number
  }
}

/**
 * ∂²L/∂w1² at (w1, w2) by a central second difference of the surface, step `h`:
 * `(L(w1 + h) − 2·L(w1) + L(w1 − h)) / h²` (Lecture §4.3).
 *
 * @example
 * // Without noise L = mean(x_1²)·(w2·w1^(T−1) − 1)²; at the valley its curvature is 2·mean(x_1²)·((T−1)/w1)².
 * const data = cliffData(T.key(0), 5, 4, 0)
 * const w1 = 2 ** (1 / 4)
 * const meanSquare = T.item(T.mean(T.mul(data.targets, data.targets)))
 * const expected = 2 * meanSquare * (4 / w1) ** 2
 * assert.ok(Math.abs(curvatureAlongW1(data, w1, 0.5) - expected) < 1e-4 * expected)
 */
export const curvatureAlongW1 = (data: CliffData, w1: number, w2: number, h = 1e-4): number => {
  finiteNumber('curvatureAlongW1', 'h', h, 0, true)
  const [row] = lossSurface(data, [w1 - h, w1, w1 + h], [w2])
  return (row[2] - 2 * row[1] + row[0]) / (h * h)
}

/** How many times lower the clipped run's final loss must be for an unclipped run that stayed finite to count as thrown off. */
const FAR_ABOVE = 10

const linspace = (lo: number, hi: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => (n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1)))

/**
 * The grid §4.3 draws the loss on (Lecture §4.3): `size` evenly spaced values of w1 and of w2 over
 * the configuration's ranges, ends included, `w_i = lo + (hi − lo)·i/(size − 1)`.
 *
 * @example
 * const { w1s, w2s } = surfaceGrid({ size: 3, w1: [0, 1], w2: [1, 2] })
 * assert.deepStrictEqual([w1s, w2s], [[0, 0.5, 1], [1, 1.5, 2]])
 */
export const surfaceGrid = (grid: ErrorSurfaceConfig['grid']): { w1s: number[]; w2s: number[] } => ({
  w1s: linspace(grid.w1[0], grid.w1[1], grid.size),
  w2s: linspace(grid.w2[0], grid.w2[1], grid.size),
})

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null)

/** The runs' colours: red unclipped; clipped white on the heatmap (outlined), blue on white. */
const RUN_COLOURS_ON_SURFACE = { domain: ['unclipped', 'clipped'], range: ['#e45756', '#ffffff'] }
const RUN_COLOURS = { domain: ['unclipped', 'clipped'], range: ['#e45756', '#4c78a8'] }

/** The heatmap (log-coloured loss) with both training paths drawn on it, the unclipped one on top. */
const surfacePlot = (
  config: ErrorSurfaceConfig,
  w1s: number[],
  w2s: number[],
  losses: number[][],
  paths: Record<string, PathPoint[]>,
): Plot => {
  const half = (xs: number[]) => (xs.length === 1 ? 0.5 : (xs[1] - xs[0]) / 2)
  // Six significant digits are plenty for a picture and keep the inline data small.
  const short = (v: number) => Number(v.toPrecision(6))
  const cells = w2s.flatMap((w2, j) =>
    w1s.map((w1, i) => ({
      w1: short(w1 - half(w1s)),
      w1end: short(w1 + half(w1s)),
      w2: short(w2 - half(w2s)),
      w2end: short(w2 + half(w2s)),
      // The colour scale is logarithmic: a loss of exactly 0 (on the valley) has no colour.
      loss: losses[j][i] > 0 && Number.isFinite(losses[j][i]) ? short(losses[j][i]) : null,
    })),
  )
  const inside = (p: PathPoint) =>
    p.w1 >= config.grid.w1[0] &&
    p.w1 <= config.grid.w1[1] &&
    p.w2 >= config.grid.w2[0] &&
    p.w2 <= config.grid.w2[1]
  // Each path up to the first point off the grid: the line runs to the frame's edge there.
  const points = (run: string) => {
    const path = paths[run]
    const off = path.findIndex((p) => !inside(p))
    return (off < 0 ? path : path.slice(0, off + 1))
      .filter((p) => Number.isFinite(p.w1) && Number.isFinite(p.w2))
      .map((p) => ({ run, step: p.step, w1: p.w1, w2: p.w2, loss: finiteOrNull(p.loss) }))
  }
  const x = {
    type: 'quantitative',
    scale: { domain: config.grid.w1, nice: false },
    title: 'w1 (recurrent weight)',
  }
  const y = {
    type: 'quantitative',
    scale: { domain: config.grid.w2, nice: false },
    title: 'w2 (input weight)',
  }
  const path = (run: string) => ({
    data: { values: points(run) },
    mark: {
      type: 'line',
      clip: true,
      strokeWidth: 2,
      point: { filled: true, size: 30, stroke: '#222', strokeWidth: 0.5 },
    },
    encoding: {
      x: { field: 'w1', ...x },
      y: { field: 'w2', ...y },
      order: { field: 'step', type: 'quantitative' },
      color: {
        field: 'run',
        type: 'nominal',
        scale: RUN_COLOURS_ON_SURFACE,
        // One legend for both path layers.
        legend: run === 'unclipped' ? { title: 'run', fillColor: '#c8c8c8', padding: 4 } : null,
      },
      tooltip: [
        { field: 'run', type: 'nominal' },
        { field: 'step', type: 'quantitative' },
        { field: 'w1', type: 'quantitative' },
        { field: 'w2', type: 'quantitative' },
        { field: 'loss', type: 'quantitative' },
      ],
    },
  })
  return {
    id: 'error-surface',
    title: `Loss over (w1, w2), T = ${config.length}, with gradient descent from (${config.start.w1}, ${config.start.w2}), lr ${config.learningRate}, with and without clipping at ${config.clipNorm}`,
    spec: {
      width: 420,
      height: 420,
      layer: [
        {
          data: { values: cells },
          mark: { type: 'rect', clip: true },
          encoding: {
            x: { field: 'w1', ...x },
            x2: { field: 'w1end' },
            y: { field: 'w2', ...y },
            y2: { field: 'w2end' },
            color: {
              field: 'loss',
              type: 'quantitative',
              scale: { type: 'log', scheme: 'viridis' },
              title: 'loss',
            },
          },
        },
        path('clipped'),
        path('unclipped'),
      ],
      resolve: { scale: { color: 'independent' } },
    },
  }
}

/** The loss of both runs per step (log scale), up to where each stopped. */
const lossPlot = (paths: Record<string, PathPoint[]>): Plot => ({
  id: 'error-surface-loss',
  title: 'Training loss per step, with and without clipping',
  spec: {
    width: 420,
    height: 260,
    data: {
      values: Object.entries(paths).flatMap(([run, path]) =>
        path
          .filter((p) => Number.isFinite(p.loss) && p.loss > 0)
          .map((p) => ({ run, step: p.step, loss: p.loss })),
      ),
    },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'loss', type: 'quantitative', scale: { type: 'log' } },
      color: { field: 'run', type: 'nominal', scale: RUN_COLOURS },
    },
  },
})

/**
 * Lecture §4.3 as an experiment: the loss surface of a one-unit linear RNN over a grid of
 * (w1, w2), and gradient descent from the edge of the plateau with the same learning rate,
 * plain (`sgd`) and clipped (`chain(clipByGlobalNorm(c), sgd)`). It holds when the plain run
 * diverges (or ends at least 10× above the clipped one) while the clipped run does not diverge
 * and ends below where it started.
 *
 * @example
 * // A small version: shorter sequences, fewer of them, a coarse grid, a shorter budget.
 * const config = { ...errorSurfaceExperiment.config(false), length: 30, batch: 8, steps: 40 }
 * const { metrics } = errorSurfaceExperiment.run({ ...config, grid: { ...config.grid, size: 4 } }, T.key(0))
 * assert.ok(metrics.clipping.unclipped.diverged !== null && metrics.clipping.clipped.diverged === null)
 * assert.strictEqual(errorSurfaceExperiment.holds(metrics), true)
 */
export const errorSurfaceExperiment: Experiment<ErrorSurfaceConfig, ErrorSurfaceMetrics> = {
  id: '4.3',
  title: 'The rough error surface and gradient clipping',
  claim:
    'The error surface of an RNN is either very flat or very steep; a gradient step that reaches the cliff flies away, and clipping the gradient keeps training on the surface.',
  criterion: `The unclipped run diverges (stops at a non-finite loss, gradient or weight) or ends with a loss at least ${FAR_ABOVE}× the clipped run's, while the clipped run, from the same start with the same learning rate, does not diverge and ends with a finite loss below its starting loss.`,
  config: (full) => ({
    length: 50,
    batch: 32,
    noise: 0,
    start: { w1: 0.9, w2: 0.5 },
    learningRate: 0.05,
    clipNorm: 0.05,
    steps: full ? 400 : 200,
    grid: { size: full ? 80 : 40, w1: [0.75, 1.15], w2: [0, 1.2] },
  }),
  run: (config: ErrorSurfaceConfig, key: Key, context?: RunContext) => {
    const fn = 'errorSurfaceExperiment.run'
    finiteNumber(fn, 'config.learningRate', config.learningRate, 0, true)
    finiteNumber(fn, 'config.clipNorm', config.clipNorm, 0, true)
    positiveInteger(fn, 'config.grid.size', config.grid.size)
    const data = cliffData(key, config.length, config.batch, config.noise)
    const { w1s, w2s } = surfaceGrid(config.grid)
    const losses = lossSurface(data, w1s, w2s)
    const runs = {
      unclipped: sgd(config.learningRate),
      clipped: chain(clipByGlobalNorm(config.clipNorm), sgd(config.learningRate)),
    }
    const results = Object.fromEntries(
      Object.entries(runs).map(([name, optimizer]) => {
        const progress = reportRun(context, name, config.steps)
        const r = descend(data, config.start, optimizer, config.steps, progress)
        if (r.summary.diverged !== null) context?.onEvent?.({ type: 'done', run: name })
        return [name, r]
      }),
    ) as Record<keyof typeof runs, ReturnType<typeof descend>>
    const flat = losses.flat().filter(Number.isFinite)
    const valley = config.start.w2 ** (-1 / (config.length - 1))
    const curvature = curvatureAlongW1(data, valley, config.start.w2)
    const paths = { unclipped: results.unclipped.path, clipped: results.clipped.path }
    const row = (name: string, s: DescentSummary) => [
      name,
      s.diverged ?? 'no',
      s.steps,
      s.initialLoss,
      finiteOrNull(s.finalLoss),
      s.maxGradNorm,
      s.largestStep,
    ]
    return {
      metrics: {
        clipping: { unclipped: results.unclipped.summary, clipped: results.clipped.summary },
        surface: {
          minLoss: Math.min(...flat),
          maxLoss: Math.max(...flat),
          valleyCurvature: curvature,
          stableLearningRate: 2 / curvature,
        },
      },
      plots: [surfacePlot(config, w1s, w2s, losses, paths), lossPlot(paths)],
      tables: [
        {
          title: 'gradient descent with and without clipping',
          columns: [
            'run',
            'diverged',
            'steps',
            'initial loss',
            'final loss',
            'largest gradient norm',
            'largest step',
          ],
          rows: [row('unclipped', results.unclipped.summary), row('clipped', results.clipped.summary)],
        },
        {
          title: 'the surface',
          columns: [
            'loss min',
            'loss max',
            'curvature at the valley',
            'stable learning rate there',
            'learning rate',
          ],
          rows: [[Math.min(...flat), Math.max(...flat), curvature, 2 / curvature, config.learningRate]],
        },
      ],
    }
  },
  holds: ({ clipping: { unclipped: u, clipped: c } }) =>
    c.diverged === null &&
    Number.isFinite(c.finalLoss) &&
    c.finalLoss < c.initialLoss &&
    (u.diverged !== null || u.finalLoss >= FAR_ABOVE * c.finalLoss),
}
