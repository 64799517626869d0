/**
 * Elementwise primitives with NumPy broadcasting. Each op is one line of a table: its kernel
 * expression over the elements `x`, `y`, `z`. A kernel is compiled once per (arity, expression)
 * into a plain loop over typed arrays: no closure call and no allocation per element.
 */
import { allocate, type DType, FLOATS, isFloat, NUMERIC, requireDType, type TypedArray } from './dtype.ts'
import { DTypeError } from './errors.ts'
import { readDType } from './options.ts'
import { broadcastShapes, broadcastStrides, type Shape, sameShape, sizeOf } from './shape.ts'
import { fromData, type Tensor } from './tensor.ts'
import { type Attrs, emit } from './trace.ts'

/** A tensor, or a JS number (a weak scalar that takes the other operand's dtype). */
export type Operand = Tensor | number

export type Kernel = {
  fast: (out: TypedArray, ...inputs: TypedArray[]) => void
  /** The fast loop with some inputs of one element read once (a weak scalar, a bias of 1). */
  scalar: (mask: number) => (out: TypedArray, ...inputs: TypedArray[]) => void
  general: (out: TypedArray, shape: Shape, ...inputsThenStrides: (TypedArray | number[])[]) => void
}

const NAMES = ['x', 'y', 'z']
const kernels = new Map<string, Kernel>()

/** Scalar functions an expression may call by name (an activation's value, `f(x)`). */
export type KernelScope = Readonly<Record<string, (...xs: number[]) => number>>

/**
 * The compiled kernel for an expression over `arity` inputs. Without a `scope` it is cached
 * (compiled once per expression); with one, the names of `scope` are in scope of the expression.
 */
export const compile = (arity: number, expr: string, scope: KernelScope = {}): Kernel => {
  const free = Object.keys(scope).length === 0
  const key = `${arity}:${expr}`
  const cached = free ? kernels.get(key) : undefined
  if (cached) return cached
  const names = Object.keys(scope)
  const values = Object.values(scope)
  /** A function of `params` whose body sees the names of `scope`. */
  const build = (...paramsThenBody: string[]) => {
    const params = paramsThenBody.slice(0, -1).join(', ')
    const body = paramsThenBody[paramsThenBody.length - 1]
    return new Function(...names, `return function (${params}) {\n${body}\n}`)(...values)
  }
  const ids = NAMES.slice(0, arity)
  const arrays = ids.map((v) => `a_${v}`)
  const fast = build(
    'out',
    ...arrays,
    `const n = out.length;
     for (let i = 0; i < n; i++) { ${ids.map((v) => `const ${v} = a_${v}[i];`).join(' ')} out[i] = ${expr}; }`,
  )
  const general = build(
    'out',
    'shape',
    ...arrays,
    ...ids.map((v) => `s_${v}`),
    `const n = out.length; if (n === 0) return;
     const r = shape.length, last = r > 0 ? shape[r - 1] : 1;
     ${ids.map((v) => `const l_${v} = r > 0 ? s_${v}[r - 1] : 0; let p_${v} = 0;`).join('\n')}
     const idx = new Int32Array(r);
     for (let o = 0; o < n; ) {
       for (let j = 0; j < last; j++, o++) {
         ${ids.map((v) => `const ${v} = a_${v}[p_${v} + j * l_${v}];`).join(' ')}
         out[o] = ${expr};
       }
       for (let d = r - 2; d >= 0; d--) {
         idx[d]++; ${ids.map((v) => `p_${v} += s_${v}[d];`).join(' ')}
         if (idx[d] < shape[d]) break;
         ${ids.map((v) => `p_${v} -= s_${v}[d] * shape[d];`).join(' ')} idx[d] = 0;
       }
     }`,
  )
  const variants = new Map<number, Kernel['fast']>()
  const scalar = (mask: number): Kernel['fast'] => {
    let f = variants.get(mask)
    if (f === undefined) {
      const isScalar = (i: number) => (mask >> i) & 1
      f = build(
        'out',
        ...arrays,
        `const n = out.length;
         ${ids.map((v, i) => (isScalar(i) ? `const ${v} = a_${v}[0];` : '')).join(' ')}
         for (let i = 0; i < n; i++) { ${ids.map((v, i) => (isScalar(i) ? '' : `const ${v} = a_${v}[i];`)).join(' ')} out[i] = ${expr}; }`,
      ) as Kernel['fast']
      variants.set(mask, f)
    }
    return f
  }
  const k = { fast, general, scalar } as Kernel
  if (free) kernels.set(key, k)
  return k
}

