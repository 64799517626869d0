/**
 * The Neural Turing Machine (Lecture §5.7, the attention-based model's version 2: the controller
 * also writes to the memory; Graves et al. 2014). A memory matrix M `[N, W]` (N rows of W
 * numbers), a controller network, and heads that read and write through weightings w (a
 * distribution over the N rows) that the controller steers each step by
 *
 *   content:       w^c_i = softmax_i(β · K(k, M_i)),   K(u, v) = u·v / (‖u‖ ‖v‖)
 *   interpolation: w^g = g · w^c + (1 − g) · w_{t−1}
 *   shift:         w̃_i = Σ_{j=−R}^{R} w^g_{(i − j) mod N} · s_j
 *   sharpening:    w_i = w̃_i^γ / Σ_k w̃_k^γ                  (γ ≥ 1)
 *   read:          r = Σ_i w_i M_i
 *   write:         M_i ← M_i ⊙ (1 − w_i e) + w_i a          (erase e ∈ [0, 1]^W, then add a)
 *
 * Every op is composed of the library's differentiable tensor ops (`matmul`, `softmax`, `gather`,
 * `pow`, …), so gradients are autograd's. Heads are batched: weightings `[B, H, N]` hold H heads'
 * distributions for each of B sequences, and every addressing op works on all of them at once.
 */
import { stopGradient } from '@recurrent/autograd'
import { affine, type Cell, glorotUniform } from '@recurrent/cells'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** Added under the square roots of the norms in K(u, v), so a zero row or key has a gradient. */
export const NORM_EPSILON = 1e-8

const shapeOf = (x: unknown): string => (T.isTensor(x) ? T.showShape(x.shape) : typeof x)

/** Checks that `x` is a float tensor of rank `rank`; `expected` is the shape as the message prints it. */
const ranked = (fn: string, name: string, x: unknown, rank: number, expected: string): Tensor => {
  if (!T.isTensor(x) || x.rank !== rank)
    throw new T.ShapeError(`${fn}: ${name} must be ${expected}, got ${shapeOf(x)}`)
  if (!T.isFloat(x.dtype)) throw new T.DTypeError(`${fn}: ${name} must be a float tensor, got ${x.dtype}`)
  return x
}

/** Checks a memory `[B, N, W]` with N ≥ 1 rows and W ≥ 1 columns. */
const checkMemory = (fn: string, memory: unknown): Tensor => {
  const m = ranked(fn, 'memory', memory, 3, '[B, N, W]')
  if (m.shape[1] === 0 || m.shape[2] === 0)
    throw new T.ArgumentError(
      `${fn}: memory ${T.showShape(m.shape)} has no ${m.shape[1] === 0 ? 'rows (N = 0)' : 'columns (W = 0)'}; a memory needs N ≥ 1 rows of W ≥ 1 numbers`,
    )
  return m
}

/** Checks that `x` has exactly `shape`, naming `fn`, the argument and what fixed the shape. */
const sameShape = (fn: string, name: string, x: Tensor, shape: readonly number[], from: string): void => {
  if (x.rank !== shape.length || x.shape.some((d, i) => d !== shape[i]))
    throw new T.ShapeError(
      `${fn}: ${name} has shape ${T.showShape(x.shape)}, expected ${T.showShape(shape)} (${from})`,
    )
}

/** A per-head scalar `[B, H]` as `[B, H, 1]`, to scale each head's row. */
const perHead = (x: Tensor): Tensor => T.reshape(x, [x.shape[0], x.shape[1], 1])

