/**
 * Scalar log-space arithmetic for the CTC recursions and decoders (the tensor form is
 * `T.logSumExp`): probabilities as their logarithms, where `−∞` is probability 0.
 */

/**
 * `log(exp a + exp b)` without overflow or underflow: the larger term is factored out, so
 * `logAddExp(1000, 1000) = 1000 + log 2`. `−∞` is the identity (probability 0 adds nothing).
 */
export const logAddExp = (a: number, b: number): number => {
  if (a === -Infinity) return b
  if (b === -Infinity) return a
  const m = Math.max(a, b)
  return m + Math.log1p(Math.exp(-Math.abs(a - b)))
}
