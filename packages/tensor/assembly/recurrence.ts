// The f32 LSTM and GRU recurrences over a whole sequence, forward and backward, with their
// operands resident in linear memory for the whole call (see src/wasm-recurrence.ts, which lays
// them out). Nothing is allocated here.
//
// Padded layout: a hidden vector of H elements occupies Hp = ⌈H/4⌉·4 lanes, so every gate block
// starts on a whole f32x4 and no lane loop is needed; the extra lanes hold 0 and stay 0 (their
// weights, biases and inputs are 0). `[T, B, Hp]` is a sequence of states, `[T, B, gates·Hp]` a
// sequence of gate pre-activations (gate g of row b at column g·Hp + j).

import { tile1x8, tile4x8 } from './tiles'

// ---------------------------------------------------------------------------------------------
// Vectorised elementary functions, f32x4. Branch-free: every lane computes both sides of a
// choice and selects. NaN passes through (min/max propagate it); ±0, ±∞ and subnormals give the
// IEEE values (see src/wasm-recurrence.ts for the errors measured against the f64 formulas).

const LOG2E: f32 = 1.44269504088896341
/** ln 2 split in two (Cody–Waite): LN2_HI has 9 significant bits, so n·LN2_HI is exact for |n| ≤ 2⁸. */
const LN2_HI: f32 = 0.693359375
const LN2_LO: f32 = -2.12194440e-4
/** Minimax coefficients of (e^r − 1 − r)/r² on |r| ≤ ln2/2 (Cephes expf). */
const E0: f32 = 1.98756915e-4
const E1: f32 = 1.39819995e-3
const E2: f32 = 8.33345191e-3
const E3: f32 = 4.16657959e-2
const E4: f32 = 1.66666655e-1
const E5: f32 = 5.00000012e-1
/** tanh x = x + x³·P(x²) for |x| < TANH_SMALL; P fitted for relative error (≈1e-9 in exact arithmetic). */
const TANH_SMALL: f32 = 0.5625
const T0: f32 = -0.333333134651184
const T1: f32 = 0.1333245187997818
const T2: f32 = -0.05383743718266487
const T3: f32 = 0.021007487550377846
const T4: f32 = -0.006179844960570335

/**
 * e^x per lane: x = n·ln2 + r with n = round(x·log₂e), |r| ≤ ln2/2, e^r by a degree-7 polynomial,
 * then ·2^n applied as two exact powers 2^⌊n/2⌋·2^(n−⌊n/2⌋), so results in the subnormal range are
 * rounded once. x is clamped to [−104, 89] first (e^−104 rounds to 0, e^89 overflows to ∞).
 */
// @ts-ignore: decorator
@inline
function expv(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-104.0)), f32x4.splat(89.0))
  const fx = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)))
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(fx, f32x4.splat(LN2_HI))), f32x4.mul(fx, f32x4.splat(LN2_LO)))
  let p = f32x4.splat(E0)
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E1))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E2))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E3))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E4))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E5))
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0))
  const n = i32x4.trunc_sat_f32x4_s(fx)
  const n1 = i32x4.shr_s(n, 1)
  const n2 = i32x4.sub(n, n1)
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23)
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23)
  return f32x4.mul(f32x4.mul(y, s1), s2)
}

/** σ(x) = 1/(1 + e^−|x|) for x ≥ 0, e^−|x|/(1 + e^−|x|) below: no overflow, full relative accuracy as σ → 0. */
// @ts-ignore: decorator
@inline
function sigmoidv(x: v128): v128 {
  const e = expv(f32x4.neg(f32x4.abs(x)))
  const s = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e))
  return v128.bitselect(s, f32x4.mul(e, s), f32x4.ge(x, f32x4.splat(0.0)))
}

/**
 * tanh x: for |x| < 0.5625 the odd polynomial x + x³·P(x²) (no cancellation near 0; subnormal x
 * returns x), else 1 − 2/(e^{2|x|} + 1) (→ 1 as e^{2|x|} overflows); the magnitude takes x's sign.
 */
// @ts-ignore: decorator
@inline
function tanhv(x: v128): v128 {
  const a = f32x4.abs(x)
  const s = f32x4.mul(x, x)
  let p = f32x4.splat(T4)
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(T3))
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(T2))
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(T1))
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(T0))
  const small = f32x4.add(x, f32x4.mul(f32x4.mul(x, s), p))
  const e = expv(f32x4.add(a, a))
  const big = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))))
  // |tanh x| from either side, then x's sign (so tanh(−0) = −0).
  const magnitude = f32x4.abs(v128.bitselect(small, big, f32x4.lt(a, f32x4.splat(TANH_SMALL))))
  return v128.or(magnitude, v128.and(x, i32x4.splat(0x80000000)))
}

