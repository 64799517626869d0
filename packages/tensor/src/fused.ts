/**
 * The fused product `σ(op(A)·op(B) + C)` (docs/design.md#performance-shape): a matmul, an addend that
 * broadcasts to the output (a bias `[n]`, or the input half of a recurrent step `[m, n]`) and an
 * activation, as one primitive with its own vector-Jacobian rule. A layer's forward step is then
 * one op (`h_t = tanh(h_{t−1}·W_hhᵀ + (x_t·W_ihᵀ + b))`, Lecture §2.1) and its backward step
 * reuses the matmul kernels. A kernel provider may run all three in one kernel
 * (`KernelProvider.fusedMatmul`); otherwise the addend and activation are one pass over the
 * product.
 */
import { ACTIVATION_RULES, ACTIVATIONS } from './activations.ts'
import { currentBackend, type FusedActivation, type MatmulJob, reference } from './backend.ts'
import { allocate } from './dtype.ts'
import { DTypeError, ShapeError, showShape } from './errors.ts'
import { matmulJob } from './matmul.ts'
import { optionKinds, readOptions } from './options.ts'
import { broadcastShapes } from './shape.ts'
import { broadcastTo, reshape } from './structure.ts'
import { fromStorage, isTensor, type Storage, type Tensor } from './tensor.ts'
import { emit, untraced } from './trace.ts'

export type { FusedActivation }

export interface FusedMatmulOptions {
  readonly transposeA?: boolean
  readonly transposeB?: boolean
  /** Added to the product; broadcasts to its shape (NumPy rules). */
  readonly addend?: Tensor
  /** σ applied last (default identity). */
  readonly activation?: FusedActivation
}

const FUSED = {
  transposeA: optionKinds.boolean,
  transposeB: optionKinds.boolean,
  addend: { expects: 'a tensor', test: isTensor },
  activation: optionKinds.oneOf(ACTIVATIONS),
}

/**
 * Whether `addend` broadcasts to `out` by repeating whole along the leading axes: its shape,
 * without leading 1s, is the output's trailing axes (and it is not empty).
 */
const trailing = (addend: readonly number[], out: readonly number[]): boolean => {
  let lead = 0
  while (lead < addend.length && addend[lead] === 1) lead++
  const tail = addend.slice(lead)
  if (tail.length > out.length) return false
  const outTail = out.slice(out.length - tail.length)
  return tail.every((d, i) => d === outTail[i]) && tail.reduce((a, b) => a * b, 1) > 0
}

/** Product, addend and activation without a fused kernel: one pass over the product's values. */
const unfused = (
  job: MatmulJob,
  addend: Tensor | undefined,
  activation: FusedActivation,
  outShape: readonly number[],
): Storage => {
  const product = (currentBackend().matmul(job) ?? reference.matmul(job)) as Storage
  const values = product.read()
  const out = allocate(job.dtype, values.length) as Float32Array | Float64Array
  if (addend === undefined) out.set(values)
  else if (trailing(addend.shape, outShape)) {
    // The addend repeats along the leading axes (a bias [n] or [1, n]): added row by row, never
    // laid out at the output's size.
    const add = addend.data
    const k = add.length
    for (let o = 0; o < out.length; o += k) for (let j = 0; j < k; j++) out[o + j] = values[o + j] + add[j]
  } else {
    const add = untraced(() => broadcastTo(addend, outShape)).data
    for (let i = 0; i < out.length; i++) out[i] = values[i] + add[i]
  }
  ACTIVATION_RULES[activation].inPlace(out)
  return { device: 'cpu', read: () => out }
}

/**
 * `σ(op(A)·op(B) + C)` in one primitive. Shapes as `matmul`; the addend broadcasts to the output.
 *
 * @example
 * const h = T.fusedMatmul(T.tensor([[1, 2]]), T.eye(2), { addend: T.tensor([1, -5]), activation: 'relu' })
 * assert.deepStrictEqual(T.toArray(h), [[2, 0]])
 */
export const fusedMatmul = (a: Tensor, b: Tensor, options: FusedMatmulOptions = {}): Tensor => {
  const { addend, activation = 'identity' } = readOptions('fusedMatmul', options, FUSED)
  const transposeA = !!options.transposeA
  const transposeB = !!options.transposeB
  if (addend !== undefined && addend.dtype !== a.dtype) {
    throw new DTypeError(`fusedMatmul: addend is ${addend.dtype}, the factors are ${a.dtype}`)
  }
  // [..., m, k]·[k, n]: one product of [(…·m), k]·[k, n], as matmul does.
  if (b.rank === 2 && a.rank > 2 && !transposeA) {
    const outShape = [...a.shape.slice(0, -1), transposeB ? b.shape[0] : b.shape[1]]
    const flatAddend =
      addend === undefined || addend.rank <= 1
        ? addend
        : reshape(broadcastTo(addend, broadcastShapes('fusedMatmul', addend.shape, outShape)), [
            -1,
            outShape[outShape.length - 1],
          ])
    const y = fusedMatmul(reshape(a, [-1, a.shape[a.rank - 1]]), b, { ...options, addend: flatAddend })
    return reshape(y, outShape)
  }
  const { job, outShape } = matmulJob('fusedMatmul', a, b, transposeA, transposeB)
  if (addend !== undefined) {
    const fits =
      addend.rank <= outShape.length &&
      addend.shape.every((d, i) => d === 1 || d === outShape[outShape.length - addend.rank + i])
    if (!fits) {
      throw new ShapeError(
        `fusedMatmul: addend ${showShape(addend.shape)} does not broadcast to the product ${showShape(outShape)}`,
      )
    }
  }
  const storage =
    currentBackend().fusedMatmul?.(job, addend, activation) ?? unfused(job, addend, activation, outShape)
  const inputs = addend === undefined ? [a, b] : [a, b, addend]
  return emit(
    'fusedMatmul',
    inputs,
    { transposeA, transposeB, activation },
    fromStorage(storage, outShape, a.dtype),
  )
}
