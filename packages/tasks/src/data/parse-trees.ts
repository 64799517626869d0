/**
 * A seeded toy grammar and its parse trees (Lecture §5.4, beyond sequence: syntactic parsing as
 * sequence to sequence). A tree is written out as a bracketed sequence,
 *
 *   the dog saw a cat in the park
 *   (S (NP the dog ) (VP saw (NP a cat ) (PP in (NP the park ) ) ) )
 *
 * so an encoder–decoder can learn to write it. The grammar is unambiguous given the words'
 * categories, but the brackets are not a function of the sentence's length: a prepositional
 * phrase with "of" belongs to the noun phrase before it, one with "in", "on" or "near" to the verb
 * phrase, and a noun phrase may or may not have an adjective.
 *
 *   S  → NP VP          NP → (Name | Det [Adj] N) [PP_of]      PP_of → of NP'
 *   VP → Vi [PP_v] | Vt NP [PP_v]                            PP_v  → (in | on | near) NP'
 *
 * with NP' a noun phrase without a prepositional phrase.
 */
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { draws } from './draw.ts'

/** A parse tree: a phrase label and its children, phrases or words. */
export interface ParseTree {
  readonly label: string
  readonly children: readonly (ParseTree | string)[]
}

const NAME = ['john', 'mary', 'paris']
const DET = ['the', 'a', 'every']
const ADJ = ['big', 'small', 'old', 'happy']
const NOUN = ['dog', 'cat', 'man', 'woman', 'park', 'telescope', 'house', 'child']
const INTRANSITIVE = ['slept', 'ran', 'laughed']
const TRANSITIVE = ['saw', 'chased', 'liked', 'found']
const VERB_PREPOSITION = ['in', 'on', 'near']

/** The phrase labels; a bracket opens as `(` + label and closes as `)`. */
export const PHRASE_LABELS: readonly string[] = ['S', 'NP', 'VP', 'PP']
/** The closing bracket. */
export const CLOSE = ')'

/** How trees are drawn: how many, and the longest sentence (in words, at least 3; the shortest has 2). */
export interface TreeOptions {
  readonly count: number
  readonly maxWords: number
}

/**
 * The words of a tree, left to right.
 *
 * @example
 * const t = { label: 'S', children: [{ label: 'NP', children: ['the', 'dog'] }, { label: 'VP', children: ['slept'] }] }
 * assert.deepStrictEqual(treeWords(t), ['the', 'dog', 'slept'])
 */
export const treeWords = (tree: ParseTree): string[] =>
  tree.children.flatMap((c) => (typeof c === 'string' ? [c] : treeWords(c)))

/**
 * A tree written out as a bracketed sequence (Lecture §5.4): `(X` opens a phrase labelled X,
 * its children follow, `)` closes it.
 *
 * @example
 * const t = { label: 'S', children: [{ label: 'NP', children: ['the', 'dog'] }, { label: 'VP', children: ['slept'] }] }
 * assert.strictEqual(linearise(t).join(' '), '(S (NP the dog ) (VP slept ) )')
 */
export const linearise = (tree: ParseTree): string[] => [
  `(${tree.label}`,
  ...tree.children.flatMap((c) => (typeof c === 'string' ? [c] : linearise(c))),
  CLOSE,
]

/**
 * `count` seeded trees of the grammar with at most `maxWords` words (Lecture §5.4): tree i is
 * drawn from `foldIn(key, i)`, redrawn from `foldIn(foldIn(key, i), r)`, r = 1, 2, … while it is
 * too long. Choices: a name instead of a determiner and noun with probability 1/4, an adjective 3/10, a prepositional phrase with "of" after
 * the subject or the object 1/5 each, a transitive verb 3/5, a prepositional phrase on the verb
 * phrase 2/5; every word uniform within its category. Sentences have 2 to `maxWords` words.
 *
 * @example
 * const [t] = parseTrees(T.key(0), { count: 1, maxWords: 8 })
 * assert.strictEqual(t.label, 'S')
 * assert.ok(treeWords(t).length >= 2 && treeWords(t).length <= 8)
 */
