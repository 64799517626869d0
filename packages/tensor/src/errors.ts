/**
 * Typed errors for programmer mistakes inside the math (DESIGN: Errors). Each names the op and
 * the offending shapes or dtypes, so the message alone locates the bug.
 */

/** Shapes that do not fit the op, e.g. `ShapeError: matmul [3,4] × [5,2]: inner dimensions 4 ≠ 5`. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError'
}

/** Dtypes that do not fit the op, e.g. mixing `f32` with `f64` (use `T.cast`). */
export class DTypeError extends Error {
  override readonly name = 'DTypeError'
}

/** Any other bad argument: an axis out of range, a negative size, an unknown option. */
export class ArgumentError extends Error {
  override readonly name = 'ArgumentError'
}

/** Renders a shape as the messages print it: `[3,4]`. */
export const showShape = (shape: readonly number[]): string => `[${shape.join(',')}]`
