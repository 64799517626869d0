/**
 * `npm run bench:activations`: the errors of the WebAssembly recurrence's vectorised `exp`, `σ` and
 * `tanh` (f32x4) against the f64 formulas the TypeScript path uses (`Math.exp`,
 * `T.ACTIVATION_RULES`), over every 61st f32 bit pattern (every sign and exponent, NaN and ±∞
 * included) and every f32 with 1/4 ≤ |x| < 4 (where tanh switches formula and the gates work).
 * Reports the largest error in units in the last place of the f32 result, the largest relative
 * error over normal results, and any special value (NaN, ±∞, ±0) that differs. Not a timing.
 */
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'

const REFERENCE: Record<I.VectorFunction, (x: number) => number> = {
  exp: Math.exp,
  sigmoid: T.ACTIVATION_RULES.sigmoid.value,
  tanh: T.ACTIVATION_RULES.tanh.value,
}

/** The spacing of f32 numbers at |r| (2^−149 below the normal range). */
const ulpOf = (r: number): number => {
  const a = Math.abs(Math.fround(r))
  if (a < 2 ** -126) return 2 ** -149
  return 2 ** (Math.floor(Math.log2(a)) - 23)
}

const CHUNK = 1 << 20
const bits = new Uint32Array(CHUNK)
const xs = new Float32Array(bits.buffer)

interface Worst {
  ulp: number
  ulpAt: number
  rel: number
  relAt: number
  special: string[]
}

const check = (f: I.VectorFunction, n: number, w: Worst) => {
  const ys = I.wasmVectorFunction(f, xs.subarray(0, n))
  const ref = REFERENCE[f]
  for (let i = 0; i < n; i++) {
    const x = xs[i]
    const r = ref(x)
    const y = ys[i]
    const r32 = Math.fround(r)
    if (!Number.isFinite(r32) || r32 === 0 || Number.isNaN(x)) {
      if (
        !Object.is(y, r32) &&
        !(Number.isNaN(y) && Number.isNaN(r32)) &&
        !(r32 === 0 && Math.abs(y) <= 2 ** -149)
      )
        if (w.special.length < 5) w.special.push(`${f}(${x}) = ${y}, f64 ${r}`)
      continue
    }
    const e = Math.abs(y - r) / ulpOf(r)
    if (e > w.ulp) {
      w.ulp = e
      w.ulpAt = x
    }
    if (Math.abs(r) >= 2 ** -126) {
      const rel = Math.abs(y - r) / Math.abs(r)
      if (rel > w.rel) {
        w.rel = rel
        w.relAt = x
      }
    }
  }
}

const measure = (f: I.VectorFunction): Worst => {
  const w: Worst = { ulp: 0, ulpAt: 0, rel: 0, relAt: 0, special: [] }
  // Every 61st bit pattern.
  for (let start = 0; start < 2 ** 32; start += 61 * CHUNK) {
    let n = 0
    for (let b = start; n < CHUNK && b < 2 ** 32; b += 61) bits[n++] = b
    check(f, n, w)
  }
  // Every f32 in ±[1/4, 4).
  for (const sign of [0, 0x80000000])
    for (let b = 0x3e800000; b < 0x40800000; b += CHUNK) {
      const n = Math.min(CHUNK, 0x40800000 - b)
      for (let i = 0; i < n; i++) bits[i] = (sign | (b + i)) >>> 0
      check(f, n, w)
    }
  return w
}

console.log('vectorised f32 functions of the wasm recurrence against the f64 formulas')
for (const f of ['exp', 'sigmoid', 'tanh'] as const) {
  const w = measure(f)
  console.log(
    `${f.padEnd(8)} max ${w.ulp.toFixed(2)} ulp (at ${w.ulpAt}), max relative ${w.rel.toExponential(2)} (at ${w.relAt}); specials ${w.special.length === 0 ? 'all equal' : w.special.join('; ')}`,
  )
}