// @ts-ignore: decorator
@inline
function activation(kind: i32, x: v128): v128 {
  return kind == 0 ? expv(x) : kind == 1 ? sigmoidv(x) : tanhv(x)
}

/**
 * dst[i] = f(src[i]) for n elements, f = e^x (kind 0), σ (1) or tanh (2): the vectorised functions
 * above over an array, the last 1–3 elements as lanes of one zero-filled vector.
 */
export function mapActivation(kind: i32, src: usize, dst: usize, n: i32): void {
  let i = 0
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), activation(kind, v128.load(src + (<usize>i << 2))))
  const rest = n - i
  if (rest == 0) return
  const s = src + (<usize>i << 2)
  const d = dst + (<usize>i << 2)
  let v = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(s))
  if (rest > 1) v = f32x4.replace_lane(v, 1, load<f32>(s, 4))
  if (rest > 2) v = f32x4.replace_lane(v, 2, load<f32>(s, 8))
  const y = activation(kind, v)
  store<f32>(d, f32x4.extract_lane(y, 0))
  if (rest > 1) store<f32>(d, f32x4.extract_lane(y, 1), 4)
  if (rest > 2) store<f32>(d, f32x4.extract_lane(y, 2), 8)
}

// ---------------------------------------------------------------------------------------------
// The recurrent products, on weights packed once per call into 8-column panels.

/**
 * Packs op(B) for the forward product z = h·W_hhᵀ (W `[gates·H, H]` row-major) into panels of 8
 * columns, k = H rows each: op(B)(p, g·Hp + j) = W[g·H + j, p] for j < H, else 0; the columns are
 * padded to nP = ⌈gates·Hp/8⌉·8.
 */
export function packForward(w: usize, dst: usize, gates: i32, H: i32, Hp: i32): void {
  const n = gates * Hp
  const nP = (n + 7) & ~7
  for (let q = 0; q < nP; q += 8) {
    const panel = dst + ((<usize>q * <usize>H) << 2)
    for (let p = 0; p < H; p++)
      for (let jj = 0; jj < 8; jj++) {
        const col = q + jj
        const g = col / Hp
        const j = col % Hp
        const v: f32 = col < n && j < H ? load<f32>(w + ((<usize>(g * H + j) * <usize>H + <usize>p) << 2)) : 0
        store<f32>(panel + (<usize>(p * 8 + jj) << 2), v)
      }
  }
}

/**
 * Packs op(B) for the backward product ∂h = ∂z·W_hh into panels of 8 columns, k = gates·Hp rows
 * each: op(B)(g·Hp + j, col) = W[g·H + j, col] for j < H and col < H, else 0; the columns are
 * padded to ⌈Hp/8⌉·8.
 */
export function packBackward(w: usize, dst: usize, gates: i32, H: i32, Hp: i32): void {
  const k = gates * Hp
  const nP = (Hp + 7) & ~7
  for (let q = 0; q < nP; q += 8) {
    const panel = dst + ((<usize>q * <usize>k) << 2)
    for (let p = 0; p < k; p++) {
      const g = p / Hp
      const j = p % Hp
      for (let jj = 0; jj < 8; jj++) {
        const col = q + jj
        const v: f32 = j < H && col < H ? load<f32>(w + ((<usize>(g * H + j) * <usize>H + <usize>col) << 2)) : 0
        store<f32>(panel + (<usize>(p * 8 + jj) << 2), v)
      }
    }
  }
}

/**
 * C[m × nP] = A[m × k]·P with P packed by packForward/packBackward (nP a multiple of 8); A's rows
 * are `aRow` bytes apart, C's `rowC`. The same 4×8 register tiles as the matmul kernel.
 */
// @ts-ignore: decorator
@inline
function panelProduct(a: usize, aRow: usize, packed: usize, c: usize, rowC: usize, m: i32, k: i32, nP: i32): void {
  for (let q = 0; q < nP; q += 8) {
    const panel = packed + ((<usize>q * <usize>k) << 2)
    const cq = c + (<usize>q << 2)
    let i = 0
    for (; i + 4 <= m; i += 4) tile4x8(a + <usize>i * aRow, panel, cq + <usize>i * rowC, k, aRow, 4, rowC)
    for (; i < m; i++) tile1x8(a + <usize>i * aRow, panel, cq + <usize>i * rowC, k, 4)
  }
}

