/**
 * Seeded choices for the dataset generators and the batch order: a stream of uniform integers
 * read from one key, so the same key gives the same data on every machine.
 */
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

const BLOCK = 256

/**
 * A function drawing integers uniformly from [0, n), one after another, from the Threefry
 * stream of `key` (block b of 256 words is `T.randomBits(T.foldIn(key, b), 256)`). Two draws
 * from equal keys give equal sequences.
 *
 * @example
 * const a = draws(T.key(7))
 * const b = draws(T.key(7))
 * const xs = [a(10), a(10), a(3)]
 * assert.deepStrictEqual([b(10), b(10), b(3)], xs)
 * assert.ok(xs.every((x, i) => Number.isInteger(x) && x >= 0 && x < [10, 10, 3][i]))
 */
export const draws = (key: Key): ((n: number) => number) => {
  let block = 0
  let words = T.randomBits(T.foldIn(key, block), BLOCK)
  let at = 0
  const next = (): number => {
    if (at === BLOCK) {
      words = T.randomBits(T.foldIn(key, ++block), BLOCK)
      at = 0
    }
    return words[at++]
  }
  return (n) => {
    if (!Number.isInteger(n) || n < 1)
      throw new T.ArgumentError(`draws: n must be a positive integer, got ${n}`)
    // Rejection sampling: only the largest multiple of n below 2³² maps uniformly.
    const limit = 2 ** 32 - (2 ** 32 % n)
    for (;;) {
      const w = next()
      if (w < limit) return w % n
    }
  }
}

/**
 * A uniformly random permutation of 0 … n−1 (Fisher–Yates with `draws(key)`).
 *
 * @example
 * const p = permutation(T.key(1), 5)
 * assert.deepStrictEqual([...p].sort(), [0, 1, 2, 3, 4])
 * assert.deepStrictEqual(permutation(T.key(1), 5), p)
 */
export const permutation = (key: Key, n: number): number[] => {
  if (!Number.isInteger(n) || n < 0)
    throw new T.ArgumentError(`permutation: n must be a non-negative integer, got ${n}`)
  const draw = draws(key)
  const p = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = draw(i + 1)
    ;[p[i], p[j]] = [p[j], p[i]]
  }
  return p
}