/**
 * Content addressing (Lecture §5.7; Graves et al. 2014, eq. 5–6): each head's key k is compared
 * with every memory row by cosine similarity, scaled by its key strength β ≥ 0, and normalised:
 *
 *   w^c_i = exp(β K(k, M_i)) / Σ_j exp(β K(k, M_j)),   K(u, v) = u·v / (‖u‖ ‖v‖)
 *
 * with ‖u‖ = √(Σ u² + `NORM_EPSILON`). Shapes: memory `[B, N, W]`, keys `[B, H, W]`, β `[B, H]`
 * → weightings `[B, H, N]`. A larger β focuses on the most similar rows; β = 0 is uniform.
 *
 * @example
 * const memory = T.tensor([[[1, 0], [0, 1], [-1, 0]]]) // B = 1, N = 3 rows, W = 2
 * const w = T.toArray(contentAddressing(memory, T.tensor([[[2, 0]]]), T.tensor([[50]])))[0][0]
 * assert.ok(w[0] > 0.999) // the row pointing the key's way
 * const flat = T.toArray(contentAddressing(memory, T.tensor([[[2, 0]]]), T.tensor([[0]])))[0][0]
 * assert.ok(flat.every((x) => Math.abs(x - 1 / 3) < 1e-6))
 */
export const contentAddressing = (memory: Tensor, keys: Tensor, beta: Tensor): Tensor => {
  const fn = 'contentAddressing'
  const m = checkMemory(fn, memory)
  const [B, N, W] = m.shape
  const k = ranked(fn, 'keys', keys, 3, '[B, H, W]')
  const H = k.shape[1]
  sameShape(fn, 'keys', k, [B, H, W], `B = ${B} and W = ${W} from memory ${T.showShape(m.shape)}`)
  sameShape(fn, 'beta', ranked(fn, 'beta', beta, 2, '[B, H]'), [B, H], `from keys ${T.showShape(k.shape)}`)
  const dots = T.matmul(k, m, { transposeB: true }) // [B, H, N]
  const keyNorms = T.sqrt(T.add(T.sum(T.mul(k, k), { axis: -1, keepDims: true }), NORM_EPSILON)) // [B, H, 1]
  const rowNorms = T.reshape(T.sqrt(T.add(T.sum(T.mul(m, m), { axis: -1 }), NORM_EPSILON)), [B, 1, N])
  const similarity = T.div(dots, T.mul(keyNorms, rowNorms))
  return T.softmax(T.mul(perHead(beta), similarity), { axis: -1 })
}

/**
 * Interpolation (Lecture §5.7; Graves et al. 2014, eq. 7): the interpolation gate g ∈ [0, 1]
 * chooses between the content weighting and the previous step's weighting:
 *
 *   w^g = g · w^c + (1 − g) · w_{t−1}
 *
 * Shapes: w^c and w_{t−1} `[B, H, N]`, g `[B, H]`. Distributions in, a distribution out.
 *
 * @example
 * const w = interpolate(T.tensor([[[1, 0]]]), T.tensor([[[0, 1]]]), T.tensor([[0.25]]))
 * assert.deepStrictEqual(T.toArray(w), [[[0.25, 0.75]]])
 */
export const interpolate = (content: Tensor, previous: Tensor, gate: Tensor): Tensor => {
  const fn = 'interpolate'
  const c = ranked(fn, 'content', content, 3, '[B, H, N]')
  sameShape(fn, 'previous', ranked(fn, 'previous', previous, 3, '[B, H, N]'), c.shape, 'from content')
  const [B, H] = c.shape
  sameShape(fn, 'gate', ranked(fn, 'gate', gate, 2, '[B, H]'), [B, H], 'from content')
  const g = perHead(gate)
  return T.add(T.mul(g, c), T.mul(T.sub(1, g), previous))
}

const shiftIndexCache = new Map<string, Tensor>()

/**
 * Per shift j = −R…R, the row each position i reads from, (i − j) mod N: `[S·N]` indices, built
 * once per (N, S) (every head's addressing at every step asks for them).
 */
const shiftIndices = (N: number, S: number): Tensor => {
  const id = `${N},${S}`
  let indices = shiftIndexCache.get(id)
  if (indices === undefined) {
    const R = (S - 1) / 2
    indices = T.tensor(
      Array.from({ length: S * N }, (_, q) => {
        const j = Math.floor(q / N) - R
        const i = q % N
        return (((i - j) % N) + N) % N
      }),
      { dtype: 'i32' },
    )
    shiftIndexCache.set(id, indices)
  }
  return indices
}