/** Runs an elementwise kernel over broadcast inputs and announces the primitive. */
export const mapElements = (
  primitive: string,
  inputs: readonly Tensor[],
  outDType: DType,
  kernel: Kernel | string,
  attrs?: Attrs,
): Tensor => {
  const k = typeof kernel === 'string' ? compile(inputs.length, kernel) : kernel
  const x = inputs[0]
  // Fast path: every input has the output's shape (the common case inside a layer).
  let same = true
  for (let i = 1; i < inputs.length; i++) if (!sameShape(inputs[i].shape, x.shape)) same = false
  if (same) {
    const out = allocate(outDType, x.size)
    if (inputs.length === 1) k.fast(out, x.data)
    else if (inputs.length === 2) k.fast(out, x.data, inputs[1].data)
    else k.fast(out, x.data, inputs[1].data, inputs[2].data)
    return emit(primitive, inputs, attrs, fromData(out, x.shape, outDType))
  }
  const shape = broadcastShapes(primitive, ...inputs.map((t) => t.shape))
  const out = allocate(outDType, sizeOf(shape))
  const datas = inputs.map((t) => t.data)
  let mask = 0
  let flat = true
  inputs.forEach((t, i) => {
    if (t.size === 1 && out.length !== 1) mask |= 1 << i
    else if (t.size !== out.length) flat = false
  })
  if (flat) (mask === 0 ? k.fast : k.scalar(mask))(out, ...datas)
  else k.general(out, shape, ...datas, ...inputs.map((t) => broadcastStrides(t.shape, shape)))
  return emit(primitive, inputs, attrs, fromData(out, shape, outDType))
}

/** Turns weak scalars into tensors of the other operands' dtype; all dtypes must then agree. */
export const coerce = (op: string, operands: readonly Operand[]): Tensor[] => {
  let dt: DType | undefined
  let mixed = false
  let scalars = false
  for (const o of operands) {
    if (typeof o === 'number') scalars = true
    else if (dt === undefined) dt = o.dtype
    else if (o.dtype !== dt) mixed = true
  }
  if (mixed) {
    const dtypes = operands.filter((o): o is Tensor => typeof o !== 'number').map((t) => t.dtype)
    throw new DTypeError(`${op}: dtypes ${dtypes.join(' and ')} differ; convert one with T.cast`)
  }
  if (!scalars) return operands as Tensor[]
  const d = dt ?? 'f32'
  return operands.map((o) => (typeof o === 'number' ? scalar(o, d) : o))
}

const scalar = (value: number, dtype: DType): Tensor => {
  const data = allocate(dtype, 1)
  data[0] = value
  return fromData(data, [], dtype)
}

/** Binary ops: float expression, and i32 expression where integers make sense. */
const BINARY = {
  add: { float: 'x + y', int: '(x + y) | 0' },
  sub: { float: 'x - y', int: '(x - y) | 0' },
  mul: { float: 'x * y', int: 'Math.imul(x, y)' },
  div: { float: 'x / y' },
  pow: { float: 'Math.pow(x, y)' },
  maximum: { float: 'x > y || x !== x ? x : y', int: 'x > y ? x : y' },
  minimum: { float: 'x < y || x !== x ? x : y', int: 'x < y ? x : y' },
} as const satisfies Record<string, { float: string; int?: string }>

