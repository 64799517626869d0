/**
 * Where each report section rests: the docs page that states its claim, the code that implements
 * its experiment and the test that checks it. An experiment may say so itself (string fields
 * `docs`, `code`, `test` next to its `id`); otherwise this table, the one place that maps a
 * section id to its files, does.
 */
import type { Section } from '@recurrent/tasks'

/** The files behind a section, as paths from the repository root (a docs page may carry an anchor). */
export interface SectionSources {
  readonly docs?: string
  readonly code?: string
  readonly test?: string
}

/** The lecture's sections and their files. */
export const SECTION_SOURCES: Readonly<Record<string, SectionSources>> = {
  '1.2': {
    docs: 'docs/section-1.md#12-a-feedforward-network-cannot-fill-slots',
    code: 'packages/tasks/src/sections/slot-filling.ts',
    test: 'packages/tasks/test/sections/slot-filling.test.ts',
  },
  '2.2': {
    docs: 'docs/section-2.md#22-the-worked-example',
    code: 'packages/tasks/src/sections/all-ones.ts',
    test: 'packages/tasks/test/all-ones.test.ts',
  },
  '3.2': {
    docs: 'docs/section-3.md#32-the-toy',
    code: 'packages/tasks/src/sections/lstm-toy.ts',
    test: 'packages/tasks/test/lstm-toy.test.ts',
  },
  '3.3': {
    docs: 'docs/section-3.md#33-four-inputs-per-cell',
    code: 'packages/tasks/src/sections/parameter-count.ts',
    test: 'packages/tasks/test/parameter-count.test.ts',
  },
  '4.3': {
    docs: 'docs/section-4.md#43-clipping',
    code: 'packages/tasks/src/sections/error-surface.ts',
    test: 'packages/tasks/test/error-surface.test.ts',
  },
  '4.4': {
    docs: 'docs/section-4.md#44-exploding-and-vanishing-gradients',
    code: 'packages/tasks/src/sections/exploding-gradients.ts',
    test: 'packages/tasks/test/exploding-gradients.test.ts',
  },
  '4.5': {
    docs: 'docs/section-4.md#45-long-range-memory-the-adding-problem',
    code: 'packages/tasks/src/sections/adding-problem.ts',
    test: 'packages/tasks/test/adding-problem.test.ts',
  },
  '5.1': {
    docs: 'docs/section-5.md#51-many-to-one-sentiment-where-word-order-decides',
    code: 'packages/tasks/src/sections/sentiment.ts',
    test: 'packages/tasks/test/sections/sentiment.test.ts',
  },
  '5.2': {
    docs: 'docs/section-5.md#52-ctc-speech-recognition-keeps-double-letters',
    code: 'packages/tasks/src/sections/ctc-speech.ts',
    test: 'packages/tasks/test/sections/ctc-speech.test.ts',
  },
  '5.3': {
    docs: 'docs/section-5.md#53-sequence-to-sequence-an-encoderdecoder-that-stops-by-itself',
    code: 'packages/tasks/src/sections/seq2seq.ts',
    test: 'packages/tasks/test/sections/seq2seq.test.ts',
  },
  '5.4': {
    docs: 'docs/section-5.md#54-beyond-sequence-parsing-as-sequence-to-sequence',
    code: 'packages/tasks/src/sections/parsing.ts',
    test: 'packages/tasks/test/sections/parsing.test.ts',
  },
  '5.5': {
    docs: 'docs/section-5.md#55-text-auto-encoder-a-code-that-keeps-word-order',
    code: 'packages/tasks/src/sections/text-autoencoder.ts',
    test: 'packages/tasks/test/sections/text-autoencoder.test.ts',
  },
  '5.6': {
    docs: 'docs/section-5.md#56-speech-auto-encoder-fixed-length-codes-of-spoken-words',
    code: 'packages/tasks/src/sections/speech-autoencoder.ts',
    test: 'packages/tasks/test/sections/speech-autoencoder.test.ts',
  },
  '5.7': {
    docs: 'docs/section-5.md#57-attention-reading-from-a-memory',
    code: 'packages/tasks/src/sections/attention.ts',
    test: 'packages/tasks/test/sections/attention.test.ts',
  },
  '5.8': {
    docs: 'docs/section-5.md#58-rnn-vs-structured-learning-a-crf-on-top-of-the-bidirectional-lstm',
    code: 'packages/tasks/src/sections/structured-learning.ts',
    test: 'packages/tasks/test/sections/structured-learning.test.ts',
  },
}

const field = (section: Section, name: keyof SectionSources): string | undefined => {
  const value = (section as unknown as Record<string, unknown>)[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * The files behind `section`: each from the section itself where it names one, else from
 * {@link SECTION_SOURCES}.
 *
 * @example
 * const s = { id: '2.2', title: 't', claim: 'c', criterion: 'k', test: 'elsewhere.test.ts', run: () => null }
 * assert.deepStrictEqual(sourcesOf(s), {
 *   docs: 'docs/section-2.md#22-the-worked-example', code: 'packages/tasks/src/sections/all-ones.ts', test: 'elsewhere.test.ts',
 * })
 */
export const sourcesOf = (section: Section): SectionSources => {
  const known: SectionSources = Object.hasOwn(SECTION_SOURCES, section.id) ? SECTION_SOURCES[section.id]! : {}
  const out: { docs?: string; code?: string; test?: string } = {}
  for (const name of ['docs', 'code', 'test'] as const) {
    const value = field(section, name) ?? known[name]
    if (value !== undefined) out[name] = value
  }
  return out
}
