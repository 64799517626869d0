/**
 * Lecture §5.4: beyond sequence. A syntactic parse tree is not a sequence, but written out as a
 * bracketed sequence it can be produced by sequence-to-sequence learning:
 *
 *   john saw the dog in the park  →  (S (NP john ) (VP saw (NP the dog ) (PP in (NP the park ) ) ) )
 *
 * The model is §5.3's encoder–decoder with §5.7's attention (`models/seq2seq.ts`), trained on
 * the trees of a seeded toy grammar (`data/parse-trees.ts`) and decoded greedily. Its trees are
 * scored whole (every bracket and word right) against a parser that knows only the sentence's
 * length and writes the most common bracket shape of training trees of that length, and checked
 * for being trees at all: balanced, one root, the input's words in order.
 */
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import {
  isWellFormed,
  linearise,
  type ParseTree,
  parseTrees,
  parseVocabulary,
  treeShape,
  treeWords,
} from '../data/parse-trees.ts'
import type { Experiment, RunContext, Table } from '../experiment.ts'
import { greedyDecode, type Seq2seq, type Seq2seqParams, STOP_ID, seq2seq } from '../models/seq2seq.ts'
import {
  byLengthPlot,
  type EncoderDecoderBatch,
  type EncoderDecoderTraining,
  encoderDecoderBatch,
  trainEncoderDecoder,
} from './seq2seq.ts'

/**
 * §5.4's configuration: the grammar's longest sentence, the model and its budget (`batch`: trees
 * per step) and the test set.
 */
export interface ParsingConfig extends EncoderDecoderTraining {
  /** The longest sentence in words (at least 3). */
  readonly maxWords: number
  /** Held-out trees (their sentences never in a training batch). */
  readonly testTrees: number
  /** Training trees drawn to find the most common shape of each sentence length (the baseline). */
  readonly shapeSample: number
}

/** What §5.4 measures on the held-out trees (the `results.json` contract). */
export interface ParsingMetrics {
  /**
   * The share of held-out sentences whose tree is written exactly (every bracket and word, then
   * `===`): by the encoder–decoder, greedily, and by the most common shape of the sentence's length.
   */
  readonly exactTree: { readonly seq2seq: number; readonly majorityShape: number }
  /** The share of the encoder–decoder's outputs that are trees over the input's words (`isWellFormed`), ending with `===`. */
  readonly wellFormed: number
  /** Why training stopped before its budget (a non-finite value), if it did. */
  readonly stopped?: string
}

/** The criterion: exact trees at least this far above the majority-shape baseline… */
export const EXACT_TREE_MARGIN = 0.3
/** …and at least this share of outputs are trees over the input's words. */
export const WELL_FORMED_AT_LEAST = 0.9

const VOCABULARY = parseVocabulary()
const SOURCE_ID = new Map(VOCABULARY.source.map((w, i) => [w, i]))
const TARGET_ID = new Map(VOCABULARY.target.map((w, i) => [w, i]))

/** A batch of trees: sentences `[Ts, B]`, decoder inputs and targets `[Td, B]`. */
export type ParseBatch = EncoderDecoderBatch

const checkTree = (fn: string, tree: ParseTree, at: number): void => {
  if (
    typeof tree !== 'object' ||
    tree === null ||
    typeof tree.label !== 'string' ||
    !Array.isArray(tree.children)
  )
    throw new T.ArgumentError(`${fn}: trees[${at}] must be a tree { label, children }`)
}

/**
 * Trees as a training batch (Lecture §5.4): the encoder reads the sentence, the decoder reads
 * `===` then the bracketed sequence (teacher forcing) and is trained to write it, `===` last:
 *
 *   inputs = ===, y_1, …, y_n      targets = y_1, …, y_n, ===      (y = linearise(tree))
 *
 * @example
 * const b = parseBatch(parseTrees(T.key(0), { count: 3, maxWords: 6 }))
 * assert.strictEqual(T.shape(b.source)[1], 3)
 * assert.strictEqual(T.toArray(b.inputs)[0][0], 0) // every decoder starts from ===
 */
