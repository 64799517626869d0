/**
 * Words as vectors (Lecture §1.1): 1-of-N encoding with a dimension for "other", and word
 * hashing by letter trigrams. An encoder maps a word to a vector of length `size`; since these
 * vectors are long and almost all zeros, it gives the non-zero entries (`SparseVector`).
 *
 * A tagger turns a word's vector x into its first layer's input by the product x·E with a
 * learned matrix E `[size, dim]`. For 1-of-N that product is the lookup E[i] (an embedding); for
 * word hashing it is the sum of the rows of the word's trigrams. `encodingTable` lays out the
 * sparse vectors of a list of words so that product runs on a batch of word ids, and
 * `encodeSequences` builds the dense `[T, B, size]` input the lecture draws.
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** A vector given by its non-zero entries: `indices` (distinct, in [0, size)) and their `values`. */
export interface SparseVector {
  readonly indices: readonly number[]
  readonly values: readonly number[]
}

/** Words' sparse vectors laid out for batches (`encodingTable`). */
export interface EncodedWords {
  /** The encoder dimensions some word uses, sorted; row j of a projection E stands for dims[j]. */
  readonly dims: readonly number[]
  /** i32 `[V, K]`: for word v, the rows of E (positions in `dims`) of its non-zero entries. */
  readonly indices: Tensor
  /** f32 `[V, K]`: those entries' values (0 for padding). */
  readonly values: Tensor
}

/** A word → vector code (Lecture §1.1). */
export interface Encoder {
  readonly name: string
  /** The length D of the vector a word becomes. */
  readonly size: number
  /** The word's vector, as its non-zero entries. */
  encode(word: string): SparseVector
}

/** Options of `oneHot`. */
export interface OneHotOptions {
  /**
   * Add the dimension for "other" (default true): every word outside the vocabulary maps to it.
   * Without it, encoding an unknown word throws.
   */
  readonly other?: boolean
}

/** The 1-of-N encoder's extra member: where "other" lies. */
export interface OneHotEncoder extends Encoder {
  /** The index of the "other" dimension (`vocabulary.length`), or undefined without one. */
  readonly otherIndex: number | undefined
  /** The index of a word of the vocabulary, or `otherIndex` for any other word. */
  indexOf(word: string): number | undefined
}

/**
 * 1-of-N encoding (Lecture §1.1): a vector as long as the vocabulary, 1 at the word's index and
 * 0 elsewhere, plus one dimension for "other" that every out-of-lexicon word maps to:
 *
 *   x(w)_i = [i = index(w)],   index(w) = N for w ∉ vocabulary,   size = N + 1
 *
 * @example
 * const e = oneHot(['arrive', 'leave', 'Taipei'])
 * assert.strictEqual(e.size, 4)
 * assert.deepStrictEqual(e.encode('leave'), { indices: [1], values: [1] })
 * assert.deepStrictEqual(e.encode('Tokyo'), { indices: [3], values: [1] }) // "other"
 */
export const oneHot = (vocabulary: readonly string[], options: OneHotOptions = {}): OneHotEncoder => {
  if (!Array.isArray(vocabulary))
    throw new T.ArgumentError(`oneHot: vocabulary must be an array of words, got ${typeof vocabulary}`)
  const index = new Map<string, number>()
  vocabulary.forEach((w, i) => {
    if (typeof w !== 'string')
      throw new T.ArgumentError(`oneHot: vocabulary[${i}] must be a word (string), got ${typeof w}`)
    if (index.has(w))
      throw new T.ArgumentError(`oneHot: vocabulary has '${w}' twice (at ${index.get(w)} and ${i})`)
    index.set(w, i)
  })
  const other = options.other ?? true
  const otherIndex = other ? vocabulary.length : undefined
  const indexOf = (word: string): number | undefined => index.get(word) ?? otherIndex
  return {
    name: other ? '1-of-N + other' : '1-of-N',
    size: vocabulary.length + (other ? 1 : 0),
    otherIndex,
    indexOf,
    encode: (word) => {
      const i = indexOf(word)
      if (i === undefined)
        throw new T.ArgumentError(
          `oneHot.encode: word '${word}' is not in the vocabulary and there is no "other"`,
        )
      return { indices: [i], values: [1] }
    },
  }
}

