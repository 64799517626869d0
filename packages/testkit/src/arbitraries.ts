/**
 * Shared fast-check arbitraries: shapes, broadcastable pairs, tensors and pytrees, used by the
 * property tests of every package. Run counts come from `FC_NUM_RUNS` (default moderate; the
 * deep run raises it).
 *
 * Replaying a failure: every property test prints its seed in its name (`… (with seed=-1234)`)
 * and fast-check reports the seed and path of a counterexample. Loading this module (every suite
 * imports the kit) applies `FC_SEED` to fast-check's global configuration, so
 * `FC_SEED=-1234 npx vitest run test/x.test.ts -t 'the property'` runs that property on the same
 * cases; adding `FC_PATH='3:1:0'` replays just the shrunk counterexample (select the one property
 * with `-t`, since a path belongs to one property).
 */

import type { DType, Shape, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import fc from 'fast-check'

/** Property runs per test: `FC_NUM_RUNS`, else `fallback`. */
export const numRuns = (fallback = 60): number => {
  const env = Number(process.env.FC_NUM_RUNS)
  return Number.isInteger(env) && env > 0 ? env : fallback
}

/**
 * The replay settings from the environment: `seed` from `FC_SEED` (an integer, as fast-check
 * prints it) and `path` from `FC_PATH`; absent when unset. Throws on a malformed value rather
 * than silently running with a fresh seed.
 */
export const replayFromEnv = (
  env: Readonly<Record<string, string | undefined>> = process.env,
): { seed?: number; path?: string } => {
  const out: { seed?: number; path?: string } = {}
  const seed = env.FC_SEED?.trim()
  if (seed !== undefined && seed !== '') {
    const n = Number(seed)
    if (!Number.isSafeInteger(n)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(seed)}`)
    out.seed = n
  }
  const path = env.FC_PATH?.trim()
  if (path !== undefined && path !== '') {
    if (!/^\d+(:\d+)*$/.test(path))
      throw new Error(`FC_PATH must look like 3:1:0, got ${JSON.stringify(path)}`)
    out.path = path
  }
  return out
}

// Suites evaluate their `test.prop(…)` after their imports, so this runs first in every suite.
fc.configureGlobal({
  ...fc.readConfigureGlobal(),
  ...(process.env.FC_NUM_RUNS === undefined ? {} : { numRuns: numRuns() }),
  ...replayFromEnv(),
})

export interface ShapeOptions {
  readonly minRank?: number
  readonly maxRank?: number
  readonly minDim?: number
  readonly maxDim?: number
}

/** A shape with rank in [minRank, maxRank] (default 0…3) and lengths in [minDim, maxDim] (default 1…4). */
export const shape = ({
  minRank = 0,
  maxRank = 3,
  minDim = 1,
  maxDim = 4,
}: ShapeOptions = {}): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank })

/**
 * Two shapes that broadcast together: a common shape, then each side drops leading axes and
 * sets some axes to 1 independently.
 */
export const broadcastablePair = (options: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> =>
  shape({ minRank: 1, ...options }).chain((s) =>
    fc
      .tuple(
        fc.integer({ min: 0, max: s.length }),
        fc.integer({ min: 0, max: s.length }),
        fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
        fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
      )
      .map(([da, db, ones1, ones2]) => [
        s.slice(da).map((d, i) => (ones1[i + da] ? 1 : d)),
        s.slice(db).map((d, i) => (ones2[i + db] ? 1 : d)),
      ]),
  )

export interface ValueOptions {
  readonly dtype?: DType
  readonly min?: number
  readonly max?: number
}

/** A tensor of a given shape with values from fast-check (edges included: 0, −0, bounds). */
export const tensorOf = (
  s: Shape,
  { dtype = 'f64', min = -10, max = 10 }: ValueOptions = {},
): fc.Arbitrary<Tensor> => {
  const n = T.sizeOf(s)
  const element: fc.Arbitrary<number | boolean> =
    dtype === 'bool'
      ? fc.boolean()
      : dtype === 'i32'
        ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
        : dtype === 'f32'
          ? fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true })
          : fc.double({ min, max, noNaN: true })
  return fc
    .array(element, { minLength: n, maxLength: n })
    .map((v) => T.tensor(v as number[], { dtype, shape: s }))
}

/**
 * Scalar inputs at the edges of an elementwise kernel: signed zeros, tiny values, saturation
 * (±30), overflow of e^{±x} (±710, ±1e4) and NaN. Activation parity checks run every kernel on these.
 */
export const EDGE_INPUTS: readonly number[] = [
  0,
  -0,
  1e-300,
  -1e-300,
  1e-8,
  -1e-8,
  0.5,
  -0.5,
  30,
  -30,
  710,
  -710,
  1e4,
  -1e4,
  Number.NaN,
]

/** A tensor of random shape and values. */
export const tensor = (options: ShapeOptions & ValueOptions = {}): fc.Arbitrary<Tensor> =>
  shape(options).chain((s) => tensorOf(s, options))

/**
 * A smooth f64 tensor `scale · N(0, 1)` from a random key: values away from kinks and ties
 * (0 for relu/abs, equal maxima), which fast-check's edge-case bias would otherwise hit. Use it
 * for gradient checks.
 */
export const smoothTensorOf = (s: Shape, scale = 1): fc.Arbitrary<Tensor> =>
  fc.nat({ max: 2 ** 31 - 1 }).map((seed) => T.mul(T.randn(T.key(seed), s, 'f64'), scale))

/** A pytree of f64 tensors (objects and arrays, up to `depth` levels). */
export const pytree = (depth = 2): fc.Arbitrary<Tree> => {
  const leaf = shape({ maxRank: 2 }).chain((s) => smoothTensorOf(s))
  const { tree } = fc.letrec<{ tree: Tree; node: Tree }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small', maxDepth: depth }, leaf, tie('node')),
    node: fc.oneof(
      fc.array(tie('tree'), { minLength: 1, maxLength: 3 }),
      fc.dictionary(fc.stringMatching(/^[a-z][a-z_]{0,5}$/), tie('tree'), { minKeys: 1, maxKeys: 3 }),
    ),
  }))
  return tree
}

/** A small f64 product job, for checking that a kernel provider declines what it does not run. */
export const f64MatmulJob = (): T.MatmulJob => ({
  a: T.ones([2, 2], 'f64'),
  b: T.ones([2, 2], 'f64'),
  batch: 1,
  m: 2,
  k: 2,
  n: 2,
  transposeA: false,
  transposeB: false,
  dtype: 'f64',
})
