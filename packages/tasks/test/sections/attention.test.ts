/** Lecture §5.7: attention holds up on long inputs where the plain encoder–decoder falls off, at a small size. */
import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import {
  ATTENTION_LONGEST_AT_LEAST,
  ATTENTION_MARGIN,
  type AttentionConfig,
  attentionExperiment,
  attentionHolds,
} from '../../src/sections/attention.ts'
import { trainSeq2seq } from '../../src/sections/seq2seq.ts'

/** The claim at a small size: sentences of 1–6 words, H = 32, 300 steps for each model. */
const small = (): AttentionConfig => ({
  ...attentionExperiment.config(false).attention!,
  maxLength: 6,
  hidden: 32,
  embedding: 16,
  steps: 300,
  attentionSteps: 300,
  testPerLength: 10,
})

describe('§5.7 attention, at a small size', () => {
  for (const seed of [0, 1]) {
    it(`seed ${seed}: with attention the longest sentences are translated, without they are not`, () => {
      const { metrics, plots } = attentionExperiment.run({ attention: small() }, T.key(seed))
      const m = metrics.attention!
      expect(m.longest.length).toBe(6)
      expect(m.longest.attention).toBeGreaterThanOrEqual(ATTENTION_LONGEST_AT_LEAST)
      expect(m.longest.attention).toBeGreaterThanOrEqual(m.longest.noAttention + ATTENTION_MARGIN)
      expect(m.holds).toBe(true)
      expect(attentionExperiment.holds(metrics)).toBe(true)
      // The plain model falls off with length: its longest sentences are its worst-but-one or worse.
      const plain = m.byLength.noAttention.map((r) => r.tokenAccuracy)
      expect(plain[plain.length - 1]).toBeLessThan(plain[0])
      expect(plots.map((p) => p.id)).toEqual(['attention-by-length', 'attention-weights'])
    })
  }
})

describe('the section and its parts', () => {
  const tiny: AttentionConfig = {
    ...small(),
    maxLength: 3,
    hidden: 8,
    embedding: 4,
    steps: 3,
    attentionSteps: 2,
    testPerLength: 2,
    heatmaps: 2,
  }

  it('reuses the §5.3 model: the plain encoder–decoder is trained once per configuration and key', () => {
    const starts: string[] = []
    const plain = trainSeq2seq(tiny, false, T.key(5))
    const r = attentionExperiment.run({ attention: tiny }, T.key(5), {
      onEvent: (e) => e.type === 'start' && starts.push(e.run),
    })
    expect(starts).toEqual(['attention']) // the plain model was remembered
    expect(r.metrics.attention?.steps).toEqual({ attention: 2, noAttention: plain.losses.length })
  })

  it('draws the attention weights of the longest sentences, each row a distribution over the source', () => {
    const r = attentionExperiment.run({ attention: tiny }, T.key(6))
    const heat = r.plots.find((p) => p.id === 'attention-weights')
    const values = (heat!.spec.data as { values: { sentence: string; output: string; weight: number }[] })
      .values
    expect(new Set(values.map((v) => v.sentence)).size).toBe(2)
    const rows = new Map<string, number>()
    for (const v of values)
      rows.set(`${v.sentence}/${v.output}`, (rows.get(`${v.sentence}/${v.output}`) ?? 0) + v.weight)
    for (const total of rows.values()) expect(Math.abs(total - 1)).toBeLessThan(1e-5)
  })

  it('holds when every part that ran holds, and not when none ran', () => {
    expect(attentionHolds({ length: 6, attention: 0.9, noAttention: 0.7 })).toBe(true)
    expect(attentionHolds({ length: 6, attention: 0.89, noAttention: 0.2 })).toBe(false)
    expect(attentionHolds({ length: 6, attention: 0.95, noAttention: 0.76 })).toBe(false)
    const r = attentionExperiment.run({ attention: tiny }, T.key(7))
    const m = r.metrics.attention!
    expect(m.holds).toBe(attentionHolds(m.longest))
    expect(attentionExperiment.holds({ attention: { ...m, holds: true } })).toBe(true)
    expect(attentionExperiment.holds({ attention: { ...m, holds: false } })).toBe(false)
    expect(attentionExperiment.holds({})).toBe(false)
    expect(attentionExperiment.run({}, T.key(0)).metrics).toEqual({})
  })

  it('names the bad argument', () => {
    expect(() => attentionExperiment.run({ attention: { ...tiny, attentionSteps: 0 } }, T.key(0))).toThrow(
      /attentionPart.run: config.attentionSteps must be a positive integer, got 0/,
    )
    expect(() => attentionExperiment.run({ attention: { ...tiny, hidden: 0 } }, T.key(0))).toThrow(
      /trainSeq2seq: training.hidden must be a positive integer, got 0/,
    )
  })
})