/** Options of `wordHashing`. */
export interface WordHashingOptions {
  /** Mark the word's start and end with `#` (default true): "apple" is read as "#apple#". */
  readonly boundary?: boolean
  /** The letters a word may contain, after lower-casing (default a–z). */
  readonly alphabet?: string
}

/** The trigram encoder's extra member: a word's trigrams, in order. */
export interface WordHashingEncoder extends Encoder {
  trigrams(word: string): string[]
}

/**
 * Word hashing (Lecture §1.1): a vector with one dimension per letter trigram (26×26×26 = 17,576
 * for a–z) that counts the word's trigrams; with boundary marks (the default) the alphabet
 * gains `#` (27³ dimensions) and "apple" is read as "#apple#" → #ap, app, ppl, ple, le#. Words
 * are lower-cased; a letter outside the alphabet throws. A word of fewer than three marked
 * letters has the zero vector.
 *
 *   x(w)_{abc} = number of positions where the (marked) word reads a, b, c
 *
 * @example
 * const e = wordHashing()
 * assert.strictEqual(e.size, 27 ** 3)
 * assert.deepStrictEqual(e.trigrams('apple'), ['#ap', 'app', 'ppl', 'ple', 'le#'])
 * assert.deepStrictEqual(wordHashing({ boundary: false }).trigrams('apple'), ['app', 'ppl', 'ple'])
 * assert.notDeepStrictEqual(e.encode('stop'), e.encode('pots')) // anagrams differ
 */
export const wordHashing = (options: WordHashingOptions = {}): WordHashingEncoder => {
  const boundary = options.boundary ?? true
  const alphabet = options.alphabet ?? 'abcdefghijklmnopqrstuvwxyz'
  if (typeof alphabet !== 'string' || alphabet.length === 0 || new Set(alphabet).size !== alphabet.length)
    throw new T.ArgumentError(
      `wordHashing: alphabet must be a non-empty string of distinct letters, got '${alphabet}'`,
    )
  if (boundary && alphabet.includes('#'))
    throw new T.ArgumentError("wordHashing: alphabet may not contain '#', the boundary mark")
  const letters = boundary ? `${alphabet}#` : alphabet
  const A = letters.length
  const code = new Map([...letters].map((c, i) => [c, i]))
  const marked = (word: string): string => {
    if (typeof word !== 'string')
      throw new T.ArgumentError(`wordHashing: word must be a string, got ${typeof word}`)
    const w = word.toLowerCase()
    for (const c of w)
      if (!alphabet.includes(c))
        throw new T.ArgumentError(
          `wordHashing.encode: word '${word}' has '${c}', which is not in the alphabet`,
        )
    return boundary ? `#${w}#` : w
  }
  const trigrams = (word: string): string[] => {
    const m = marked(word)
    return Array.from({ length: Math.max(0, m.length - 2) }, (_, i) => m.slice(i, i + 3))
  }
  return {
    name: boundary ? 'word hashing (#)' : 'word hashing',
    size: A ** 3,
    trigrams,
    encode: (word) => {
      const counts = new Map<number, number>()
      for (const g of trigrams(word)) {
        const i = (code.get(g[0])! * A + code.get(g[1])!) * A + code.get(g[2])!
        counts.set(i, (counts.get(i) ?? 0) + 1)
      }
      const indices = [...counts.keys()].sort((a, b) => a - b)
      return { indices, values: indices.map((i) => counts.get(i)!) }
    },
  }
}

/**
 * The sparse vectors of a list of words, ready for a batch: row v holds the non-zero entries of
 * `words[v]`'s vector, padded to a common width K. Only the `dims` (sorted) that some word uses
 * are kept, and `indices` point into `dims`: the product x·E only reads the rows of E at those
 * dimensions, so a model can learn E `[dims.length, dim]` (a few hundred trigrams, not 27³).
 * `indices` i32 `[V, K]`, `values` f32 `[V, K]` (padding: index 0, value 0):
 *
 *   x(words[v])·E = Σ_k values[v, k] · E[indices[v, k]],   E's row j standing for dimension dims[j]
 *
 * @example
 * const table = encodingTable(oneHot(['a', 'b', 'c']), ['c', 'zzz', 'c'])
 * assert.deepStrictEqual(table.dims, [2, 3]) // 'c' and "other"
 * assert.deepStrictEqual(T.toArray(table.indices), [[0], [1], [0]])
 * assert.deepStrictEqual(T.toArray(table.values), [[1], [1], [1]])
 */
