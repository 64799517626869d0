import { fc, test } from '@fast-check/vitest'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import {
  type EarlyStoppingOptions,
  type EvaluateOptions,
  type GradientTransformation,
  sgd,
  type TrainEvent,
  train,
} from '../src/index.ts'

const runs = { numRuns: numRuns(40) }

/** A counter: −Σw under sgd(1) adds 1 to w every step, so after step s the params are w = s + 1. */
const counting = (
  steps: number,
  evaluate?: EvaluateOptions<{ w: Tensor }>,
  earlyStopping?: EarlyStoppingOptions,
  onEvent?: (e: TrainEvent) => void,
) =>
  train({
    params: { w: T.zeros([1], 'f64') },
    optimizer: sgd(1),
    loss: (p: { w: Tensor }) => T.neg(T.sum(p.w)),
    batches: Array(steps).fill(null),
    evaluate,
    earlyStopping,
    onEvent,
  })

const right = <R>(r: E.Either<unknown, R>): R =>
  E.isRight(r) ? r.right : expect.unreachable('expected Right')

/** The documented evaluation steps: every n-th (n − 1, 2n − 1, …) and the last. */
const evaluationSteps = (steps: number, every: number): number[] =>
  Array.from({ length: steps }, (_, s) => s).filter((s) => (s + 1) % every === 0 || s === steps - 1)

/** Early stopping by its definition: where it stops and which evaluation is best. */
const reference = (values: readonly number[], mode: 'min' | 'max', patience: number) => {
  let best = 0
  let since = 0
  for (let k = 1; k < values.length; k++) {
    const v = values[k]
    const b = values[best]
    if ((Number.isNaN(b) && !Number.isNaN(v)) || (mode === 'min' ? v < b : v > b)) {
      best = k
      since = 0
    } else if (++since >= patience) return { best, stop: k }
  }
  return { best, stop: undefined }
}

describe('evaluation hook', () => {
  test.prop([fc.nat({ max: 30 }), fc.integer({ min: 1, max: 8 })], runs)(
    'evaluates exactly after every n-th step and after the last, on the params after that step',
    (steps, every) => {
      const seen: number[] = []
      const events: string[] = []
      const r = right(
        counting(
          steps,
          {
            every,
            fn: (p, step) => {
              seen.push(T.item(p.w))
              return { step }
            },
          },
          undefined,
          (e) => events.push(e.type === 'evaluate' ? `evaluate ${e.step}` : e.type),
        ),
      )
      const expected = evaluationSteps(steps, every)
      expect(r.evaluations).toEqual(expected.map((step) => ({ step, metrics: { step } })))
      expect(seen).toEqual(expected.map((s) => s + 1))
      expect(events).toEqual(
        Array.from({ length: steps }, (_, s) => [
          'step',
          ...(expected.includes(s) ? [`evaluate ${s}`] : []),
        ]).flat(),
      )
      expect(T.toArray(r.params.w)).toEqual([steps])
      expect(r.stoppedEarly).toBeUndefined()
    },
  )
  it('leaves evaluations empty without the hook', () => {
    expect(right(counting(3)).evaluations).toEqual([])
  })
})