/**
 * The location shift (Lecture §5.7; Graves et al. 2014, eq. 8): a circular convolution of each
 * weighting with its head's shift distribution s over the S = 2R + 1 shifts −R…R (s's entry
 * R + j is the weight of moving by j rows, wrapping around):
 *
 *   w̃_i = Σ_{j=−R}^{R} w_{(i − j) mod N} · s_j
 *
 * Shapes: w `[B, H, N]`, s `[B, H, S]` with S odd and S ≤ N (a wider range would wrap a shift
 * onto another: an ArgumentError). s one-hot at the centre (j = 0) leaves w as it is.
 *
 * @example
 * const w = T.tensor([[[1, 0, 0, 0]]])
 * assert.deepStrictEqual(T.toArray(shiftWeighting(w, T.tensor([[[0, 0, 1]]]))), [[[0, 1, 0, 0]]]) // +1
 * assert.deepStrictEqual(T.toArray(shiftWeighting(w, T.tensor([[[1, 0, 0]]]))), [[[0, 0, 0, 1]]]) // −1 wraps
 */
export const shiftWeighting = (weights: Tensor, shifts: Tensor): Tensor => {
  const fn = 'shiftWeighting'
  const w = ranked(fn, 'weights', weights, 3, '[B, H, N]')
  const [B, H, N] = w.shape
  const s = ranked(fn, 'shifts', shifts, 3, '[B, H, S]')
  const S = s.shape[2]
  sameShape(fn, 'shifts', s, [B, H, S], `B and H from weights ${T.showShape(w.shape)}`)
  if (S % 2 !== 1)
    throw new T.ArgumentError(
      `${fn}: shifts must have an odd number S = 2R + 1 of entries (shifts −R…R), got S = ${S}`,
    )
  if (S > N)
    throw new T.ArgumentError(
      `${fn}: the shift range −${(S - 1) / 2}…${(S - 1) / 2} (S = ${S}) is wider than the memory (N = ${N} rows)`,
    )
  const shifted = T.reshape(T.gather(w, shiftIndices(N, S), 2), [B, H, S, N])
  return T.reshape(T.matmul(T.reshape(s, [B, H, 1, S]), shifted), [B, H, N])
}

/**
 * Sharpening (Lecture §5.7; Graves et al. 2014, eq. 9): raises each weight to γ ≥ 1 and
 * renormalises, undoing the blur of the shift:
 *
 *   w_i = w̃_i^γ / Σ_k w̃_k^γ
 *
 * Computed as (w̃_i / max_k w̃_k)^γ / Σ_k (…)^γ, which is the same value (the scale cancels, so
 * no gradient flows through the max) and cannot underflow to 0/0 for large γ. Shapes: w̃
 * `[B, H, N]` (non-negative, not all 0), γ `[B, H]`. γ = 1 leaves a distribution as it is.
 *
 * @example
 * const w = T.toArray(sharpen(T.tensor([[[0.5, 0.25, 0.25]]]), T.tensor([[2]])))[0][0]
 * assert.deepStrictEqual(w.map((x) => Math.round(x * 6)), [4, 1, 1]) // 0.25 : 0.0625 : 0.0625
 */
export const sharpen = (weights: Tensor, gamma: Tensor): Tensor => {
  const fn = 'sharpen'
  const w = ranked(fn, 'weights', weights, 3, '[B, H, N]')
  const [B, H] = w.shape
  sameShape(fn, 'gamma', ranked(fn, 'gamma', gamma, 2, '[B, H]'), [B, H], 'from weights')
  const scaled = T.div(w, stopGradient(T.max(w, { axis: -1, keepDims: true })))
  const powered = T.pow(scaled, perHead(gamma))
  return T.div(powered, T.sum(powered, { axis: -1, keepDims: true }))
}