export const encodingTable = (encoder: Encoder, words: readonly string[]): EncodedWords => {
  if (!Array.isArray(words))
    throw new T.ArgumentError(`encodingTable: words must be an array of strings, got ${typeof words}`)
  const rows = words.map((w) => encoder.encode(w))
  const dims = [...new Set(rows.flatMap((r) => r.indices))].sort((a, b) => a - b)
  const row = new Map(dims.map((d, j) => [d, j]))
  const K = Math.max(1, ...rows.map((r) => r.indices.length))
  const indices = new Int32Array(rows.length * K)
  const values = new Float32Array(rows.length * K)
  rows.forEach((r, v) => {
    r.indices.forEach((i, k) => {
      indices[v * K + k] = row.get(i)!
      values[v * K + k] = r.values[k]
    })
  })
  return {
    dims,
    indices: T.tensor(indices, { shape: [rows.length, K], dtype: 'i32' }),
    values: T.tensor(values, { shape: [rows.length, K], dtype: 'f32' }),
  }
}

/**
 * x_t·E for a batch of word ids: ids i32 `[T, B]` index the words of an `encodingTable`, E is
 * `[dims.length, dim]` (one row per used dimension); the result `[T, B, dim]` equals
 * `encodeSequences(…)·E_full` for any E_full whose rows at `dims` are E, without building the
 * long vectors. For 1-of-N it is the embedding lookup E[i].
 *
 *   out[t, b] = Σ_k values[ids[t, b], k] · E[indices[ids[t, b], k]]
 *
 * @example
 * const table = encodingTable(oneHot(['a', 'b']), ['a', 'b', 'c']) // dims [0, 1, 2]
 * const E = T.tensor([[1, 0], [0, 1], [5, 5]])
 * const out = projectWords(table, E, T.tensor([[0], [2]], { dtype: 'i32' }))
 * assert.deepStrictEqual(T.toArray(out), [[[1, 0]], [[5, 5]]])
 */
export const projectWords = (table: EncodedWords, E: Tensor, ids: Tensor): Tensor => {
  if (ids.dtype !== 'i32') throw new T.DTypeError(`projectWords: ids must be i32, got ${ids.dtype}`)
  if (E.rank !== 2 || E.shape[0] !== table.dims.length)
    throw new T.ShapeError(
      `projectWords: E must be [${table.dims.length}, dim] (a row per used dimension), got ${T.showShape(E.shape)}`,
    )
  // No word has a non-zero entry (e.g. only words too short for a trigram): every x_t is 0.
  if (table.dims.length === 0) return T.zeros([...ids.shape, E.shape[1]], E.dtype)
  const idx = T.gather(table.indices, ids, 0) // [..., K]
  const val = T.gather(table.values, ids, 0) // [..., K]
  const rows = T.gather(E, idx, 0) // [..., K, dim]
  return T.sum(T.mul(rows, T.expandDims(T.cast(val, E.dtype), -1)), { axis: -2 })
}

/**
 * The dense input the lecture draws: every word of every sentence as its full vector, padded
 * with zero vectors to the longest sentence. Sentences `B` lists of words → f32 `[T, B, size]`.
 * Meant for small vocabularies and for tests; training uses `encodingTable` and `projectWords`.
 *
 * @example
 * const x = encodeSequences(oneHot(['arrive', 'leave']), [['arrive', 'Taipei'], ['leave']])
 * assert.deepStrictEqual(T.toArray(x), [[[1, 0, 0], [0, 1, 0]], [[0, 0, 1], [0, 0, 0]]])
 */
export const encodeSequences = (encoder: Encoder, sentences: readonly (readonly string[])[]): Tensor => {
  if (!Array.isArray(sentences) || sentences.some((s) => !Array.isArray(s)))
    throw new T.ArgumentError('encodeSequences: sentences must be an array of arrays of words')
  const B = sentences.length
  const steps = Math.max(0, ...sentences.map((s) => s.length))
  const D = encoder.size
  const out = new Float32Array(steps * B * D)
  sentences.forEach((s, b) =>
    s.forEach((w: string, t: number) => {
      const v = encoder.encode(w)
      v.indices.forEach((i, k) => {
        out[(t * B + b) * D + i] = v.values[k]
      })
    }),
  )
  return T.tensor(out, { shape: [steps, B, D], dtype: 'f32' })
}