const binary = (op: keyof typeof BINARY) => {
  const rule: { float: string; int?: string } = BINARY[op]
  const allowed = rule.int ? NUMERIC : FLOATS
  const floatKernel = compile(2, rule.float)
  const intKernel = rule.int ? compile(2, rule.int) : floatKernel
  return (a: Operand, b: Operand): Tensor => {
    const [x, y] = coerce(op, [a, b])
    requireDType(op, x.dtype, allowed)
    return mapElements(op, [x, y], x.dtype, isFloat(x.dtype) ? floatKernel : intKernel)
  }
}

/** Elementwise sum with broadcasting: `a + b`. */
export const add = binary('add')
/** Elementwise difference with broadcasting: `a − b`. */
export const sub = binary('sub')
/** Elementwise (Hadamard) product with broadcasting: `a ⊙ b` (the gates of Lecture §3.1). */
export const mul = binary('mul')
/** Elementwise quotient with broadcasting: `a / b` (IEEE: x/0 = ±∞). */
export const div = binary('div')
/** Elementwise power `a^b` (IEEE: a negative base with a fractional exponent is NaN). */
export const pow = binary('pow')
/** Elementwise maximum (NaN propagates, as NumPy's `maximum`). */
export const maximum = binary('maximum')
/** Elementwise minimum (NaN propagates, as NumPy's `minimum`). */
export const minimum = binary('minimum')

/** Unary ops: float expression, and i32 expression where integers make sense. */
const UNARY = {
  neg: { float: '-x', int: '(-x) | 0' },
  abs: { float: 'Math.abs(x)', int: 'Math.abs(x) | 0' },
  sign: { float: 'Math.sign(x)', int: 'Math.sign(x)' },
  exp: { float: 'Math.exp(x)' },
  log: { float: 'Math.log(x)' },
  sqrt: { float: 'Math.sqrt(x)' },
} as const satisfies Record<string, { float: string; int?: string }>

/**
 * The elementwise op `op` (its primitive's name) from its float kernel and, where integers make
 * sense, its i32 kernel; a weak scalar becomes an f32 tensor.
 */
export const unaryOp = (op: string, floatKernel: Kernel, intKernel?: Kernel) => {
  const allowed = intKernel ? NUMERIC : FLOATS
  return (a: Operand): Tensor => {
    const [x] = coerce(op, [a])
    requireDType(op, x.dtype, allowed)
    return mapElements(op, [x], x.dtype, isFloat(x.dtype) || !intKernel ? floatKernel : intKernel)
  }
}

const unary = (op: keyof typeof UNARY) => {
  const rule: { float: string; int?: string } = UNARY[op]
  return unaryOp(op, compile(1, rule.float), rule.int ? compile(1, rule.int) : undefined)
}

/** Elementwise negation `−x`. */
export const neg = unary('neg')
/** Elementwise absolute value `|x|`. */
export const abs = unary('abs')
/** Elementwise sign: −1, 0 or 1 (NaN stays NaN). Its gradient is zero. */
export const sign = unary('sign')
/** Elementwise `eˣ`. */
export const exp = unary('exp')
/** Elementwise natural logarithm (IEEE: log 0 = −∞, log of a negative is NaN). */
export const log = unary('log')
/** Elementwise square root (IEEE: NaN for negatives). */
export const sqrt = unary('sqrt')

const COMPARE = {
  eq: 'x === y ? 1 : 0',
  ne: 'x !== y ? 1 : 0',
  lt: 'x < y ? 1 : 0',
  le: 'x <= y ? 1 : 0',
  gt: 'x > y ? 1 : 0',
  ge: 'x >= y ? 1 : 0',
} as const

const compare = (op: keyof typeof COMPARE) => {
  const kernel = compile(2, COMPARE[op])
  return (a: Operand, b: Operand): Tensor => {
    const [x, y] = coerce(op, [a, b])
    if (x.dtype === 'bool' && op !== 'eq' && op !== 'ne') requireDType(op, x.dtype, NUMERIC)
    return mapElements(op, [x, y], 'bool', kernel)
  }
}

