/**
 * The activations, defined once (Lecture §2.1, §3.1, §4.5). Each is a scalar function σ, its
 * derivative written through its output `y = σ(u)`, and the vector-Jacobian product `g ⊙ σ'(u)`
 * in traced tensor ops. The rest derives from this table: the ops `T.tanh`, `T.sigmoid`, `T.relu`
 * (their kernels apply the scalar function itself), the last pass of `fusedMatmul`, the autograd
 * rules, the cells' activation options and their hand-written recurrences. A new activation is
 * its name in `ACTIVATIONS` and its entry in the table; kernels in other languages (gpu.js) list
 * the activations they implement and leave the others to this path.
 */
import { coerce, compile, gt, mul, type Operand, sub, unaryOp, where } from './elementwise.ts'
import type { Tensor } from './tensor.ts'

/**
 * The names of the activations: a layer, a cell or a fused product takes one of these.
 *
 * @example
 * assert.deepStrictEqual([...T.ACTIVATIONS], ['identity', 'tanh', 'sigmoid', 'relu'])
 */
export const ACTIVATIONS = ['identity', 'tanh', 'sigmoid', 'relu'] as const

/** The name of an activation, one of `ACTIVATIONS`. */
export type Activation = (typeof ACTIVATIONS)[number]

/** One activation σ: its value, its derivative through its output, and its tensor op. */
export interface ActivationRule {
  readonly name: Activation
  /** σ(x) for one number; the tensor op's kernels apply exactly this function. */
  readonly value: (x: number) => number
  /** σ'(u) from the output `y = σ(u)` (at a kink, the one-sided value PyTorch uses). */
  readonly slope: (y: number) => number
  /** `g ⊙ σ'(u)` from the output `y = σ(u)`, in traced ops (so it can be differentiated again). */
  readonly vjp: (g: Tensor, y: Tensor) => Tensor
  /** The inputs where σ is not differentiable. */
  readonly kinks: readonly number[]
  /** σ elementwise: a primitive named after the activation (the identity returns its input). */
  readonly op: (x: Operand) => Tensor
  /** σ over an array, in place (the identity leaves it as it is). */
  readonly inPlace: (data: Float32Array | Float64Array) => void
}

interface Definition {
  readonly value: (x: number) => number
  readonly slope: (y: number) => number
  readonly vjp: (g: Tensor, y: Tensor) => Tensor
  readonly kinks: readonly number[]
  /** Whether the op also takes i32 tensors. */
  readonly integers?: boolean
  /** The identity: no primitive and no pass over the elements. */
  readonly passThrough?: boolean
}

const DEFINITIONS: { readonly [A in Activation]: Definition } = {
  identity: { value: (x) => x, slope: () => 1, vjp: (g) => g, kinks: [], passThrough: true },
  tanh: { value: Math.tanh, slope: (y) => 1 - y * y, vjp: (g, y) => mul(g, sub(1, mul(y, y))), kinks: [] },
  sigmoid: {
    // Both branches take e^{−|x|} ≤ 1, so neither overflows: σ(x) = 1/(1 + e^{−x}) = e^x/(1 + e^x).
    value: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
    slope: (y) => y * (1 - y),
    vjp: (g, y) => mul(g, mul(y, sub(1, y))),
    kinks: [],
  },
  relu: {
    // biome-ignore lint/complexity/useMathMinMax: relu(−0) is −0 here, Math.max(−0, 0) is +0
    value: (x) => (x < 0 ? 0 : x),
    slope: (y) => (y > 0 ? 1 : 0),
    vjp: (g, y) => where(gt(y, 0), g, 0),
    kinks: [0],
    integers: true,
  },
}

const rule = (name: Activation): ActivationRule => {
  const d = DEFINITIONS[name]
  if (d.passThrough) {
    return { name, ...d, op: (x) => coerce(name, [x])[0], inPlace: () => undefined }
  }
  // Named after the activation: a kernel's source is its own, so each call site sees one function.
  const kernel = compile(1, `${name}(x)`, { [name]: d.value })
  return {
    name,
    ...d,
    op: unaryOp(name, kernel, d.integers ? kernel : undefined),
    inPlace: (data) => kernel.fast(data, data),
  }
}

/**
 * Every activation's rule by name: `σ`, `σ'` through `y = σ(u)`, `g ⊙ σ'(u)`, the tensor op.
 *
 * @example
 * const { sigmoid } = T.ACTIVATION_RULES
 * assert.strictEqual(sigmoid.value(0), 0.5)
 * assert.strictEqual(sigmoid.slope(sigmoid.value(0)), 0.25) // σ'(0) = σ(0)(1 − σ(0))
 * assert.deepStrictEqual(T.toArray(T.ACTIVATION_RULES.relu.op(T.tensor([-1, 2]))), [0, 2])
 */
export const ACTIVATION_RULES = Object.fromEntries(ACTIVATIONS.map((name) => [name, rule(name)])) as {
  readonly [A in Activation]: ActivationRule
}

/**
 * Hyperbolic tangent `tanh(x) = (eˣ − e^{−x}) / (eˣ + e^{−x})`, the Elman activation (Lecture §2.1).
 *
 * @example
 * assert.strictEqual(T.item(T.tanh(0)), 0)
 */
export const tanh = ACTIVATION_RULES.tanh.op

/**
 * Logistic sigmoid `σ(x) = 1 / (1 + e^{−x})`, the gate activation `f` of Lecture §3.1,
 * evaluated without overflow for large |x|.
 *
 * @example
 * assert.strictEqual(T.item(T.sigmoid(0)), 0.5)
 * assert.strictEqual(T.item(T.sigmoid(T.tensor(-1e4, { dtype: 'f64' }))), 0)
 */
export const sigmoid = ACTIVATION_RULES.sigmoid.op

/**
 * Rectified linear unit `relu(x) = max(0, x)` (the IRNN activation, Lecture §4.5).
 *
 * @example
 * assert.deepStrictEqual(T.toArray(T.relu(T.tensor([-2, 3]))), [0, 3])
 */
export const relu = ACTIVATION_RULES.relu.op
