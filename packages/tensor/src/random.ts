/**
 * Pure pseudo-random numbers with explicit keys (docs/design.md#pure-functions). The generator is
 * Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * SC 2011), the counter-based generator JAX uses: the block of counters `0 … n−1` encrypted under
 * the key gives the stream. Only 32-bit integer arithmetic is involved, so the same key gives
 * the same numbers on every platform.
 */
import { allocate, type DType, FLOATS, requireDType } from './dtype.ts'
import { ArgumentError } from './errors.ts'
import { readDType } from './options.ts'
import { checkShape, type Shape, sizeOf } from './shape.ts'
import { fromData, type Tensor } from './tensor.ts'

/** A PRNG key: two 32-bit words. Never reuse a key for two purposes; `split` it. */
export interface Key {
  readonly kind: 'Key'
  readonly words: readonly [number, number]
}

const makeKey = (hi: number, lo: number): Key =>
  Object.freeze({ kind: 'Key', words: Object.freeze([hi >>> 0, lo >>> 0]) as [number, number] })

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24]

/** Threefry-2x32-20 of the counter `(c0, c1)` under key `(k0, k1)`. */
export const threefry2x32 = (k0: number, k1: number, c0: number, c1: number): [number, number] => {
  const ks = [k0 >>> 0, k1 >>> 0, (0x1bd11bda ^ k0 ^ k1) >>> 0]
  let x0 = (c0 + ks[0]) >>> 0
  let x1 = (c1 + ks[1]) >>> 0
  for (let r = 0; r < 20; r++) {
    const rot = ROTATIONS[r % 8]
    x0 = (x0 + x1) >>> 0
    x1 = ((x1 << rot) | (x1 >>> (32 - rot))) >>> 0
    x1 = (x1 ^ x0) >>> 0
    if (r % 4 === 3) {
      const s = (r + 1) / 4
      x0 = (x0 + ks[s % 3]) >>> 0
      x1 = (x1 + ks[(s + 1) % 3] + s) >>> 0
    }
  }
  return [x0, x1]
}

/** `n` random 32-bit words from `key`: Threefry of the counters `0 … ⌈n/2⌉−1`. */
export const randomBits = (k: Key, n: number): Uint32Array => {
  const out = new Uint32Array(n)
  const [k0, k1] = k.words
  for (let i = 0; 2 * i < n; i++) {
    const [a, b] = threefry2x32(k0, k1, i, 0)
    out[2 * i] = a
    if (2 * i + 1 < n) out[2 * i + 1] = b
  }
  return out
}

/**
 * A key from an integer seed (0 ≤ seed < 2⁵³).
 *
 * @example
 * const k = T.key(0)
 * assert.deepStrictEqual(T.toArray(T.uniform(k, [3])), T.toArray(T.uniform(T.key(0), [3])))
 */
export const key = (seed: number): Key => {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new ArgumentError(`key: seed must be a non-negative safe integer, got ${seed}`)
  return makeKey(Math.floor(seed / 2 ** 32), seed % 2 ** 32)
}

/**
 * `n` new independent keys from one (JAX's `split`: the words of the parent's stream, in pairs).
 *
 * @example
 * const [a, b] = T.split(T.key(1), 2)
 * assert.notDeepStrictEqual(T.toArray(T.randn(a, [2])), T.toArray(T.randn(b, [2])))
 */
export const split = (k: Key, n = 2): Key[] => {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`split: n must be a positive integer, got ${n}`)
  const bits = randomBits(k, 2 * n)
  return Array.from({ length: n }, (_, i) => makeKey(bits[2 * i], bits[2 * i + 1]))
}

/** A key derived from `key` and an integer (e.g. a step or layer number) without splitting. */
export const foldIn = (k: Key, data: number): Key => {
  const [a, b] = threefry2x32(k.words[0], k.words[1], data >>> 0, 0x9e3779b9)
  return makeKey(a, b)
}

/** Uniform doubles in [0, 1) with 53 random bits each, two words per number. */
const unitDoubles = (k: Key, n: number): Float64Array => {
  const bits = randomBits(k, 2 * n)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++)
    out[i] = ((bits[2 * i] >>> 5) * 67108864 + (bits[2 * i + 1] >>> 6)) / 9007199254740992
  return out
}

/**
 * Uniform samples in `[lo, hi)`.
 *
 * @example
 * const u = T.toTypedArray(T.uniform(T.key(3), [100], -1, 1))
 * assert.ok(u.every((v) => v >= -1 && v < 1))
 */
export const uniform = (k: Key, shape: Shape, lo = 0, hi = 1, dtype: DType = 'f32'): Tensor => {
  checkShape('uniform', shape)
  requireDType('uniform', readDType('uniform', dtype), FLOATS)
  const u = unitDoubles(k, sizeOf(shape))
  const out = allocate(dtype, u.length)
  for (let i = 0; i < u.length; i++) out[i] = lo + (hi - lo) * u[i]
  return fromData(out, shape, dtype)
}

/**
 * Standard normal samples (Box–Muller on pairs of uniform doubles).
 *
 * @example
 * const z = T.randn(T.key(0), [1000], 'f64')
 * assert.ok(Math.abs(T.item(T.mean(z))) < 0.15)
 */
export const randn = (k: Key, shape: Shape, dtype: DType = 'f32'): Tensor => {
  checkShape('randn', shape)
  requireDType('randn', readDType('randn', dtype), FLOATS)
  const n = sizeOf(shape)
  const u = unitDoubles(k, n + (n % 2))
  const out = allocate(dtype, n)
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i]))
    const theta = 2 * Math.PI * u[i + 1]
    out[i] = r * Math.cos(theta)
    if (i + 1 < n) out[i + 1] = r * Math.sin(theta)
  }
  return fromData(out, shape, dtype)
}

/** Bernoulli samples: `true` with probability `p` (dropout masks). */
export const bernoulli = (k: Key, p: number, shape: Shape): Tensor => {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`bernoulli: p must lie in [0, 1], got ${p}`)
  checkShape('bernoulli', shape)
  const u = unitDoubles(k, sizeOf(shape))
  const out = new Uint8Array(u.length)
  for (let i = 0; i < u.length; i++) out[i] = u[i] < p ? 1 : 0
  return fromData(out, shape, 'bool')
}