export const parseTrees = (key: Key, options: TreeOptions): ParseTree[] => {
  const count = options?.count
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    throw new T.ArgumentError(
      `parseTrees: options.count must be a non-negative integer, got ${String(count)}`,
    )
  const maxWords = options.maxWords
  if (typeof maxWords !== 'number' || !Number.isInteger(maxWords) || maxWords < 3)
    throw new T.ArgumentError(`parseTrees: options.maxWords must be an integer ≥ 3, got ${String(maxWords)}`)
  const drawTree = (k: Key): ParseTree => {
    const draw = draws(k)
    const pick = (xs: readonly string[]): string => xs[draw(xs.length)]
    const chance = (num: number, den: number): boolean => draw(den) < num
    const simpleNp = (): ParseTree => ({
      label: 'NP',
      children: chance(1, 4) ? [pick(NAME)] : [pick(DET), ...(chance(3, 10) ? [pick(ADJ)] : []), pick(NOUN)],
    })
    const np = (): ParseTree => {
      const head = simpleNp()
      return chance(1, 5)
        ? { label: 'NP', children: [...head.children, { label: 'PP', children: ['of', simpleNp()] }] }
        : head
    }
    const subject = np()
    const verbPhrase: (ParseTree | string)[] = chance(3, 5) ? [pick(TRANSITIVE), np()] : [pick(INTRANSITIVE)]
    if (chance(2, 5)) verbPhrase.push({ label: 'PP', children: [pick(VERB_PREPOSITION), simpleNp()] })
    return { label: 'S', children: [subject, { label: 'VP', children: verbPhrase }] }
  }
  return Array.from({ length: count }, (_, i) => {
    const k = T.foldIn(key, i)
    let tree = drawTree(k)
    for (let r = 1; treeWords(tree).length > maxWords; r++) tree = drawTree(T.foldIn(k, r))
    return tree
  })
}

/**
 * The vocabularies of the parser (Lecture §5.4): the source is the grammar's words; the target
 * has `===` at id 0, the opening brackets, `)`, then the words.
 *
 * @example
 * const v = parseVocabulary()
 * assert.deepStrictEqual(v.target.slice(0, 6), ['===', '(S', '(NP', '(VP', '(PP', ')'])
 * assert.strictEqual(v.target.length, 6 + v.source.length)
 */
export const parseVocabulary = (): { readonly source: string[]; readonly target: string[] } => {
  const source = [
    ...new Set([...NAME, ...DET, ...ADJ, ...NOUN, ...INTRANSITIVE, ...TRANSITIVE, ...VERB_PREPOSITION, 'of']),
  ].sort()
  return { source, target: ['===', ...PHRASE_LABELS.map((l) => `(${l}`), CLOSE, ...source] }
}

const isOpen = (token: string): boolean => token.startsWith('(') && token.length > 1

/**
 * Whether `tokens` is a well-formed tree over `words` (Lecture §5.4): the brackets balance, one
 * phrase spans the whole sequence, every phrase has at least one child, every word is inside a
 * phrase, and the words read left to right are `words`.
 *
 * @example
 * const ws = ['the', 'dog', 'slept']
 * assert.strictEqual(isWellFormed('(S (NP the dog ) (VP slept ) )'.split(' '), ws), true)
 * assert.strictEqual(isWellFormed('(S (NP the dog ) (VP slept )'.split(' '), ws), false) // unbalanced
 * assert.strictEqual(isWellFormed('(S (NP the cat ) (VP slept ) )'.split(' '), ws), false) // another word
 * assert.strictEqual(isWellFormed('(S the dog ) (S slept )'.split(' '), ws), false) // two roots
 */
export const isWellFormed = (tokens: readonly string[], words: readonly string[]): boolean => {
  if (!Array.isArray(tokens) || !Array.isArray(words))
    throw new T.ArgumentError('isWellFormed: tokens and words must be arrays of strings')
  const children: number[] = [] // per open phrase, how many children it has so far
  const read: string[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (children.length === 0 && i > 0) return false // something after the root closed
    if (isOpen(t)) {
      if (children.length > 0) children[children.length - 1]++
      children.push(0)
    } else if (t === CLOSE) {
      if (children.length === 0 || children.pop() === 0) return false
    } else {
      if (children.length === 0) return false
      children[children.length - 1]++
      read.push(t)
    }
  }
  return (
    tokens.length > 0 &&
    children.length === 0 &&
    read.length === words.length &&
    read.every((w, i) => w === words[i])
  )
}

/**
 * The shape of a bracketed sequence: every word replaced by `XX`, the brackets kept (what a
 * parser that ignores which words it reads could learn).
 *
 * @example
 * assert.deepStrictEqual(treeShape('(S (NP the dog ) (VP slept ) )'.split(' ')).join(' '), '(S (NP XX XX ) (VP XX ) )')
 */
export const treeShape = (tokens: readonly string[]): string[] =>
  tokens.map((t) => (isOpen(t) || t === CLOSE ? t : 'XX'))
