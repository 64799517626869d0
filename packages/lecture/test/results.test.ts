import { numRuns } from '@recurrent/testkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeResults, JsonValue, resultsOf, resultsText, toJson } from '../src/index.ts'
import type { SectionRun } from '../src/run.ts'

const runs = { numRuns: numRuns(200) }

/** Values an experiment may put in its metrics: JSON with any double, typed arrays, undefined fields. */
const metricValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.string(),
    fc.constant(null),
    fc.float32Array({ maxLength: 4 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
    fc.record({ defined: tie('value'), missing: fc.constant(undefined) }),
  ),
})).value

/** `x` and `json` agree: finite numbers equal, non-finite numbers null, structure kept. */
const agrees = (x: unknown, json: unknown): boolean => {
  if (typeof x === 'number')
    return Number.isFinite(x) ? Object.is(json, x) || (x === 0 && json === 0) : json === null
  if (ArrayBuffer.isView(x)) return agrees(Array.from(x as Float32Array), json)
  if (Array.isArray(x))
    return Array.isArray(json) && json.length === x.length && x.every((v, i) => agrees(v, json[i]))
  if (x !== null && typeof x === 'object') {
    const defined = Object.entries(x).filter(([, v]) => v !== undefined)
    return (
      json !== null &&
      typeof json === 'object' &&
      Object.keys(json).length === defined.length &&
      defined.every(([k, v]) => Object.hasOwn(json, k) && agrees(v, (json as Record<string, unknown>)[k]))
    )
  }
  return Object.is(x, json)
}

const section = (id: string) => ({
  id,
  title: `t${id}`,
  claim: `c${id}`,
  criterion: 'k',
  run: () => null as never,
})
const meta = { version: '0.1.0', node: 'v20.0.0', backend: 'auto' }

describe('toJson: metrics as results.json holds them', () => {
  it('non-finite numbers become null, everything else is kept, and the result is a valid JsonValue', () => {
    fc.assert(
      fc.property(metricValue, (x) => {
        const json = toJson(x)
        return (
          agrees(x, json) &&
          JsonValue.is(json) &&
          JSON.stringify(JSON.parse(JSON.stringify(json))) === JSON.stringify(json)
        )
      }),
      runs,
    )
  })
  it('a metric named __proto__ is kept as a key, not taken as the prototype', () => {
    const json = toJson(JSON.parse('{"__proto__": {"a": 1}, "b": 2}'))
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype)
    expect(JSON.stringify(json)).toBe('{"__proto__":{"a":1},"b":2}')
  })
  it('what JSON has no form for is null', () => {
    expect(toJson({ f: () => 1, d: new Date(0), m: new Map(), s: Symbol('s'), big: 3n })).toEqual({
      f: null,
      d: null,
      m: null,
      s: null,
      big: 3,
    })
  })
})

describe('results.json: the codec', () => {
  it('every results.json the command writes decodes, whatever the metrics, and round-trips through JSON', () => {
    const sectionRun = fc.tuple(
      fc.dictionary(fc.string(), metricValue, { maxKeys: 5 }),
      fc.boolean(),
      fc.option(fc.string()),
    )
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[1-9]\.[1-9]$/), { maxLength: 4 }),
        fc.array(sectionRun, { minLength: 4, maxLength: 4 }),
        fc.maxSafeNat(),
        fc.boolean(),
        (ids, outputs, seed, full) => {
          const all: SectionRun[] = ids.map((id, i) => {
            const [metrics, holds, error] = outputs[i]!
            return error === null
              ? {
                  section: section(id),
                  seconds: i,
                  output: { metrics, plots: [], tables: [], config: {}, holds },
                }
              : { section: section(id), seconds: i, error: new Error(error) }
          })
          const results = resultsOf(all, { seed, full, totalSeconds: 1.5, meta })
          const decoded = decodeResults(JSON.parse(resultsText(results)))
          return (
            decoded._tag === 'Right' &&
            JSON.stringify(decoded.right) === JSON.stringify(results) &&
            Object.keys(decoded.right.sections).join() === ids.join() &&
            all.every((r) => ('error' in r ? decoded.right.sections[r.section.id]?.holds === false : true))
          )
        },
      ),
      runs,
    )
  })
  const valid = () => ({
    meta: { ...meta },
    seed: 3,
    full: false,
    totalSeconds: 2,
    sections: {
      '2.2': { title: 't', claim: 'c', holds: true, seconds: 1, metrics: { loss: 0.5, curve: [1, 2] } },
    },
  })
  it('accepts the documented shape, with error only on a failed section', () => {
    expect(decodeResults(valid())._tag).toBe('Right')
    const failed = valid()
    Object.assign(failed.sections['2.2'], { holds: false, metrics: {}, error: 'Error: boom' })
    expect(decodeResults(failed)._tag).toBe('Right')
  })
  it('a Left names the first field that breaks the contract', () => {
    const cases: [string, (r: ReturnType<typeof valid>) => void, string][] = [
      ['meta.version', (r) => Object.assign(r.meta, { version: 1 }), 'expected string, got 1'],
      ['seed', (r) => Object.assign(r, { seed: -1 }), 'expected Seed, got -1'],
      [
        'totalSeconds',
        (r) => Object.assign(r, { totalSeconds: Number.NaN }),
        'expected NonNegativeNumber, got NaN',
      ],
      [
        'sections.2.2.holds',
        (r) => Object.assign(r.sections['2.2'], { holds: 'yes' }),
        'expected boolean, got "yes"',
      ],
      [
        'sections.2.2.metrics.loss',
        (r) => Object.assign(r.sections['2.2'].metrics, { loss: Infinity }),
        'got Infinity',
      ],
      [
        'sections.2.2.metrics.curve.1',
        (r) => Object.assign(r.sections['2.2'].metrics, { curve: [1, Number.NaN] }),
        'got NaN',
      ],
      ['sections.2.2.error', (r) => Object.assign(r.sections['2.2'], { error: 7 }), 'expected string, got 7'],
      [
        'sections.2.2.title',
        (r) => Object.assign(r.sections['2.2'], { title: undefined }),
        'expected string, got undefined',
      ],
    ]
    for (const [path, edit, reason] of cases) {
      const r = valid()
      edit(r)
      const decoded = decodeResults(r)
      expect(decoded._tag, path).toBe('Left')
      if (decoded._tag === 'Left') {
        expect(decoded.left.path).toBe(path)
        expect(decoded.left.reason).toContain(reason)
      }
    }
    expect(decodeResults(null)).toMatchObject({ _tag: 'Left', left: { path: '(root)' } })
  })
})
