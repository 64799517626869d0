/** Lecture §5.7, part `ntm`: the Neural Turing Machine against an LSTM on the copy task, at a small size. */
import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import { attentionExperiment, defaultAttentionConfig } from '../../src/sections/attention.ts'
import {
  defaultNtmConfig,
  lstmHiddenFor,
  NTM_BIT_ERROR_AT_MOST,
  NTM_MARGIN,
  type NtmConfig,
  ntmHolds,
  ntmPart,
} from '../../src/sections/ntm.ts'

/** A tiny configuration: 2-bit vectors of 1–2, memory 6 × 3, a few steps (structure, not learning). */
const tiny: NtmConfig = {
  ...defaultNtmConfig(false),
  bits: 2,
  maxLength: 2,
  memoryRows: 6,
  memoryWidth: 3,
  controller: 6,
  batch: 4,
  steps: { ntm: 3, lstm: 3 },
  testLengths: [2, 4, 6],
  testBatch: 4,
  evaluateEvery: 1,
  lastEvaluations: 2,
}

describe('§5.7 ntm at a small size', () => {
  /** 4-bit vectors of 1–4, memory 12 × 6, a controller of 24 (1,312 parameters; the LSTM 1,384), 250 steps each. */
  const small: NtmConfig = {
    ...tiny,
    bits: 4,
    maxLength: 4,
    memoryRows: 12,
    memoryWidth: 6,
    controller: 24,
    batch: 16,
    steps: { ntm: 250, lstm: 250 },
    learningRate: { ntm: 3e-3, lstm: 3e-3 },
    testLengths: [4, 8],
    testBatch: 16,
    evaluateEvery: 25,
    lastEvaluations: 3,
  }
  for (const seed of [0, 1]) {
    it(`seed ${seed}: the NTM learns to copy, and at twice the training length beats the LSTM by 0.1`, () => {
      const { metrics } = ntmPart.run(small, T.key(seed))
      expect(metrics.copyBitError.ntm[0]).toMatchObject({ length: 4 })
      expect(metrics.copyBitError.ntm[0].bitErrorRate).toBeLessThanOrEqual(0.15)
      expect(metrics.generalisation.length).toBe(8)
      expect(metrics.generalisation.ntm).toBeLessThanOrEqual(metrics.generalisation.lstm - 0.1)
    }, 60_000)
  }
})

describe('the part and the section', () => {
  it('measures both models at every test length and reports where and what it measured', () => {
    const starts: string[] = []
    const { metrics, plots, tables } = ntmPart.run(tiny, T.key(1), {
      onEvent: (e) => e.type === 'start' && starts.push(e.run),
    })
    expect(starts).toEqual(['ntm', 'lstm'])
    for (const m of ['ntm', 'lstm'] as const) {
      expect(metrics.copyBitError[m].map((e) => e.length)).toEqual([2, 4, 6])
      for (const e of metrics.copyBitError[m]) expect(e.bitErrorRate).toBeGreaterThanOrEqual(0)
      expect(metrics.steps[m]).toBe(3)
      expect([1, 2]).toContain(metrics.reportedAt[m])
    }
    expect(metrics.generalisation).toEqual({
      length: 4,
      ntm: metrics.copyBitError.ntm[1].bitErrorRate,
      lstm: metrics.copyBitError.lstm[1].bitErrorRate,
    })
    expect(metrics.holds).toBe(ntmHolds(metrics.generalisation))
    // The LSTM is sized to the NTM's parameter count.
    expect(metrics.lstmHidden).toBe(lstmHiddenFor(metrics.parameters.ntm, 2))
    expect(tables[0].rows.map((r) => r[2])).toEqual([metrics.parameters.ntm, metrics.parameters.lstm])
    expect(plots.map((p) => p.id)).toEqual(['ntm-bit-error', 'ntm-learning-curves', 'ntm-weightings'])
  })

  it('draws both heads’ weightings over one sequence of twice the training length, each a distribution', () => {
    const { plots } = ntmPart.run(tiny, T.key(2))
    const values = (
      plots[2].spec.data as { values: { head: string; step: number; row: number; weight: number }[] }
    ).values
    const steps = 2 * 4 + 1
    expect(values).toHaveLength(2 * steps * tiny.memoryRows)
    const totals = new Map<string, number>()
    for (const v of values)
      totals.set(`${v.head}/${v.step}`, (totals.get(`${v.head}/${v.step}`) ?? 0) + v.weight)
    expect(totals.size).toBe(2 * steps)
    for (const total of totals.values()) expect(Math.abs(total - 1)).toBeLessThan(1e-5)
  })

  it('holds by its criterion, and the section holds when both parts hold', () => {
    expect(
      ntmHolds({ length: 20, ntm: NTM_BIT_ERROR_AT_MOST, lstm: NTM_BIT_ERROR_AT_MOST + NTM_MARGIN }),
    ).toBe(true)
    expect(ntmHolds({ length: 20, ntm: 0.11, lstm: 0.45 })).toBe(false)
    expect(ntmHolds({ length: 20, ntm: 0.05, lstm: 0.19 })).toBe(false)
    const r = attentionExperiment.run({ ntm: tiny }, T.key(3))
    const m = r.metrics.ntm!
    expect(Object.keys(r.metrics)).toEqual(['ntm'])
    expect(attentionExperiment.holds({ ntm: { ...m, holds: true } })).toBe(true)
    expect(attentionExperiment.holds({ ntm: { ...m, holds: false } })).toBe(false)
    expect(defaultAttentionConfig(false).ntm).toEqual(defaultNtmConfig(false))
  })

  it('lstmHiddenFor picks the size nearest the count', () => {
    const count = (H: number, bits: number) => 4 * H * (bits + 1 + H) + 8 * H + (H + 1) * bits
    for (const target of [50, 999, 11_212, 40_000]) {
      const H = lstmHiddenFor(target, 8)
      expect(Math.abs(count(H, 8) - target)).toBeLessThanOrEqual(Math.abs(count(H + 1, 8) - target))
      if (H > 1)
        expect(Math.abs(count(H, 8) - target)).toBeLessThanOrEqual(Math.abs(count(H - 1, 8) - target))
    }
  })

  it('names the bad argument', () => {
    expect(() => ntmPart.run({ ...tiny, testLengths: [2, 6] }, T.key(0))).toThrow(
      /ntmPart.run: config.testLengths must include 2 × maxLength = 4/,
    )
    expect(() => ntmPart.run({ ...tiny, steps: { ntm: 0, lstm: 3 } }, T.key(0))).toThrow(
      /ntmPart.run: config.steps.ntm must be a positive integer, got 0/,
    )
    expect(() => ntmPart.run({ ...tiny, memoryRows: 2, shiftRange: 1 }, T.key(0))).toThrow(
      /ntm: the shift range −1…1 \(3 shifts\) is wider than the memory \(memoryRows = 2\)/,
    )
  })
})
