/**
 * Per-sequence lengths, the one validator every layer and loss uses (`rnn`, `bidirectional`,
 * `ctcLoss`, …): a batch of padded sequences carries how many of its steps are real.
 */
import { ArgumentError, ShapeError, showShape } from './errors.ts'
import { isTensor, type Tensor, toTypedArray } from './tensor.ts'

/** Lengths as users give them: a `[B]` integer tensor or an array of numbers. */
export type Lengths = Tensor | readonly number[]

/**
 * Reads `lengths` for a batch of `batch` sequences of at most `max` steps, checking that there is
 * one integer in `[min, max]` per sequence; throws naming the op, the argument and the entry.
 *
 * @example
 * assert.deepStrictEqual(T.readLengths('rnn(lstm)', 'lengths', [5, 3, 0], { batch: 3, max: 5 }), [5, 3, 0])
 * assert.throws(() => T.readLengths('rnn(lstm)', 'lengths', [6], { batch: 1, max: 5 }), {
 *   name: 'ArgumentError',
 *   message: 'rnn(lstm): lengths[0] = 6 is not an integer in [0, 5]',
 * })
 */
export const readLengths = (
  op: string,
  argument: string,
  lengths: Lengths,
  { batch, max, min = 0 }: { readonly batch: number; readonly max: number; readonly min?: number },
): number[] => {
  if (isTensor(lengths)) {
    if (lengths.rank !== 1 || lengths.dtype === 'bool')
      throw new ShapeError(
        `${op}: ${argument} must be a [B] tensor or an array of numbers, got ${lengths.dtype} ${showShape(lengths.shape)}`,
      )
  } else if (!Array.isArray(lengths)) {
    throw new ArgumentError(
      `${op}: ${argument} must be a [B] tensor or an array of numbers, got ${typeof lengths}`,
    )
  }
  const ls = isTensor(lengths) ? Array.from(toTypedArray(lengths)) : [...lengths]
  if (ls.length !== batch)
    throw new ShapeError(`${op}: ${argument} has ${ls.length} entries for a batch of ${batch}`)
  ls.forEach((l, b) => {
    if (typeof l !== 'number' || !Number.isInteger(l) || l < min || l > max)
      throw new ArgumentError(`${op}: ${argument}[${b}] = ${String(l)} is not an integer in [${min}, ${max}]`)
  })
  return ls
}
