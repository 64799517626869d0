import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import * as T from '@recurrent/tensor'
import { docExamples, runExample } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import * as Tasks from '../src/index.ts'

const examples = docExamples(fileURLToPath(new URL('../src', import.meta.url)))

describe('doc comment examples run', () => {
  it('finds the examples', () => expect(examples.length).toBeGreaterThan(0))
  for (const ex of examples) it(`${ex.file}:${ex.line}`, () => runExample(ex, { T, assert, ...Tasks }))
})
