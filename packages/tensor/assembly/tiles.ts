// Register tiles shared by the product kernels (kernels.ts) and the recurrences (recurrence.ts).

/** Packs the k×8 panel of op(B) starting at `b` into `dst`, row after row. */
// @ts-ignore: decorator
@inline
export function pack(b: usize, dst: usize, k: i32, bRow: usize, bCol: usize): void {
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
export function tile4x8(a: usize, panel: usize, c: usize, k: i32, aRow: usize, aCol: usize, rowC: usize): void {
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
export function tile1x8(a: usize, panel: usize, c: usize, k: i32, aCol: usize): void {
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
