import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EXPERIMENTS } from '@recurrent/tasks'
import { describe, expect, it } from 'vitest'
import { decodeResults, main, SECTION_SOURCES, sourcesOf } from '../src/index.ts'
import { scratch, sink } from './fakes.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-')

describe('SECTION_SOURCES', () => {
  it('names files that exist, and docs anchors that are headings of their page', () => {
    for (const [id, sources] of Object.entries(SECTION_SOURCES)) {
      for (const path of [sources.code, sources.test].filter((p) => p !== undefined))
        expect(existsSync(join(root, path)), `§${id}: ${path}`).toBe(true)
      expect(sources.docs, `§${id}`).toBeDefined()
      const [page, anchor] = (sources.docs ?? '').split('#')
      const text = readFileSync(join(root, page ?? ''), 'utf8')
      const anchors = [...text.matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1] ?? ''))
      expect(anchors, `§${id}: ${sources.docs}`).toContain(anchor)
    }
  })
  it("every section of the registry has a docs page, its own or the table's", () => {
    for (const s of EXPERIMENTS) expect(sourcesOf(s).docs, `§${s.id}`).toBeDefined()
  })
})

describe('a real section through the command', () => {
  it('recurrent lecture --section 2.2: the all-ones network, its tables printed, its claim holding in results.json', async () => {
    const out = scratch()
    const stdout = sink()
    const stderr = sink()
    const code = await main(['lecture', '--section', '2.2', '--out', out], { stdout, stderr })
    expect(stderr.text()).toBe('')
    expect(code).toBe(0)
    expect(stdout.text()).toMatch(/§2\.2 .*\n\s+✓ holds in/)
    expect(stdout.text()).toMatch(/\n\s+3\s+\[2,2\]\s+\[16,16\]\s+\[32,32\]\n/)
    const results = decodeResults(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')))
    expect(results._tag).toBe('Right')
    if (results._tag === 'Right') {
      expect(Object.keys(results.right.sections)).toEqual(['2.2'])
      expect(results.right.sections['2.2']).toMatchObject({
        holds: true,
        metrics: {
          outputs: [
            [4, 4],
            [12, 12],
            [32, 32],
          ],
          reorderedOutputs: [
            [8, 8],
            [20, 20],
            [44, 44],
          ],
        },
      })
    }
    const html = readFileSync(join(out, 'index.html'), 'utf8')
    expect(html).toContain('<code>packages/tasks/src/sections/all-ones.ts</code>')
    expect(html).toContain('<code>packages/tasks/test/all-ones.test.ts</code>')
  })
})