// ---------------------------------------------------------------------------------------------
// LSTM (gate order i, f, g, o).

/**
 * The LSTM forward over `steps` steps. In: xp `[T, B, 4Hp]` (x·W_ihᵀ + b_ih), packed (packForward
 * of W_hh, 4 gates), bh `[4Hp]`, h and c `[B, Hp]` (the initial state, overwritten by the final
 * one), lengths `[B]` i32. Out: out `[T, B, Hp]` (0 at padded steps). z: scratch `[B, ⌈4Hp/8⌉·8]`.
 * When saved ≠ 0 it receives, for the backward pass, gates `[T, B, 5Hp]` (i, f, g, o, tanh c_t),
 * then h_{t−1} `[T, B, Hp]`, then c_{t−1} `[T, B, Hp]`. Per step and element:
 *   z = xp_t + h_{t−1}·W_hhᵀ + b_hh,  i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o)
 *   c_t = g·i + c_{t−1}·f,  h_t = tanh(c_t)·o
 * and rows with t ≥ lengths[b] keep their state.
 *
 * Only the batch rows b0 ≤ b < b1 are computed (the arrays are laid out for all B): rows never
 * read each other, so two threads may run disjoint ranges over the same arrays at once.
 */
export function lstmForward(
  xp: usize,
  packed: usize,
  bh: usize,
  h: usize,
  c: usize,
  lengths: usize,
  out: usize,
  z: usize,
  saved: usize,
  steps: i32,
  B: i32,
  H: i32,
  Hp: i32,
  b0: i32,
  b1: i32,
): void {
  const rowH = <usize>Hp << 2
  const first = <usize>b0
  const rows = <usize>(b1 - b0)
  const rowG = rowH << 2
  const nP = (4 * Hp + 7) & ~7
  const rowZ = <usize>nP << 2
  const n = <usize>steps * <usize>B * rowH // bytes of one [T, B, Hp]
  const hSave = saved + 5 * n
  const cSave = hSave + n
  for (let t = 0; t < steps; t++) {
    const tb = <usize>t * <usize>B
    if (saved != 0) {
      memory.copy(hSave + (tb + first) * rowH, h + first * rowH, rows * rowH)
      memory.copy(cSave + (tb + first) * rowH, c + first * rowH, rows * rowH)
    }
    panelProduct(h + first * rowH, rowH, packed, z + first * rowZ, rowZ, b1 - b0, H, nP)
    for (let b = b0; b < b1; b++) {
      const row = tb + <usize>b
      const o = out + row * rowH
      if (t >= load<i32>(lengths + (<usize>b << 2))) {
        memory.fill(o, 0, rowH)
        continue
      }
      const x = xp + row * rowG
      const r = z + <usize>b * rowZ
      const hb = h + <usize>b * rowH
      const cb = c + <usize>b * rowH
      const s = saved + row * 5 * rowH
      for (let j: usize = 0; j < rowH; j += 16) {
        const zi = f32x4.add(f32x4.add(v128.load(x + j), v128.load(r + j)), v128.load(bh + j))
        const zf = f32x4.add(f32x4.add(v128.load(x + rowH + j), v128.load(r + rowH + j)), v128.load(bh + rowH + j))
        const zg = f32x4.add(
          f32x4.add(v128.load(x + 2 * rowH + j), v128.load(r + 2 * rowH + j)),
          v128.load(bh + 2 * rowH + j),
        )
        const zo = f32x4.add(
          f32x4.add(v128.load(x + 3 * rowH + j), v128.load(r + 3 * rowH + j)),
          v128.load(bh + 3 * rowH + j),
        )
        const i = sigmoidv(zi)
        const f = sigmoidv(zf)
        const g = tanhv(zg)
        const og = sigmoidv(zo)
        const cn = f32x4.add(f32x4.mul(g, i), f32x4.mul(v128.load(cb + j), f))
        const th = tanhv(cn)
        const hv = f32x4.mul(th, og)
        v128.store(hb + j, hv)
        v128.store(cb + j, cn)
        v128.store(o + j, hv)
        if (saved != 0) {
          v128.store(s + j, i)
          v128.store(s + rowH + j, f)
          v128.store(s + 2 * rowH + j, g)
          v128.store(s + 3 * rowH + j, og)
          v128.store(s + 4 * rowH + j, th)
        }
      }
    }
  }
}