/** One addressing step's head outputs: per head, key, strength, gate, shift distribution, sharpening. */
export interface Addressing {
  /** k `[B, H, W]` */
  readonly keys: Tensor
  /** β ≥ 0 `[B, H]` */
  readonly beta: Tensor
  /** g ∈ [0, 1] `[B, H]` */
  readonly gate: Tensor
  /** s `[B, H, S]`, a distribution over the shifts −R…R */
  readonly shifts: Tensor
  /** γ ≥ 1 `[B, H]` */
  readonly gamma: Tensor
}

/**
 * The whole addressing of Lecture §5.7 (Graves et al. 2014, Figure 2): content, interpolation
 * with the previous weighting, shift, sharpening, for H heads at once. Shapes: memory
 * `[B, N, W]`, the previous weightings `[B, H, N]` → `[B, H, N]`.
 *
 * @example
 * const memory = T.tensor([[[1, 0], [0, 1], [-1, 0], [0, -1]]])
 * // Gate 0: ignore the content and move the previous focus (row 1) by one row.
 * const w = address(memory, T.tensor([[[0, 1, 0, 0]]]), {
 *   keys: T.tensor([[[1, 0]]]), beta: T.tensor([[1]]), gate: T.tensor([[0]]),
 *   shifts: T.tensor([[[0, 0, 1]]]), gamma: T.tensor([[1]]),
 * })
 * assert.deepStrictEqual(T.toArray(w), [[[0, 0, 1, 0]]])
 */
export const address = (memory: Tensor, previous: Tensor, head: Addressing): Tensor =>
  sharpen(
    shiftWeighting(
      interpolate(contentAddressing(memory, head.keys, head.beta), previous, head.gate),
      head.shifts,
    ),
    head.gamma,
  )

/**
 * Reading (Lecture §5.7; Graves et al. 2014, eq. 2): each head reads the rows of the memory
 * averaged by its weighting, r = Σ_i w_i M_i. Shapes: memory `[B, N, W]`, weightings
 * `[B, H, N]` → read vectors `[B, H, W]`.
 *
 * @example
 * const memory = T.tensor([[[1, 2], [3, 4]]])
 * assert.deepStrictEqual(T.toArray(readMemory(memory, T.tensor([[[0.5, 0.5]]]))), [[[2, 3]]])
 */
export const readMemory = (memory: Tensor, weights: Tensor): Tensor => {
  const fn = 'readMemory'
  const m = checkMemory(fn, memory)
  const [B, N] = m.shape
  const w = ranked(fn, 'weights', weights, 3, '[B, H, N]')
  sameShape(fn, 'weights', w, [B, w.shape[1], N], `B = ${B} and N = ${N} from memory ${T.showShape(m.shape)}`)
  return T.matmul(w, m)
}

/**
 * Writing (Lecture §5.7; Graves et al. 2014, eq. 3–4): one write head erases, then adds, each
 * row in proportion to its weight:
 *
 *   M_i ← M_i ⊙ (1 − w_i e) + w_i a
 *
 * Shapes: memory `[B, N, W]`, weighting `[B, N]`, erase e ∈ [0, 1]^W and add a `[B, W]` →
 * memory `[B, N, W]`. e = 0 and a = 0 leave the memory as it is; w one-hot at i and e = 1
 * replace row i by a.
 *
 * @example
 * const memory = T.tensor([[[1, 2], [3, 4]]])
 * const m = writeMemory(memory, T.tensor([[0, 1]]), T.tensor([[1, 1]]), T.tensor([[7, 8]]))
 * assert.deepStrictEqual(T.toArray(m), [[[1, 2], [7, 8]]])
 */
