import { fc, test } from '@fast-check/vitest'
import type { Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { SLOT_LABELS } from '../../src/data/slot-filling.ts'
import { fitTagger, TAGGER_KINDS, tagger, taggerLayer } from '../../src/models/tagger.ts'
import { ADDING_CELLS, ADDING_MODELS, trainAdder } from '../../src/sections/adding-problem.ts'
import { slotFillingData } from '../../src/sections/slot-filling.ts'
import { type Config, decodeConfig, rangeText } from '../../src/training/config.ts'
import { trainTask } from '../../src/training/run.ts'
import type { TrainingTask, TrainState } from '../../src/training/task.ts'
import { findTask, TASKS } from '../../src/training/tasks.ts'

const runs = { numRuns: numRuns(10) }
const task = (name: string): TrainingTask => {
  const t = findTask(name)
  if (t === undefined) throw new Error(`no task ${name}`)
  return t
}
/** Every leaf's bytes: equal arrays mean bit-identical trees. */
const bytes = (tree: Tree): number[][] => T.treeLeaves(tree).map((t) => [...T.toTypedArray(t)])
const SMALL_ADDING = { length: 6, hiddenSize: 4, batchSize: 4, testSize: 8 }
const SMALL_TAGGER = { trainSentences: 40, testSentences: 10, embedding: 4, hidden: 4, batchSize: 4 }
const small = (t: TrainingTask, steps: number): Config => ({
  ...t.defaults,
  ...(t.name.startsWith('adding') ? SMALL_ADDING : SMALL_TAGGER),
  steps,
})
const right = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected Right, got ${JSON.stringify(r.left)}`)
  return r.right
}

describe('the task registry', () => {
  it('holds the six §1.2 taggers and the six §4.5 adding-problem models, each with one line of description', () => {
    expect(TASKS.map((t) => t.name)).toEqual([
      ...TAGGER_KINDS.map((k) => `tagger-${k}`),
      ...ADDING_MODELS.map((m) => `adding-${m}`),
    ])
    for (const t of TASKS) {
      expect(t.description).toMatch(/^\S.*\S$/)
      expect(t.description).not.toContain('\n')
    }
  })

  it('every field has a default inside its documented range, and the defaults decode to themselves', () => {
    for (const t of TASKS) {
      for (const [name, f] of Object.entries(t.fields)) {
        expect(f.description.length, `${t.name}.${name}`).toBeGreaterThan(0)
        expect(right(decodeConfig(t.codec, { [name]: f.default }))[name]).toBe(f.default)
        expect(rangeText(f)).toMatch(/^an integer from|^a number/)
      }
      expect(right(decodeConfig(t.codec, {}))).toEqual(t.defaults)
      expect(t.defaults.checkpointEvery).toBe(100)
    }
    expect(task('adding-lstm').defaults).toMatchObject({
      length: 40,
      steps: 800,
      hiddenSize: 32,
      learningRate: 0.01,
    })
    expect(task('tagger-gru').defaults).toMatchObject({ trainSentences: 2000, steps: 200, hidden: 32 })
  })

  it('configs are checked field by field: the error names the field and quotes the value', () => {
    const adding = task('adding-gru').codec
    expect(decodeConfig(adding, { steps: 0 })).toEqual(
      E.left({ _tag: 'ConfigError', path: 'steps', reason: '0 is not an integer from 1 to 10000000' }),
    )
    expect(decodeConfig(adding, { learningRate: '0.1' })).toEqual(
      E.left({ _tag: 'ConfigError', path: 'learningRate', reason: '"0.1" is not a number > 0 and ≤ 1e+300' }),
    )
    expect(decodeConfig(adding, { hiddenSize: 2.5 })).toMatchObject(E.left({ path: 'hiddenSize' }))
    const unknown = decodeConfig(adding, { step: 5 })
    expect(unknown).toMatchObject(E.left({ path: 'step' }))
    expect(E.isLeft(unknown) && unknown.left.reason).toMatch(
      /^5 is not a field of adding-gru \(the fields are steps, /,
    )
    expect(decodeConfig(adding, [1])).toEqual(
      E.left({ _tag: 'ConfigError', reason: '[1] is not a JSON object of fields' }),
    )
    expect(decodeConfig(task('adding-clockwork').codec, { hiddenSize: 6 })).toMatchObject(
      E.left({ path: 'hiddenSize', reason: '6 is not a multiple of the Clockwork RNN’s 4 modules' }),
    )
    expect(right(decodeConfig(task('adding-lstm').codec, { hiddenSize: 6 })).hiddenSize).toBe(6)
    const tagger = task('tagger-lstm').codec
    expect(decodeConfig(tagger, { trainSentences: 41 })).toMatchObject(
      E.left({ path: 'trainSentences', reason: '41 is odd (sentences come in minimal pairs)' }),
    )
    expect(decodeConfig(tagger, { batchSize: 64, trainSentences: 40 })).toMatchObject(
      E.left({ path: 'batchSize', reason: '64 is more than trainSentences (40)' }),
    )
    expect(decodeConfig(tagger, { wordDropout: 1 })).toMatchObject(E.left({ path: 'wordDropout' }))
  })
})

describe('training a task', () => {
  it.each(['adding-lstm', 'tagger-elman'])(
    '%s: step(state) repeated is trainTask, bit for bit; batch i depends on i alone',
    (name) => {
      const t = task(name)
      const config = small(t, 4)
      let state = t.init(config, T.key(1))
      const losses: number[] = []
      for (let i = 0; i < 4; i++) {
        const r = right(t.step(state))
        state = r.state
        losses.push(r.loss)
      }
      expect(state.step).toBe(4)
      const seen: number[] = []
      const run = right(trainTask(t, t.init(config, T.key(1)), { onStep: (_, loss) => seen.push(loss) }))
      expect(seen).toEqual(losses)
      expect(bytes(run.params)).toEqual(bytes(state.params))
      expect(bytes(run.optState as Tree)).toEqual(bytes(state.optState as Tree))
      const s = t.setup(config, T.key(1))
      expect(bytes(s.batch(3) as Tree)).toEqual(bytes(t.setup({ ...config }, T.key(1)).batch(3) as Tree))
    },
  )

  test.prop(
    [fc.constantFrom(...TASKS.map((t) => t.name)), fc.integer({ min: 1, max: 4 }), fc.nat(1000)],
    runs,
  )(
    'resumed from the state after any step, training ends bit-identical to an uninterrupted run',
    (name, at, seed) => {
      const t = task(name)
      const config = small(t, 5)
      const states: TrainState[] = []
      const whole = right(trainTask(t, t.init(config, T.key(seed)), { onStep: (s) => states.push(s) }))
      const resumed = right(trainTask(t, states[at - 1]))
      expect(resumed.step).toBe(5)
      expect(bytes(resumed.params)).toEqual(bytes(whole.params))
      expect(bytes(resumed.optState as Tree)).toEqual(bytes(whole.optState as Tree))
    },
  )

  it('adding-*: the experiment’s configuration and key train the params §4.5 trains', () => {
    const t = task('adding-gru')
    const config = { ...small(t, 3) }
    const ours = right(trainTask(t, t.init(config, T.key(2))))
    const training = {
      length: config.length,
      steps: 3,
      batch: config.batchSize,
      learningRate: config.learningRate,
      clipNorm: config.clipNorm,
      evalEvery: 100,
      testSize: config.testSize,
    }
    const theirs = trainAdder({ cell: ADDING_CELLS.gru, hiddenSize: 4 }, training, T.key(2))
    expect(bytes(ours.params)).toEqual(bytes(theirs.params))
    const m = t.evaluate(ours.params, config, T.key(2))
    expect(m.testMse).toBe(theirs.testMse)
    expect(m.ratio).toBeCloseTo(m.testMse / m.baselineMse, 12)
  })

  it('tagger-*: the experiment’s data, encoder, dropout and model key train the params §1.2 trains', () => {
    const t = task('tagger-gru')
    const config = small(t, 3)
    const ours = right(trainTask(t, t.init(config, T.key(4))))
    const data = slotFillingData(
      {
        trainSentences: config.trainSentences,
        testSentences: config.testSentences,
        seenCities: config.seenCities,
        unseenCities: config.unseenCities,
        fillerRate: config.fillerRate,
      },
      T.key(4),
    )
    const { layer, head } = taggerLayer('gru', SLOT_LABELS.length)
    const model = tagger({
      layer,
      head,
      inputSize: data.oneHotWords.dims.length,
      labels: SLOT_LABELS.length,
      embedding: 4,
      hidden: 4,
    })
    const theirs = fitTagger(
      model,
      data.oneHotWords,
      data.ids(data.train),
      T.foldIn(data.kModels, TAGGER_KINDS.indexOf('gru')),
      {
        steps: 3,
        batchSize: 4,
        learningRate: config.learningRate,
        wordDropout: { rate: config.wordDropout, id: data.lexicon.length },
      },
    )
    expect(bytes(ours.params)).toEqual(bytes(theirs.params))
    const m = t.evaluate(ours.params, config, T.key(4))
    expect(Object.keys(m)).toEqual(['ambiguousCityAccuracy', 'slotF1'])
    expect(m.slotF1).toBeGreaterThanOrEqual(0)
    expect(m.slotF1).toBeLessThanOrEqual(1)
  })

  it('the NaN guard names the step and the tensor; the divergence guard the step and the losses', () => {
    const t = task('adding-tanh')
    const overflow = trainTask(t, t.init({ ...small(t, 5), learningRate: 1e39 }, T.key(0)))
    expect(overflow).toMatchObject(
      E.left({ _tag: 'TrainingStopped', guard: 'non-finite', step: 0, lastGoodStep: 0 }),
    )
    expect(E.isLeft(overflow) && overflow.left.reason).toMatch(
      /^the parameter \S+ is -?Infinity at step 0 \(element \d+\)$/,
    )
    expect(E.isLeft(overflow) && overflow.left.reason).toContain(
      E.isLeft(overflow) ? overflow.left.path : '?',
    )
    const states: TrainState[] = []
    const nan = trainTask(t, t.init({ ...small(t, 5), learningRate: 1e30 }, T.key(0)), {
      onStep: (s) => states.push(s),
    })
    expect(nan).toMatchObject(
      E.left({ guard: 'non-finite', step: 1, lastGoodStep: 1, reason: 'the loss is Infinity at step 1' }),
    )
    expect(states.map((s) => s.step)).toEqual([1])
    // Resumed at step 1, the step is still counted from the start of training.
    expect(trainTask(t, states[0])).toMatchObject(E.left({ step: 1, lastGoodStep: 1 }))
    const diverged = trainTask(
      t,
      t.init({ ...small(t, 30), learningRate: 1e3, divergencePatience: 5 }, T.key(0)),
    )
    expect(diverged).toMatchObject(E.left({ guard: 'divergence', step: 5 }))
    expect(E.isLeft(diverged) && diverged.left.reason).toMatch(
      /^the loss \S+ at step 5 has stayed above 100 × its running minimum \S+ \(step 0\) for 5 steps$/,
    )
  })
})
