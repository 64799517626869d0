/** The toy grammar's trees and their bracketed sequences (Lecture §5.4). */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  CLOSE,
  isWellFormed,
  linearise,
  type ParseTree,
  parseTrees,
  parseVocabulary,
  treeShape,
  treeWords,
} from '../../src/data/parse-trees.ts'

const runs = { numRuns: numRuns(25) }
const seed = fc.integer({ min: 0, max: 10_000 })

/** Reads a bracketed sequence back into a tree (the inverse of `linearise`, written separately). */
const readTree = (tokens: readonly string[]): ParseTree => {
  let at = 0
  const phrase = (): ParseTree => {
    const label = tokens[at++].slice(1)
    const children: (ParseTree | string)[] = []
    while (tokens[at] !== CLOSE) children.push(tokens[at].startsWith('(') ? phrase() : tokens[at++])
    at++
    return { label, children }
  }
  return phrase()
}

describe('parse trees of the toy grammar (Lecture §5.4)', () => {
  test.prop([seed, fc.integer({ min: 3, max: 14 })], runs)(
    'are S → NP VP trees of 2 to maxWords words from the vocabulary, whose bracketed sequence is well formed and reads back',
    (s, maxWords) => {
      const trees = parseTrees(T.key(s), { count: 20, maxWords })
      const { source, target } = parseVocabulary()
      for (const t of trees) {
        const words = treeWords(t)
        expect(words.length).toBeGreaterThanOrEqual(2)
        expect(words.length).toBeLessThanOrEqual(maxWords)
        expect(words.every((w) => source.includes(w))).toBe(true)
        expect(t.label).toBe('S')
        expect(t.children.map((c) => (typeof c === 'string' ? c : c.label))).toEqual(['NP', 'VP'])
        const tokens = linearise(t)
        expect(tokens.every((w) => target.includes(w))).toBe(true)
        expect(isWellFormed(tokens, words)).toBe(true)
        expect(readTree(tokens)).toEqual(t)
        // The shape keeps the brackets and hides the words.
        expect(treeShape(tokens).filter((x) => x === 'XX').length).toBe(words.length)
      }
      expect(parseTrees(T.key(s), { count: 20, maxWords })).toEqual(trees)
    },
  )

  it('attaches "of" to the noun phrase and "in", "on", "near" to the verb phrase', () => {
    const trees = parseTrees(T.key(0), { count: 500, maxWords: 12 })
    const parentOf = (t: ParseTree, p: string, out: string[][]): string[][] => {
      for (const c of t.children)
        if (typeof c !== 'string') {
          if (c.label === 'PP') out.push([p, c.children[0] as string])
          parentOf(c, c.label, out)
        }
      return out
    }
    const pairs = trees.flatMap((t) => parentOf(t, 'S', []))
    expect(pairs.length).toBeGreaterThan(100)
    for (const [parent, preposition] of pairs) expect(parent).toBe(preposition === 'of' ? 'NP' : 'VP')
    // Shapes vary within a length: the length alone does not decide the tree.
    const shapes = new Set(
      trees.filter((t) => treeWords(t).length === 6).map((t) => treeShape(linearise(t)).join(' ')),
    )
    expect(shapes.size).toBeGreaterThan(3)
  })

  test.prop([seed], runs)(
    'a tree with one token changed, dropped or moved is not well formed over its words',
    (s) => {
      const [t] = parseTrees(T.key(s), { count: 1, maxWords: 10 })
      const tokens = linearise(t)
      const words = treeWords(t)
      const i = s % tokens.length
      expect(isWellFormed([...tokens.slice(0, i), ...tokens.slice(i + 1)], words)).toBe(false)
      expect(isWellFormed([...tokens, CLOSE], words)).toBe(false)
      expect(isWellFormed(['(S', ...tokens, CLOSE], words)).toBe(true) // a unary root is still a tree
      expect(isWellFormed(tokens, [...words].reverse())).toBe(words.join() === [...words].reverse().join())
      expect(isWellFormed([...tokens.slice(0, -1), '(NP', CLOSE, CLOSE], words)).toBe(false) // an empty phrase
      expect(isWellFormed([], words)).toBe(false)
    },
  )

  it('names bad input', () => {
    expect(() => parseTrees(T.key(0), { count: -1, maxWords: 5 })).toThrow(
      /parseTrees: options.count must be a non-negative integer, got -1/,
    )
    expect(() => parseTrees(T.key(0), { count: 1, maxWords: 2 })).toThrow(
      /options.maxWords must be an integer ≥ 3, got 2/,
    )
    expect(() => isWellFormed('x' as never, [])).toThrow(/isWellFormed: tokens and words must be arrays/)
  })
})