export const writeMemory = (memory: Tensor, weights: Tensor, erase: Tensor, add: Tensor): Tensor => {
  const fn = 'writeMemory'
  const m = checkMemory(fn, memory)
  const [B, N, W] = m.shape
  const from = `from memory ${T.showShape(m.shape)}`
  sameShape(fn, 'weights', ranked(fn, 'weights', weights, 2, '[B, N]'), [B, N], from)
  sameShape(fn, 'erase', ranked(fn, 'erase', erase, 2, '[B, W]'), [B, W], from)
  sameShape(fn, 'add', ranked(fn, 'add', add, 2, '[B, W]'), [B, W], from)
  const w = T.reshape(weights, [B, N, 1])
  const kept = T.mul(m, T.sub(1, T.mul(w, T.reshape(erase, [B, 1, W]))))
  return T.add(kept, T.mul(w, T.reshape(add, [B, 1, W])))
}

/** How an NTM cell is built: the memory's size and the range of its location shifts. */
export interface NtmOptions {
  /** N, the memory's rows (default 32). */
  readonly memoryRows?: number
  /** W, each row's width (default 16). */
  readonly memoryWidth?: number
  /** R: the heads shift by −R…R rows (default 1; 2R + 1 ≤ N). */
  readonly shiftRange?: number
}

/**
 * An NTM cell's params: the feedforward controller and the layer that turns its output into both
 * heads' addressing, erase and add vectors.
 */
export interface NtmParams {
  /** Controller `[C, I + W]` and `[C]`: h = tanh(W_c·[x; r_{t−1}] + b_c). */
  readonly W_c: Tensor
  readonly b_c: Tensor
  /** Heads `[P, C]` and `[P]`, P = 2W + 4 + 2 + 2S + 2W (keys, β and γ, g, s, erase and add). */
  readonly W_h: Tensor
  readonly b_h: Tensor
}

/** An NTM's state: the memory, the last read vector and both heads' last weightings (read, write). */
export interface NtmState {
  readonly memory: Tensor
  readonly read: Tensor
  readonly weights: Tensor
}

/** The constant every memory cell starts at (small, so content addressing starts uniform). */
export const MEMORY_INIT = 1e-6

/** softplus(x) = log(1 + eˣ), stably: max(x, 0) + log(1 + e^−|x|). */
const softplus = (x: Tensor): Tensor => T.add(T.relu(x), T.log(T.add(1, T.exp(T.neg(T.abs(x))))))

const positive = (fn: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new T.ArgumentError(`${fn}: ${name} must be a positive integer, got ${String(v)}`)
  return v
}

/**
 * A Neural Turing Machine as a recurrent cell (Lecture §5.7): a feedforward controller of C
 * units (`hiddenSize`) reads the input and the previous read vector, and one read head and one
 * write head address the memory through `address`. Per step, with both heads addressing the
 * memory M_{t−1} as it was before the step:
 *
 *   h_t = tanh(W_c·[x_t; r_{t−1}] + b_c)
 *   (k, β, g, s, γ) per head, e, a = W_h·h_t + b_h  (β, γ − 1 softplus; g, e sigmoid; s softmax; a tanh)
 *   r_t = read(M_{t−1}, w^r_t),   M_t = write(M_{t−1}, w^w_t, e, a),   y_t = [h_t; r_t]
 *
 * The output y_t `[B, C + W]` feeds a readout layer. The state starts with every memory cell at
 * `MEMORY_INIT`, a zero read vector and both weightings on row 0 (a fixed start for the shifts).
 * `rnn(ntm())` runs it over a sequence `[T, B, I]`.
 *
 * @example
 * const cell = ntm({ memoryRows: 8, memoryWidth: 4 })
 * const p = cell.init(T.key(0), { inputSize: 3, hiddenSize: 10 })
 * const [s, y] = cell.step(p, cell.initialState(p, 2), T.ones([2, 3]))
 * assert.deepStrictEqual([T.shape(s.memory), T.shape(s.weights), T.shape(y)], [[2, 8, 4], [2, 2, 8], [2, 14]])
 */
