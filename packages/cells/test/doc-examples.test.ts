import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import * as T from '@recurrent/tensor'
import { docExamples, runExample } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { layerWeights, wasmLayer } from '../src/fast/recurrence.ts'
import * as C from '../src/index.ts'

// The fast path's internals (not exported from the package) run their examples too.
const examples = docExamples(fileURLToPath(new URL('../src', import.meta.url)))

describe('doc comment examples run', () => {
  it('finds the examples', () => expect(examples.length).toBeGreaterThan(10))
  for (const ex of examples)
    it(`${ex.file}:${ex.line}`, () => runExample(ex, { T, assert, ...C, layerWeights, wasmLayer }))
})
