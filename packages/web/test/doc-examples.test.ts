import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { docExamples, runExample } from '@recurrent/testkit'
import { describe, it } from 'vitest'
import * as S from '../src/selftest.ts'

const examples = docExamples(fileURLToPath(new URL('../src', import.meta.url)))

describe('doc examples of @recurrent/web', () => {
  it('has examples', () => assert.ok(examples.length > 0))
  for (const ex of examples) it(`${ex.file}:${ex.line}`, () => runExample(ex, { assert, ...S }))
})
