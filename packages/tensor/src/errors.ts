/**
 * Typed errors for programmer mistakes inside the math (docs/design.md#errors). Each names the op and
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

/**
 * The one shape of every `Left` at a boundary (decoders, interop, the training loop, the command
 * line): `_tag` names the kind of failure, `reason` says what is wrong in words a user can act on,
 * and `path`, where there is one, locates it (a field path such as `config.hiddenSize`, a tree
 * path such as `layers.0.W_ih`, a file name).
 *
 * @example
 * const e = T.boundaryError('DecodeError', 'expected a number, got "a"', 'lr')
 * assert.deepStrictEqual(e, { _tag: 'DecodeError', reason: 'expected a number, got "a"', path: 'lr' })
 * assert.strictEqual(T.showBoundaryError(e), 'DecodeError at lr: expected a number, got "a"')
 */
export interface BoundaryError<Tag extends string = string> {
  readonly _tag: Tag
  readonly reason: string
  readonly path?: string
}

/** Builds a {@link BoundaryError}, leaving `path` out when there is none. */
export const boundaryError = <Tag extends string>(
  tag: Tag,
  reason: string,
  path?: string,
): BoundaryError<Tag> => (path === undefined ? { _tag: tag, reason } : { _tag: tag, reason, path })

/** Renders a boundary error as one line: `DecodeError at lr: expected a number, got "a"`. */
export const showBoundaryError = (e: BoundaryError): string =>
  e.path === undefined ? `${e._tag}: ${e.reason}` : `${e._tag} at ${e.path}: ${e.reason}`
