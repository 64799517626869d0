/**
 * Parity with PyTorch 1.13 (float64): `crossEntropy` against `F.cross_entropy` and `ctcLoss`
 * (on `T.logSoftmax(logits)`) against `F.ctc_loss(F.log_softmax(logits))`, for every reduction
 * (and zeroInfinity), the losses and the gradients with respect to the logits of Σ loss · w
 * (w random for 'none', 1 otherwise), all to the test kit's f64 tolerance. Infinite CTC losses must
 * be +∞ exactly. Where PyTorch's loss is infinite (zeroInfinity false) the fixtures record no
 * gradient; PyTorch's CPU backward computes (exp(lp) − exp(lcab + nll − lp))·gr there, NaN on an
 * infeasible sequence's frames (nll = +∞) and 0 past its input length, other sequences untouched.
 * That is what is compared: NaN rows for the infeasible sequences and, for 'sum' and 'mean' (whose
 * cotangents do not depend on the losses), every other row equal to the zeroInfinity fixture's.
 * The fixtures come from `scripts/torch_fixtures.py` (run it with Debian's /usr/bin/python3 to
 * regenerate them); this suite itself needs only Node.
 */
import { readFileSync } from 'node:fs'
import { grad } from '@recurrent/autograd'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, TOL, type Tolerance } from '@recurrent/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { crossEntropy, ctcLoss, type Reduction } from '../src/index.ts'

/** A fixture number: finite, or one of the strings the generator writes for non-finite values. */
type Num = number | 'Infinity' | '-Infinity' | 'NaN'
type NestedNum = Num | NestedNum[]

interface Encoded {
  readonly shape: number[]
  readonly data: NestedNum
}

interface CeResult {
  readonly reduction: Reduction
  readonly weights: Encoded | null
  readonly loss: Encoded
  readonly grad: Encoded
}

interface CeCase {
  readonly name: string
  readonly logits: Encoded
  readonly targets: T.Nested
  readonly ignoreIndex: number
  readonly results: CeResult[]
}

interface CtcResult {
  readonly reduction: Reduction
  readonly zeroInfinity: boolean
  readonly weights: Encoded | null
  readonly loss: Encoded
  /** null where PyTorch's loss is infinite (zeroInfinity false). */
  readonly grad: Encoded | null
}

interface CtcCase {
  readonly name: string
  readonly blank: number
  readonly logits: Encoded
  readonly targets: number[][]
  readonly inputLengths: number[]
  readonly targetLengths: number[]
  readonly results: CtcResult[]
}

const fixtures: { crossEntropy: CeCase[]; ctc: CtcCase[] } = JSON.parse(
  readFileSync(new URL('./fixtures/torch-parity.json', import.meta.url), 'utf8'),
)

/** Two float64 computations of the same value. */
const PARITY: Tolerance = TOL.f64

const toNumber = (x: Num): number => (typeof x === 'number' ? x : Number(x))

const flatten = (d: NestedNum, out: number[] = []): number[] => {
  if (Array.isArray(d)) for (const v of d) flatten(v, out)
  else out.push(toNumber(d))
  return out
}

const f64 = (e: Encoded): Tensor =>
  T.tensor(Float64Array.from(flatten(e.data)), { shape: e.shape, dtype: 'f64' })

/** The largest absolute and relative (to the expected value) elementwise differences seen (finite values). */
const worst = {
  ce: { abs: 0, where: '', rel: 0, relWhere: '' },
  ctc: { abs: 0, where: '', rel: 0, relWhere: '' },
}

const compare = (kind: 'ce' | 'ctc', what: string, actual: Tensor, expected: Encoded): void => {
  const e = f64(expected)
  assertClose(actual, e, PARITY, what)
  const a = T.toTypedArray(actual)
  const b = T.toTypedArray(e)
  const w = worst[kind]
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(b[i])) {
      // assertClose's bound atol + rtol·|b| is ∞ here: require the same non-finite value.
      expect(Object.is(a[i], b[i]), `${what} element ${i}: ${a[i]} ≠ expected ${b[i]}`).toBe(true)
      continue
    }
    const d = Math.abs(a[i] - b[i])
    if (d > w.abs) Object.assign(w, { abs: d, where: what })
    if (b[i] !== 0 && d / Math.abs(b[i]) > w.rel)
      Object.assign(w, { rel: d / Math.abs(b[i]), relWhere: what })
  }
}

/** Σ loss · w for 'none', the loss itself otherwise: what PyTorch differentiated. */
const weighted = (loss: Tensor, weights: Tensor | undefined): Tensor =>
  weights === undefined ? loss : T.sum(T.mul(loss, weights))

