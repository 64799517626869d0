import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import * as I from '../src/internal.ts'
import { docExamples, runExample } from './kit.ts'

const examples = docExamples(fileURLToPath(new URL('../src', import.meta.url)))

describe('doc comment examples run', () => {
  it('finds the examples', () => expect(examples.length).toBeGreaterThan(20))
  for (const ex of examples) it(`${ex.file}:${ex.line}`, () => runExample(ex, { T, I, assert }))
})