/** Elementwise `a = b` → bool. */
export const eq = compare('eq')
/** Elementwise `a ≠ b` → bool. */
export const ne = compare('ne')
/** Elementwise `a < b` → bool. */
export const lt = compare('lt')
/** Elementwise `a ≤ b` → bool. */
export const le = compare('le')
/** Elementwise `a > b` → bool. */
export const gt = compare('gt')
/** Elementwise `a ≥ b` → bool. */
export const ge = compare('ge')

const requireBool = (op: string, ts: readonly Tensor[]): void =>
  ts.forEach((t) => requireDType(op, t.dtype, ['bool']))

/** Elementwise logical and of two bool tensors. */
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => {
  requireBool('logicalAnd', [a, b])
  return mapElements('logicalAnd', [a, b], 'bool', 'x & y')
}
/** Elementwise logical or of two bool tensors. */
export const logicalOr = (a: Tensor, b: Tensor): Tensor => {
  requireBool('logicalOr', [a, b])
  return mapElements('logicalOr', [a, b], 'bool', 'x | y')
}
/** Elementwise logical not of a bool tensor. */
export const logicalNot = (a: Tensor): Tensor => {
  requireBool('logicalNot', [a])
  return mapElements('logicalNot', [a], 'bool', 'x ? 0 : 1')
}

/**
 * Selects `a` where `cond` holds and `b` elsewhere, with broadcasting of all three.
 * Masking of padded time steps is written with it.
 *
 * @example
 * const m = T.tensor([true, false])
 * assert.deepStrictEqual(T.toArray(T.where(m, T.tensor([1, 2]), 0)), [1, 0])
 */
export const where = (cond: Tensor, a: Operand, b: Operand): Tensor => {
  requireDType('where', cond.dtype, ['bool'])
  const [x, y] = coerce('where', [a, b])
  return mapElements('where', [cond, x, y], x.dtype, 'x ? y : z')
}

/**
 * Clamps each element into `[lo, hi]` (the gradient-clipping primitive of Lecture §4.3, by value):
 * `min(max(x, lo), hi)` as NumPy defines it, with the IEEE 754-2019 `maximum`/`minimum` of
 * `Math.max`/`Math.min`, which order −0 below +0. So `clip(−0, 0, hi)` is +0 and
 * `clip(+0, lo, −0)` is −0; a NaN in `x`, `lo` or `hi` gives NaN; `lo > hi` gives `hi`. The
 * gradient flows where `lo ≤ x ≤ hi`: when `lo ≤ hi`, exactly where `clip(x) = x` as numbers
 * (−0 = +0); when `lo > hi`, nowhere (the output is the constant `hi`).
 *
 * @example
 * assert.deepStrictEqual(T.toArray(T.clip(T.tensor([-2, 0.5, 3]), 0, 1)), [0, 0.5, 1])
 * assert.ok(Object.is(T.item(T.clip(T.tensor([-0]), 0, 1)), 0))
 */
export const clip = (x: Tensor, lo: Operand, hi: Operand): Tensor => {
  const [t, l, h] = coerce('clip', [x, lo, hi])
  requireDType('clip', t.dtype, NUMERIC)
  return mapElements('clip', [t, l, h], t.dtype, 'Math.min(Math.max(x, y), z)')
}

const CAST: Record<DType, string> = { f32: 'x', f64: 'x', i32: 'x', bool: 'x !== 0 ? 1 : 0' }

/**
 * Converts to another dtype: floats to `i32` truncate toward zero, anything to `bool` is `x ≠ 0`.
 * Casting to the same dtype returns the tensor itself.
 */
export const cast = (x: Tensor, to: DType): Tensor => {
  readDType('cast', to)
  if (x.dtype === to) return x
  return mapElements('cast', [x], to, CAST[to], { to })
}