describe('early stopping', () => {
  const mode = fc.constantFrom<'min' | 'max'>('min', 'max')
  const patience = fc.integer({ min: 1, max: 4 })
  const every = fc.integer({ min: 1, max: 3 })
  /** Scripted metric values, one per evaluation, in evaluation order. */
  const scripted = (values: readonly number[], every: number, options: EarlyStoppingOptions) => {
    const steps = values.length * every
    const at = (step: number) => values[evaluationSteps(steps, every).indexOf(step)]
    return right(counting(steps, { every, fn: (_, step) => ({ m: at(step), other: 0 }) }, options))
  }
  test.prop(
    [fc.uniqueArray(fc.double({ noNaN: true }), { minLength: 1, maxLength: 20 }), mode, patience, every],
    runs,
  )(
    'never stops while the metric improves; then returns the last params',
    (distinct, mode, patience, every) => {
      const values = [...distinct].sort((a, b) => (mode === 'min' ? b - a : a - b))
      const r = scripted(values, every, { metric: 'm', mode, patience })
      expect(r.stoppedEarly).toBeUndefined()
      expect(r.evaluations).toHaveLength(values.length)
      expect(T.toArray(r.params.w)).toEqual([values.length * every])
    },
  )
  test.prop(
    [
      fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(Number.NaN)), {
        minLength: 1,
        maxLength: 20,
      }),
      mode,
      patience,
      every,
    ],
    runs,
  )(
    'stops after `patience` evaluations without improvement and returns the best evaluation’s params',
    (values, mode, patience, every) => {
      const r = scripted(values, every, { metric: 'm', mode, patience })
      const { best, stop } = reference(values, mode, patience)
      const bestStep = (best + 1) * every - 1
      expect(T.toArray(r.params.w)).toEqual([bestStep + 1])
      expect(r.evaluations).toHaveLength(stop === undefined ? values.length : stop + 1)
      if (stop === undefined) expect(r.stoppedEarly).toBeUndefined()
      else
        expect(r.stoppedEarly).toEqual({
          step: (stop + 1) * every - 1,
          best: { step: bestStep, metrics: { m: values[best], other: 0 } },
        })
      expect(r.history).toHaveLength(stop === undefined ? values.length * every : (stop + 1) * every)
    },
  )
  it('keeps the optimiser state of the best evaluation with its params', () => {
    // sgd(1) with a step counter as its state.
    const counted: GradientTransformation<number> = {
      init: () => 0,
      update: (grads, state, params) => [sgd(1).update(grads, null, params)[0], state + 1],
    }
    const r = right(
      train({
        params: { w: T.zeros([1], 'f64') },
        optimizer: counted,
        loss: (p: { w: Tensor }) => T.neg(T.sum(p.w)),
        batches: Array(4).fill(null),
        evaluate: { every: 1, fn: (_, step) => ({ m: [3, 1, 2, 5][step] }) },
        earlyStopping: { metric: 'm', mode: 'min', patience: 5 },
      }),
    )
    expect([T.toArray(r.params.w), r.optState]).toEqual([[2], 2])
  })
  it('checks its options, naming the one that is wrong', () => {
    const fn = () => ({ m: 0 })
    const go = (evaluate: unknown, earlyStopping?: unknown) => () =>
      counting(2, evaluate as EvaluateOptions<{ w: Tensor }>, earlyStopping as EarlyStoppingOptions)
    for (const every of [0, -1, 1.5, Number.NaN])
      expect(go({ every, fn })).toThrow(
        new T.ArgumentError(`train: evaluate.every must be an integer ≥ 1, got ${every}`),
      )
    expect(go({ every: 1, fn: 3 })).toThrow(
      new T.ArgumentError('train: evaluate.fn must be a function (params, step) => metrics, got number'),
    )
    expect(go(null)).toThrow(new T.ArgumentError('train: evaluate must be { every, fn }, got null'))
    expect(go(undefined, { metric: 'm', mode: 'min', patience: 1 })).toThrow(
      new T.ArgumentError('train: earlyStopping needs evaluate ({ every, fn }) to measure its metric'),
    )
    const ev = { every: 1, fn }
    expect(go(ev, { metric: '', mode: 'min', patience: 1 })).toThrow(
      new T.ArgumentError('train: earlyStopping.metric must be a metric name, got '),
    )
    expect(go(ev, { metric: 'm', mode: 'up', patience: 1 })).toThrow(
      new T.ArgumentError(`train: earlyStopping.mode must be 'min' or 'max', got up`),
    )
    for (const patience of [0, 2.5, Number.NaN])
      expect(go(ev, { metric: 'm', mode: 'max', patience })).toThrow(
        new T.ArgumentError(`train: earlyStopping.patience must be an integer ≥ 1, got ${patience}`),
      )
    expect(go(ev, { metric: 'acc', mode: 'max', patience: 1 })).toThrow(
      new T.ArgumentError(`train: earlyStopping.metric 'acc' is not among evaluate.fn's metrics (m)`),
    )
    expect(go({ every: 1, fn: () => null })).toThrow(
      new T.ArgumentError('train: evaluate.fn must return a record of numbers, got null'),
    )
  })
})