/**
 * The LSTM backward over the steps in reverse. In: dy `[T, B, Hp]` (the outputs' cotangent), dh
 * and dc `[B, Hp]` (the final state's cotangent, overwritten by the initial state's), saved (as
 * lstmForward wrote it), packed (packBackward of W_hh, 4 gates), lengths. Out: dz `[T, B, 4Hp]`,
 * the cotangent of z (0 at padded steps). rec: scratch `[B, ⌈Hp/8⌉·8]`. Per step and element, with
 * ∂h = dh + dy_t:
 *   ∂z_o = ∂h·tanh(c_t)·o(1−o),  ∂c_t = dc + ∂h·o·(1 − tanh²c_t)
 *   ∂z_i = ∂c_t·g·i(1−i),  ∂z_f = ∂c_t·c_{t−1}·f(1−f),  ∂z_g = ∂c_t·i·(1−g²)
 *   dc ← ∂c_t·f,  dh ← ∂z·W_hh
 * and rows with t ≥ lengths[b] pass dh and dc through unchanged.
 *
 * Only the batch rows b0 ≤ b < b1 are computed (the arrays are laid out for all B): rows never
 * read each other, so two threads may run disjoint ranges over the same arrays at once.
 */
export function lstmBackward(
  dy: usize,
  dh: usize,
  dc: usize,
  saved: usize,
  packed: usize,
  lengths: usize,
  dz: usize,
  rec: usize,
  steps: i32,
  B: i32,
  Hp: i32,
  b0: i32,
  b1: i32,
): void {
  const rowH = <usize>Hp << 2
  const first = <usize>b0
  const rowG = rowH << 2
  const nP = (Hp + 7) & ~7
  const rowR = <usize>nP << 2
  const n = <usize>steps * <usize>B * rowH
  const cPrev = saved + 6 * n
  const one = f32x4.splat(1.0)
  for (let t = steps - 1; t >= 0; t--) {
    const tb = <usize>t * <usize>B
    for (let b = b0; b < b1; b++) {
      const row = tb + <usize>b
      const d = dz + row * rowG
      if (t >= load<i32>(lengths + (<usize>b << 2))) {
        memory.fill(d, 0, rowG)
        continue
      }
      const s = saved + row * 5 * rowH
      const cp = cPrev + row * rowH
      const y = dy + row * rowH
      const dhb = dh + <usize>b * rowH
      const dcb = dc + <usize>b * rowH
      for (let j: usize = 0; j < rowH; j += 16) {
        const i = v128.load(s + j)
        const f = v128.load(s + rowH + j)
        const g = v128.load(s + 2 * rowH + j)
        const o = v128.load(s + 3 * rowH + j)
        const th = v128.load(s + 4 * rowH + j)
        const dhe = f32x4.add(v128.load(dhb + j), v128.load(y + j))
        const dzo = f32x4.mul(f32x4.mul(dhe, th), f32x4.mul(o, f32x4.sub(one, o)))
        const dcn = f32x4.add(
          v128.load(dcb + j),
          f32x4.mul(f32x4.mul(dhe, o), f32x4.sub(one, f32x4.mul(th, th))),
        )
        v128.store(d + j, f32x4.mul(f32x4.mul(dcn, g), f32x4.mul(i, f32x4.sub(one, i))))
        v128.store(d + rowH + j, f32x4.mul(f32x4.mul(dcn, v128.load(cp + j)), f32x4.mul(f, f32x4.sub(one, f))))
        v128.store(d + 2 * rowH + j, f32x4.mul(f32x4.mul(dcn, i), f32x4.sub(one, f32x4.mul(g, g))))
        v128.store(d + 3 * rowH + j, dzo)
        v128.store(dcb + j, f32x4.mul(dcn, f))
      }
    }
    panelProduct(dz + (tb + first) * rowG, rowG, packed, rec + first * rowR, rowR, b1 - b0, 4 * Hp, nP)
    for (let b = b0; b < b1; b++)
      if (t < load<i32>(lengths + (<usize>b << 2))) memory.copy(dh + <usize>b * rowH, rec + <usize>b * rowR, rowH)
  }
}

// ---------------------------------------------------------------------------------------------
// GRU (PyTorch's formulation, gate order r, z, n).

