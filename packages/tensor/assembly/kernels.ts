// WebAssembly SIMD kernels for f32 (built by `pnpm build` with AssemblyScript; see asconfig.json).
// Raw pointers into linear memory: the TypeScript side copies the operands in and the result
// out. No allocation happens here.

/**
 * C[m×n] = op(A)·op(B), f32. Operands are addressed through strides (in bytes), so a transposed
 * operand is read in place: element (i, p) of op(A) is at a + i·aRow + p·aCol, element (p, j)
 * of op(B) at b + p·bRow + j·bCol; C is row-major. For each block of 8 columns, op(B)'s k×8 panel
 * is first packed into `scratch` (k·32 bytes) so the inner loop streams it contiguously; register
 * tiles of 4 rows × 8 columns then keep eight f32x4 accumulators: each step of k loads two
 * vectors of the panel and four scalars of A for 32 multiply-adds. Rows and columns that do not
 * fill a tile are finished by narrower loops.
 */
export function matmul(
  a: usize,
  b: usize,
  c: usize,
  m: i32,
  k: i32,
  n: i32,
  scratch: usize,
  aRow: usize,
  aCol: usize,
  bRow: usize,
  bCol: usize,
): void {
  const n8 = n & ~7
  const rowC = (<usize>n) << 2
  for (let j = 0; j < n8; j += 8) {
    pack(b + <usize>j * bCol, scratch, k, bRow, bCol)
    const cj = c + (<usize>j << 2)
    let i = 0
    for (; i + 4 <= m; i += 4) tile4x8(a + <usize>i * aRow, scratch, cj + <usize>i * rowC, k, aRow, aCol, rowC)
    for (; i < m; i++) tile1x8(a + <usize>i * aRow, scratch, cj + <usize>i * rowC, k, aCol)
  }
  for (let j = n8; j < n; j++) {
    for (let i = 0; i < m; i++) {
      let s: f32 = 0
      for (let p = 0; p < k; p++) s += load<f32>(a + <usize>i * aRow + <usize>p * aCol) * load<f32>(b + <usize>p * bRow + <usize>j * bCol)
      store<f32>(c + <usize>i * rowC + (<usize>j << 2), s)
    }
  }
}

/** Packs the k×8 panel of op(B) starting at `b` into `dst`, row after row. */
// @ts-ignore: decorator
@inline
function pack(b: usize, dst: usize, k: i32, bRow: usize, bCol: usize): void {
  let src = b
  if (bCol == 4) {
    for (let p = 0; p < k; p++) {
      v128.store(dst, v128.load(src))
      v128.store(dst, v128.load(src, 16), 16)
      src += bRow
      dst += 32
    }
  } else {
    for (let p = 0; p < k; p++) {
      for (let jj: usize = 0; jj < 8; jj++) store<f32>(dst + (jj << 2), load<f32>(src + jj * bCol))
      src += bRow
      dst += 32
    }
  }
}

// @ts-ignore: decorator
@inline
function tile4x8(a: usize, panel: usize, c: usize, k: i32, aRow: usize, aCol: usize, rowC: usize): void {
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
    const x1 = f32x4.splat(load<f32>(pa + aRow))
    const x2 = f32x4.splat(load<f32>(pa + 2 * aRow))
    const x3 = f32x4.splat(load<f32>(pa + 3 * aRow))
    c00 = f32x4.add(c00, f32x4.mul(x0, b0))
    c01 = f32x4.add(c01, f32x4.mul(x0, b1))
    c10 = f32x4.add(c10, f32x4.mul(x1, b0))
    c11 = f32x4.add(c11, f32x4.mul(x1, b1))
    c20 = f32x4.add(c20, f32x4.mul(x2, b0))
    c21 = f32x4.add(c21, f32x4.mul(x2, b1))
    c30 = f32x4.add(c30, f32x4.mul(x3, b0))
    c31 = f32x4.add(c31, f32x4.mul(x3, b1))
    pa += aCol
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
function tile1x8(a: usize, panel: usize, c: usize, k: i32, aCol: usize): void {
  let c0 = f32x4.splat(0)
  let c1 = f32x4.splat(0)
  let pa = a
  let pb = panel
  for (let p = 0; p < k; p++) {
    const x = f32x4.splat(load<f32>(pa))
    c0 = f32x4.add(c0, f32x4.mul(x, v128.load(pb)))
    c1 = f32x4.add(c1, f32x4.mul(x, v128.load(pb, 16)))
    pa += aCol
    pb += 32
  }
  v128.store(c, c0)
  v128.store(c, c1, 16)
}