export const ntm = (options: NtmOptions = {}): Cell<NtmParams, NtmState> => {
  const name = 'ntm'
  const N = positive(name, 'memoryRows', options.memoryRows ?? 32)
  const W = positive(name, 'memoryWidth', options.memoryWidth ?? 16)
  const R = options.shiftRange ?? 1
  if (!Number.isInteger(R) || R < 0)
    throw new T.ArgumentError(`${name}: shiftRange must be a non-negative integer, got ${String(R)}`)
  const S = 2 * R + 1
  if (S > N)
    throw new T.ArgumentError(
      `${name}: the shift range −${R}…${R} (${S} shifts) is wider than the memory (memoryRows = ${N})`,
    )
  // The heads layer's outputs, in order: 2 keys, β and γ of both heads, g of both heads, 2 shift
  // distributions, erase, add.
  const P = 2 * W + 4 + 2 + 2 * S + 2 * W
  const cell: Cell<NtmParams, NtmState> = {
    name,
    init: (key, o) => {
      const I = positive(`${name}.init`, 'inputSize', o?.inputSize)
      const C = positive(`${name}.init`, 'hiddenSize', o.hiddenSize)
      const dtype = o.dtype ?? 'f32'
      const [kc, kh] = T.split(key, 2)
      return {
        W_c: glorotUniform(kc, [C, I + W], dtype),
        b_c: T.zeros([C], dtype),
        W_h: glorotUniform(kh, [P, C], dtype),
        b_h: T.zeros([P], dtype),
      }
    },
    initialState: (p, batch) => {
      const dtype = p.W_c.dtype
      const first = T.tensor(
        Array.from({ length: batch * 2 * N }, (_, i) => (i % N === 0 ? 1 : 0)),
        { dtype },
      )
      return {
        memory: T.full([batch, N, W], MEMORY_INIT, dtype),
        read: T.zeros([batch, W], dtype),
        weights: T.reshape(first, [batch, 2, N]),
      }
    },
    step: (p, state, x) => {
      const B = state.memory.shape[0]
      const I = p.W_c.shape[1] - W
      if (!T.isTensor(x) || x.rank !== 2 || x.shape[0] !== B || x.shape[1] !== I)
        throw new T.ShapeError(`${name}.step: x must be [${B}, ${I}], got ${shapeOf(x)}`)
      const h = T.tanh(affine(T.concat([x, state.read], -1), p.W_c, p.b_c))
      const o = affine(h, p.W_h, p.b_h)
      const part = (from: number, size: number): Tensor => T.slice(o, [0, from], [B, size])
      const positives = softplus(part(2 * W, 4)) // β of both heads, then γ − 1
      const gated = T.sigmoid(part(2 * W + 4, 2 + W)) // g of both heads, then erase
      const head: Addressing = {
        keys: T.reshape(part(0, 2 * W), [B, 2, W]),
        beta: T.slice(positives, [0, 0], [B, 2]),
        gamma: T.add(T.slice(positives, [0, 2], [B, 2]), 1),
        gate: T.slice(gated, [0, 0], [B, 2]),
        shifts: T.softmax(T.reshape(part(2 * W + 6 + W, 2 * S), [B, 2, S]), { axis: -1 }),
      }
      const erase = T.slice(gated, [0, 2], [B, W])
      const add = T.tanh(part(2 * W + 6 + W + 2 * S, W))
      const weights = address(state.memory, state.weights, head)
      const read = T.reshape(readMemory(state.memory, T.slice(weights, [0, 0, 0], [B, 1, N])), [B, W])
      const written = T.reshape(T.slice(weights, [0, 1, 0], [B, 1, N]), [B, N])
      const memory = writeMemory(state.memory, written, erase, add)
      return [{ memory, read, weights }, T.concat([h, read], -1)]
    },
    outputSize: (p) => p.W_c.shape[0] + W,
    inputSize: (p) => p.W_c.shape[1] - W,
  }
  return cell
}