afterAll(() => {
  for (const [kind, w] of Object.entries(worst))
    console.info(
      `torch parity (${kind}): max |Δ| ${w.abs.toExponential(2)} (${w.where}), max relative ${w.rel.toExponential(2)} (${w.relWhere})`,
    )
})

describe('crossEntropy matches F.cross_entropy (float64)', () => {
  it('has the 4 fixture cases, 3 reductions each', () => {
    expect(fixtures.crossEntropy.length).toBe(4)
    for (const c of fixtures.crossEntropy)
      expect(c.results.map((r) => r.reduction)).toEqual(['mean', 'sum', 'none'])
  })

  for (const c of fixtures.crossEntropy) {
    for (const r of c.results) {
      it(`${c.name}, reduction ${r.reduction}: loss and ∂/∂logits`, () => {
        const logits = f64(c.logits)
        const targets = T.tensor(c.targets, { dtype: 'i32' })
        const weights = r.weights === null ? undefined : f64(r.weights)
        const loss = (x: Tensor): Tensor =>
          crossEntropy(x, targets, { reduction: r.reduction, ignoreIndex: c.ignoreIndex })
        const what = `crossEntropy ${c.name} ${r.reduction}`
        compare('ce', `${what} loss`, loss(logits), r.loss)
        compare('ce', `${what} ∂/∂logits`, grad((x: Tensor) => weighted(loss(x), weights))(logits), r.grad)
      })
    }
  }
})

describe('ctcLoss on logSoftmax(logits) matches F.ctc_loss (float64)', () => {
  it('has the 4 fixture cases, 3 reductions × zeroInfinity each, infinite losses included', () => {
    expect(fixtures.ctc.length).toBe(4)
    for (const c of fixtures.ctc) expect(c.results.length).toBe(6)
    const infinite = fixtures.ctc.flatMap((c) => c.results).filter((r) => r.grad === null)
    expect(infinite.length).toBe(6)
    for (const r of infinite) expect(r.zeroInfinity).toBe(false)
    expect(fixtures.ctc.map((c) => c.blank)).toEqual([0, 0, 3, 3])
  })

  for (const c of fixtures.ctc) {
    for (const r of c.results) {
      it(`${c.name}, reduction ${r.reduction}, zeroInfinity ${r.zeroInfinity}: loss and ∂/∂logits`, () => {
        const logits = f64(c.logits)
        const targets = T.tensor(c.targets, { dtype: 'i32' })
        const weights = r.weights === null ? undefined : f64(r.weights)
        const loss = (x: Tensor): Tensor =>
          ctcLoss(T.logSoftmax(x), targets, c.inputLengths, c.targetLengths, {
            blank: c.blank,
            reduction: r.reduction,
            zeroInfinity: r.zeroInfinity,
          })
        const what = `ctcLoss ${c.name} ${r.reduction} zeroInfinity=${r.zeroInfinity}`
        compare('ctc', `${what} loss`, loss(logits), r.loss)
        if (r.grad === null) {
          expect(flatten(r.loss.data)).toContain(Infinity)
          const g = grad((x: Tensor) => weighted(loss(x), weights))(logits)
          const [steps, B, C] = logits.shape
          const infeasible = c.targets.map((t, b) => {
            const label = t.slice(0, c.targetLengths[b])
            const repeats = label.filter((l, i) => i > 0 && l === label[i - 1]).length
            return c.inputLengths[b] < label.length + repeats
          })
          expect(infeasible).toContain(true)
          const zeroed = c.results.find((z) => z.zeroInfinity && z.reduction === r.reduction)?.grad
          const got = T.toTypedArray(g)
          const other = zeroed ? flatten(zeroed.data) : undefined
          for (let t = 0; t < steps; t++)
            for (let b = 0; b < B; b++)
              for (let k = 0; k < C; k++) {
                const i = (t * B + b) * C + k
                const at = `${what} ∂/∂logits[${t}][${b}][${k}]`
                if (infeasible[b]) expect(got[i], at).toBe(t < c.inputLengths[b] ? Number.NaN : 0)
                else if (r.reduction !== 'none' && other)
                  expect(Math.abs(got[i] - other[i]), at).toBeLessThanOrEqual(
                    PARITY.atol + PARITY.rtol * Math.abs(other[i]),
                  )
                else expect(Number.isFinite(got[i]), at).toBe(true)
              }
          return
        }
        compare('ctc', `${what} ∂/∂logits`, grad((x: Tensor) => weighted(loss(x), weights))(logits), r.grad)
      })
    }
  }
})