export const parseBatch = (trees: readonly ParseTree[]): ParseBatch => {
  if (!Array.isArray(trees) || trees.length === 0)
    throw new T.ArgumentError('parseBatch: trees must be a non-empty array of parse trees')
  trees.forEach((t, i) => checkTree('parseBatch', t, i))
  const ids = (map: Map<string, number>, tokens: readonly string[], at: number): number[] =>
    tokens.map((w) => {
      const id = map.get(w)
      if (id === undefined)
        throw new T.ArgumentError(`parseBatch: trees[${at}] has '${w}', which is not in the vocabulary`)
      return id
    })
  const source = trees.map((t, i) => ids(SOURCE_ID, treeWords(t), i))
  const target = trees.map((t, i) => [...ids(TARGET_ID, linearise(t), i), STOP_ID])
  return encoderDecoderBatch(source, target)
}

const checkConfig = (fn: string, c: ParsingConfig): void => {
  if (typeof c !== 'object' || c === null)
    throw new T.ArgumentError(`${fn}: config must be an object, got ${String(c)}`)
  for (const k of ['embedding', 'hidden', 'steps', 'batch', 'testTrees', 'shapeSample'] as const)
    if (typeof c[k] !== 'number' || !Number.isInteger(c[k]) || c[k] < 1)
      throw new T.ArgumentError(`${fn}: config.${k} must be a positive integer, got ${String(c[k])}`)
  if (!Number.isInteger(c.maxWords) || c.maxWords < 3)
    throw new T.ArgumentError(`${fn}: config.maxWords must be an integer ≥ 3, got ${String(c.maxWords)}`)
  for (const k of ['learningRate', 'clipNorm'] as const)
    if (typeof c[k] !== 'number' || !(c[k] > 0) || !Number.isFinite(c[k]))
      throw new T.ArgumentError(`${fn}: config.${k} must be a finite number > 0, got ${String(c[k])}`)
}

/**
 * §5.4's held-out trees: `testTrees` trees from `foldIn(key, 0)`.
 *
 * @example
 * assert.strictEqual(heldOutTrees({ ...parsingExperiment.config(false), testTrees: 4 }, T.key(0)).length, 4)
 */
export const heldOutTrees = (config: ParsingConfig, key: Key): ParseTree[] =>
  parseTrees(T.foldIn(key, 0), { count: config.testTrees, maxWords: config.maxWords })

/**
 * §5.4's training trees, batch by batch: batch i is the first `batch` trees of
 * `parseTrees(foldIn(foldIn(foldIn(key, 1), i), j))`, j = 0, 1, … as needed, whose sentences are
 * not held out, so training never sees a test sentence.
 *
 * @example
 * const c = { ...parsingExperiment.config(false), batch: 8, testTrees: 50 }
 * const held = heldOutTrees(c, T.key(0)).map((t) => treeWords(t).join(' '))
 * const b = trainingTrees(c, T.key(0))(0)
 * assert.strictEqual(b.length, 8)
 * assert.ok(b.every((t) => !held.includes(treeWords(t).join(' '))))
 */
export const trainingTrees = (config: ParsingConfig, key: Key): ((i: number) => ParseTree[]) => {
  checkConfig('trainingTrees', config)
  const held = new Set(heldOutTrees(config, key).map((t) => treeWords(t).join(' ')))
  const stream = T.foldIn(key, 1)
  return (i) => {
    const out: ParseTree[] = []
    for (let j = 0; out.length < config.batch; j++)
      for (const t of parseTrees(T.foldIn(T.foldIn(stream, i), j), {
        count: config.batch,
        maxWords: config.maxWords,
      }))
        if (!held.has(treeWords(t).join(' ')) && out.length < config.batch) out.push(t)
    return out
  }
}

/** A trained parser and the loss of every step. */
export interface TrainedParser {
  readonly model: Seq2seq
  readonly params: Seq2seqParams
  readonly losses: readonly number[]
  /** Why training stopped before the budget (a non-finite value), if it did. */
  readonly stopped?: string
}

/**
 * Trains the parser (Lecture §5.4): §5.3's GRU encoder–decoder with dot-product attention
 * (§5.7) learns to write a sentence's bracketed tree. The loss of a batch of B trees
 *
 *   L = (1/B) Σ_b Σ_{t ≤ n_b + 1} −log p(y_{b,t} | y_{b,<t}, x_b)     (y_{b, n_b + 1} = ===)
 *
 * (`encoderDecoderLoss`) minimised by `chain(clipByGlobalNorm(clipNorm), adam(learningRate))` for
 * `steps` steps on the batches of `trainingTrees` (`trainEncoderDecoder`); the params from
 * `foldIn(key, 2)`.
 *
 * @example
 * const c = { ...parsingExperiment.config(false), hidden: 8, embedding: 4, steps: 2, batch: 4, testTrees: 4 }
 * assert.strictEqual(trainParser(c, T.key(0)).losses.length, 2)
 */