/**
 * The GRU forward. In: xp `[T, B, 3Hp]`, packed (packForward of W_hh, 3 gates), bh `[3Hp]`, h
 * `[B, Hp]` (initial state, overwritten by the final one), lengths. Out: out `[T, B, Hp]`. z:
 * scratch `[B, ⌈3Hp/8⌉·8]`. When saved ≠ 0 it receives gates `[T, B, 4Hp]` (r, z, n, gh_n), then
 * h_{t−1} `[T, B, Hp]`. Per step and element, with gh = h_{t−1}·W_hhᵀ + b_hh:
 *   r = σ(xp_r + gh_r),  z = σ(xp_z + gh_z),  n = tanh(xp_n + r·gh_n),  h_t = (1 − z)·n + z·h_{t−1}
 *
 * Only the batch rows b0 ≤ b < b1 are computed (the arrays are laid out for all B): rows never
 * read each other, so two threads may run disjoint ranges over the same arrays at once.
 */
export function gruForward(
  xp: usize,
  packed: usize,
  bh: usize,
  h: usize,
  lengths: usize,
  out: usize,
  z: usize,
  saved: usize,
  steps: i32,
  B: i32,
  H: i32,
  Hp: i32,
  b0: i32,
  b1: i32,
): void {
  const rowH = <usize>Hp << 2
  const first = <usize>b0
  const rows = <usize>(b1 - b0)
  const rowG = <usize>3 * rowH
  const nP = (3 * Hp + 7) & ~7
  const rowZ = <usize>nP << 2
  const n = <usize>steps * <usize>B * rowH
  const hSave = saved + 4 * n
  const one = f32x4.splat(1.0)
  for (let t = 0; t < steps; t++) {
    const tb = <usize>t * <usize>B
    if (saved != 0) memory.copy(hSave + (tb + first) * rowH, h + first * rowH, rows * rowH)
    panelProduct(h + first * rowH, rowH, packed, z + first * rowZ, rowZ, b1 - b0, H, nP)
    for (let b = b0; b < b1; b++) {
      const row = tb + <usize>b
      const o = out + row * rowH
      if (t >= load<i32>(lengths + (<usize>b << 2))) {
        memory.fill(o, 0, rowH)
        continue
      }
      const x = xp + row * rowG
      const r = z + <usize>b * rowZ
      const hb = h + <usize>b * rowH
      const s = saved + row * 4 * rowH
      for (let j: usize = 0; j < rowH; j += 16) {
        const ghn = f32x4.add(v128.load(r + 2 * rowH + j), v128.load(bh + 2 * rowH + j))
        const rg = sigmoidv(f32x4.add(f32x4.add(v128.load(x + j), v128.load(r + j)), v128.load(bh + j)))
        const zg = sigmoidv(
          f32x4.add(f32x4.add(v128.load(x + rowH + j), v128.load(r + rowH + j)), v128.load(bh + rowH + j)),
        )
        const nn = tanhv(f32x4.add(v128.load(x + 2 * rowH + j), f32x4.mul(rg, ghn)))
        const hv = f32x4.add(f32x4.mul(f32x4.sub(one, zg), nn), f32x4.mul(zg, v128.load(hb + j)))
        v128.store(hb + j, hv)
        v128.store(o + j, hv)
        if (saved != 0) {
          v128.store(s + j, rg)
          v128.store(s + rowH + j, zg)
          v128.store(s + 2 * rowH + j, nn)
          v128.store(s + 3 * rowH + j, ghn)
        }
      }
    }
  }
}

/**
 * The GRU backward. In: dy `[T, B, Hp]`, dh `[B, Hp]` (final state's cotangent, overwritten by the
 * initial state's), saved (as gruForward wrote it), packed (packBackward of W_hh, 3 gates),
 * lengths. Out: dgx and dgh `[T, B, 3Hp]`, the cotangents of the input part and of the recurrent
 * part gh (0 at padded steps). rec: scratch `[B, ⌈Hp/8⌉·8]`. Per step and element, ∂h = dh + dy_t:
 *   ∂a_n = ∂h·(1 − z)·(1 − n²),  ∂a_r = ∂a_n·gh_n·r(1 − r),  ∂a_z = ∂h·(h_{t−1} − n)·z(1 − z)
 *   dgx = [∂a_r, ∂a_z, ∂a_n],  dgh = [∂a_r, ∂a_z, ∂a_n·r],  dh ← ∂h·z + dgh·W_hh
 *
 * Only the batch rows b0 ≤ b < b1 are computed (the arrays are laid out for all B): rows never
 * read each other, so two threads may run disjoint ranges over the same arrays at once.
 */
