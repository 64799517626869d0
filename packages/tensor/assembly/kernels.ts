// WebAssembly SIMD kernels for f32 (built by `pnpm build` with AssemblyScript; see asconfig.json).
// Raw pointers into linear memory: the TypeScript side copies the operands in and the result
// out. No allocation happens here.

import { pack, tile1x8, tile4x8 } from './tiles'

export * from './recurrence'

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