export const trainParser = (config: ParsingConfig, key: Key, context?: RunContext): TrainedParser => {
  checkConfig('trainParser', config)
  const trees = trainingTrees(config, key)
  const model = seq2seq({
    sourceVocabulary: VOCABULARY.source.length,
    targetVocabulary: VOCABULARY.target.length,
    embedding: config.embedding,
    hidden: config.hidden,
    attention: true,
  })
  const r = trainEncoderDecoder(
    model,
    model.init(T.foldIn(key, 2)),
    (i) => parseBatch(trees(i)),
    config,
    'parser',
    context,
  )
  return { model, ...r }
}

/**
 * The majority-shape baseline (Lecture §5.4: what a parser that does not read the words can
 * do): for each sentence length, the most common bracket shape (`treeShape`) among `trees`
 * (ties: the shape seen first), to be filled with a sentence's words in order.
 *
 * @example
 * const t = (s) => ({ label: 'S', children: s })
 * const shapes = majorityShapes([t(['a', 'b']), t(['c', { label: 'NP', children: ['d'] }]), t(['e', 'f'])])
 * assert.strictEqual(shapes.get(2).join(' '), '(S XX XX )')
 */
export const majorityShapes = (trees: readonly ParseTree[]): Map<number, string[]> => {
  const counts = new Map<number, Map<string, number>>()
  for (const t of trees) {
    const n = treeWords(t).length
    const shape = treeShape(linearise(t)).join(' ')
    const m = counts.get(n) ?? new Map<string, number>()
    m.set(shape, (m.get(shape) ?? 0) + 1)
    counts.set(n, m)
  }
  const out = new Map<number, string[]>()
  for (const [n, m] of counts) {
    let best = ''
    let most = 0
    for (const [shape, c] of m)
      if (c > most) {
        best = shape
        most = c
      }
    out.set(n, best.split(' '))
  }
  return out
}

/**
 * A shape filled with a sentence's words, left to right (the baseline's tree for it).
 *
 * @example
 * assert.deepStrictEqual(fillShape('(S XX (VP XX ) )'.split(' '), ['john', 'slept']).join(' '), '(S john (VP slept ) )')
 */
export const fillShape = (shape: readonly string[], words: readonly string[]): string[] => {
  let i = 0
  return shape.map((t) => (t === 'XX' ? (words[i++] ?? 'XX') : t))
}

const same = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i])

/**
 * Lecture §5.4 as an experiment: the attention encoder–decoder trained on the toy grammar's
 * trees writes the trees of held-out sentences, decoded greedily; scored by exact trees against
 * the majority-shape baseline, and by the share of outputs that are trees over the input's words.
 *
 * @example
 * const tiny = { ...parsingExperiment.config(false), maxWords: 5, hidden: 8, embedding: 4, steps: 2, batch: 4, testTrees: 6, shapeSample: 50 }
 * const r = parsingExperiment.run(tiny, T.key(0))
 * assert.ok(r.metrics.exactTree.majorityShape >= 0 && r.metrics.exactTree.majorityShape <= 1)
 * assert.strictEqual(parsingExperiment.holds(r.metrics), false) // two steps teach nothing
 */