export function gruBackward(
  dy: usize,
  dh: usize,
  saved: usize,
  packed: usize,
  lengths: usize,
  dgx: usize,
  dgh: usize,
  rec: usize,
  steps: i32,
  B: i32,
  Hp: i32,
  b0: i32,
  b1: i32,
): void {
  const rowH = <usize>Hp << 2
  const first = <usize>b0
  const rowG = <usize>3 * rowH
  const nP = (Hp + 7) & ~7
  const rowR = <usize>nP << 2
  const n = <usize>steps * <usize>B * rowH
  const hPrev = saved + 4 * n
  const one = f32x4.splat(1.0)
  for (let t = steps - 1; t >= 0; t--) {
    const tb = <usize>t * <usize>B
    for (let b = b0; b < b1; b++) {
      const row = tb + <usize>b
      const dx = dgx + row * rowG
      const dr = dgh + row * rowG
      if (t >= load<i32>(lengths + (<usize>b << 2))) {
        memory.fill(dx, 0, rowG)
        memory.fill(dr, 0, rowG)
        continue
      }
      const s = saved + row * 4 * rowH
      const hp = hPrev + row * rowH
      const y = dy + row * rowH
      const dhb = dh + <usize>b * rowH
      for (let j: usize = 0; j < rowH; j += 16) {
        const rg = v128.load(s + j)
        const zg = v128.load(s + rowH + j)
        const nn = v128.load(s + 2 * rowH + j)
        const ghn = v128.load(s + 3 * rowH + j)
        const dhe = f32x4.add(v128.load(dhb + j), v128.load(y + j))
        const dan = f32x4.mul(f32x4.mul(dhe, f32x4.sub(one, zg)), f32x4.sub(one, f32x4.mul(nn, nn)))
        const dar = f32x4.mul(f32x4.mul(dan, ghn), f32x4.mul(rg, f32x4.sub(one, rg)))
        const daz = f32x4.mul(f32x4.mul(dhe, f32x4.sub(v128.load(hp + j), nn)), f32x4.mul(zg, f32x4.sub(one, zg)))
        v128.store(dx + j, dar)
        v128.store(dx + rowH + j, daz)
        v128.store(dx + 2 * rowH + j, dan)
        v128.store(dr + j, dar)
        v128.store(dr + rowH + j, daz)
        v128.store(dr + 2 * rowH + j, f32x4.mul(dan, rg))
        v128.store(dhb + j, f32x4.mul(dhe, zg))
      }
    }
    panelProduct(dgh + (tb + first) * rowG, rowG, packed, rec + first * rowR, rowR, b1 - b0, 3 * Hp, nP)
    for (let b = b0; b < b1; b++) {
      if (t >= load<i32>(lengths + (<usize>b << 2))) continue
      const dhb = dh + <usize>b * rowH
      const rb = rec + <usize>b * rowR
      for (let j: usize = 0; j < rowH; j += 16) v128.store(dhb + j, f32x4.add(v128.load(dhb + j), v128.load(rb + j)))
    }
  }
}

/**
 * dst[r, j] += bias[j] over `rows` rows of `cols` f32 columns (cols a multiple of 4): the input
 * projection's bias, added once to every step's row.
 */
export function addBias(dst: usize, rows: i32, cols: i32, bias: usize): void {
  const row = <usize>cols << 2
  let p = dst
  for (let r = 0; r < rows; r++) {
    for (let j: usize = 0; j < row; j += 16) v128.store(p + j, f32x4.add(v128.load(p + j), v128.load(bias + j)))
    p += row
  }
}

/**
 * dst[j] = Σ_r src[r, j] over `rows` rows of `cols` f32 columns, accumulated in f64 (acc: scratch
 * of `cols` f64), rounded to f32 once: the bias gradient of a recurrence, Σ over steps and batch.
 */
export function columnSums(src: usize, rows: i32, cols: i32, acc: usize, dst: usize): void {
  const bytes = <usize>cols << 3
  memory.fill(acc, 0, bytes)
  let p = src
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const a = acc + (<usize>j << 3)
      store<f64>(a, load<f64>(a) + <f64>load<f32>(p + (<usize>j << 2)))
    }
    p += <usize>cols << 2
  }
  for (let j = 0; j < cols; j++) store<f32>(dst + (<usize>j << 2), <f32>load<f64>(acc + (<usize>j << 3)))
}
