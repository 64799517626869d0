// WebAssembly SIMD kernels for f32 (built by `pnpm build` with AssemblyScript; see asconfig.json).
// Raw pointers into linear memory: the TypeScript side copies the operands in, laid out
// row-major and contiguous, and copies the result out. No allocation happens here.

/**
 * C[m×n] = A[m×k] · B[k×n], all row-major f32. For each block of 8 columns, B's k×8 panel is
 * first copied into `scratch` (k·32 bytes) so the inner loop streams it contiguously whatever n
 * is; register tiles of 4 rows × 8 columns then keep eight f32x4 accumulators: each step of k
 * loads two vectors of the panel and four scalars of A for 32 multiply-adds. Rows and columns
 * that do not fill a tile are finished by narrower loops.
 */
export function matmul(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, scratch: usize): void {
  const n8 = n & ~7
  const rowA = (<usize>k) << 2
  const rowC = (<usize>n) << 2
  for (let j = 0; j < n8; j += 8) {
    let src = b + (<usize>j << 2)
    let dst = scratch
    for (let p = 0; p < k; p++) {
      v128.store(dst, v128.load(src))
      v128.store(dst, v128.load(src, 16), 16)
      src += rowC
      dst += 32
    }
    const cj = c + (<usize>j << 2)
    let i = 0
    for (; i + 4 <= m; i += 4) tile4x8(a + <usize>i * rowA, scratch, cj + <usize>i * rowC, k, rowA, rowC)
    for (; i < m; i++) tile1x8(a + <usize>i * rowA, scratch, cj + <usize>i * rowC, k)
  }
  for (let j = n8; j < n; j++) {
    for (let i = 0; i < m; i++) store<f32>(c + <usize>i * rowC + (<usize>j << 2), dot(a + <usize>i * rowA, b + (<usize>j << 2), k, rowC))
  }
}

// @ts-ignore: decorator
@inline
function tile4x8(a: usize, panel: usize, c: usize, k: i32, rowA: usize, rowC: usize): void {
  let c00 = f32x4.splat(0)
  let c01 = f32x4.splat(0)
  let c10 = f32x4.splat(0)
  let c11 = f32x4.splat(0)
  let c20 = f32x4.splat(0)
  let c21 = f32x4.splat(0)
  let c30 = f32x4.splat(0)
  let c31 = f32x4.splat(0)
  let pa = a
  let pb = panel
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb)
    const b1 = v128.load(pb, 16)
    const x0 = f32x4.splat(load<f32>(pa))
    const x1 = f32x4.splat(load<f32>(pa + rowA))
    const x2 = f32x4.splat(load<f32>(pa + 2 * rowA))
    const x3 = f32x4.splat(load<f32>(pa + 3 * rowA))
    c00 = f32x4.add(c00, f32x4.mul(x0, b0))
    c01 = f32x4.add(c01, f32x4.mul(x0, b1))
    c10 = f32x4.add(c10, f32x4.mul(x1, b0))
    c11 = f32x4.add(c11, f32x4.mul(x1, b1))
    c20 = f32x4.add(c20, f32x4.mul(x2, b0))
    c21 = f32x4.add(c21, f32x4.mul(x2, b1))
    c30 = f32x4.add(c30, f32x4.mul(x3, b0))
    c31 = f32x4.add(c31, f32x4.mul(x3, b1))
    pa += 4
    pb += 32
  }
  v128.store(c, c00)
  v128.store(c, c01, 16)
  v128.store(c + rowC, c10)
  v128.store(c + rowC, c11, 16)
  v128.store(c + 2 * rowC, c20)
  v128.store(c + 2 * rowC, c21, 16)
  v128.store(c + 3 * rowC, c30)
  v128.store(c + 3 * rowC, c31, 16)
}

// @ts-ignore: decorator
@inline
function tile1x8(a: usize, panel: usize, c: usize, k: i32): void {
  let c0 = f32x4.splat(0)
  let c1 = f32x4.splat(0)
  let pb = panel
  for (let p = 0; p < k; p++) {
    const x = f32x4.splat(load<f32>(a + (<usize>p << 2)))
    c0 = f32x4.add(c0, f32x4.mul(x, v128.load(pb)))
    c1 = f32x4.add(c1, f32x4.mul(x, v128.load(pb, 16)))
    pb += 32
  }
  v128.store(c, c0)
  v128.store(c, c1, 16)
}

// @ts-ignore: decorator
@inline
function dot(a: usize, b: usize, k: i32, rowB: usize): f32 {
  let s: f32 = 0
  for (let p = 0; p < k; p++) s += load<f32>(a + (<usize>p << 2)) * load<f32>(b + <usize>p * rowB)
  return s
}