export const parsingExperiment: Experiment<ParsingConfig, ParsingMetrics> = {
  id: '5.4',
  title: 'Beyond sequence: parsing as sequence to sequence',
  claim:
    'A parse tree, written out as a bracketed sequence, can be produced by sequence-to-sequence learning: an encoder–decoder with attention, trained on the trees of a toy grammar, writes the trees of sentences it has not seen, where which phrase a word belongs to depends on the words and not only on how many there are.',
  criterion: `On held-out sentences, greedy decoding writes the exact tree (every bracket and word, then "===") for a share at least ${EXACT_TREE_MARGIN} above the baseline that writes the most common bracket shape of training trees of the sentence's length, and at least ${WELL_FORMED_AT_LEAST} of its outputs are trees over the input's words (balanced, one root, no empty phrase, the words in order).`,
  config: (full) => ({
    maxWords: 10,
    embedding: 32,
    hidden: 64,
    steps: full ? 1000 : 300,
    batch: 32,
    learningRate: 0.01,
    clipNorm: 1,
    testTrees: 200,
    shapeSample: 2000,
  }),
  run: (config, key, context) => {
    checkConfig('parsingExperiment.run', config)
    const r = trainParser(config, key, context)
    const test = heldOutTrees(config, key)
    const sentences = test.map(treeWords)
    const references = test.map(linearise)
    const b = parseBatch(test)
    const limit = 2 * Math.max(...b.targetLengths)
    const decoded = greedyDecode(r.model, r.params, b.source, b.lengths, limit).ids
    const outputs = decoded.map((ids) =>
      ids.filter((id, t) => !(id === STOP_ID && t === ids.length - 1)).map((id) => VOCABULARY.target[id]),
    )
    const stopped = decoded.map((ids) => ids.length > 0 && ids[ids.length - 1] === STOP_ID)
    const exact = outputs.map((o, i) => stopped[i] && same(o, references[i]))
    const formed = outputs.map((o, i) => stopped[i] && isWellFormed(o, sentences[i]))
    const shapes = majorityShapes(
      parseTrees(T.foldIn(key, 3), { count: config.shapeSample, maxWords: config.maxWords }),
    )
    const baseline = sentences.map((s) => fillShape(shapes.get(s.length) ?? [], s))
    const baselineExact = baseline.map((o, i) => same(o, references[i]))
    const share = (xs: readonly boolean[]): number => xs.filter(Boolean).length / xs.length
    const metrics: ParsingMetrics = {
      exactTree: { seq2seq: share(exact), majorityShape: share(baselineExact) },
      wellFormed: share(formed),
      ...(r.stopped === undefined ? {} : { stopped: r.stopped }),
    }
    const lengths = [...new Set(sentences.map((s) => s.length))].sort((x, y) => x - y)
    const byLength = lengths.map((n) => {
      const at = sentences.flatMap((s, i) => (s.length === n ? [i] : []))
      const pick = (xs: readonly boolean[]) => share(at.map((i) => xs[i]))
      return { n, count: at.length, exact: pick(exact), formed: pick(formed), baseline: pick(baselineExact) }
    })
    const round = (x: number): number => Number(x.toFixed(3))
    const summary: Table = {
      title: `${config.testTrees} held-out sentences of up to ${config.maxWords} words, ${config.steps} training steps`,
      columns: ['parser', 'exact tree', 'well-formed tree over the words'],
      rows: [
        [
          'encoder–decoder with attention (greedy)',
          round(metrics.exactTree.seq2seq),
          round(metrics.wellFormed),
        ],
        [
          'most common shape for the length',
          round(metrics.exactTree.majorityShape),
          round(share(baseline.map((o, i) => isWellFormed(o, sentences[i])))),
        ],
      ],
    }
    const lengthTable: Table = {
      title: 'By sentence length',
      columns: ['words', 'sentences', 'exact: encoder–decoder', 'exact: most common shape', 'well-formed'],
      rows: byLength.map((s) => [s.n, s.count, round(s.exact), round(s.baseline), round(s.formed)]),
    }
    const wrong = test.flatMap((_, i) => (exact[i] ? [] : [i])).slice(0, 4)
    const examples: Table = {
      title: 'Held-out sentences: the first three, then the first it gets wrong',
      columns: ['sentence', 'reference tree', 'written tree'],
      rows: [...[0, 1, 2].filter((i) => i < test.length), ...wrong.filter((i) => i > 2).slice(0, 3)].map(
        (i) => [
          sentences[i].join(' '),
          references[i].join(' '),
          outputs[i].join(' ') + (stopped[i] ? '' : ' …'),
        ],
      ),
    }
    return {
      metrics,
      plots: [
        byLengthPlot(
          'parsing-by-length',
          'Parsing as sequence to sequence: exact trees by sentence length',
          byLength.flatMap((s) => [
            { model: 'encoder–decoder', length: s.n, measure: 'exact tree', value: s.exact },
            { model: 'encoder–decoder', length: s.n, measure: 'well-formed', value: s.formed },
            { model: 'most common shape', length: s.n, measure: 'exact tree', value: s.baseline },
          ]),
        ),
      ],
      tables: [summary, lengthTable, examples],
    }
  },
  holds: (m) =>
    m.exactTree.seq2seq >= m.exactTree.majorityShape + EXACT_TREE_MARGIN &&
    m.wellFormed >= WELL_FORMED_AT_LEAST,
}
