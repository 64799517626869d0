/**
 * `recurrent seeds` (`npm run lecture:seeds`): every section at its default size with seeds 0 to
 * 4, and a Markdown table of what each measured: one row per section and metric, one column per
 * seed, and a row per section saying whether its claim held with each seed (docs/results.md).
 */
import { flattenMetrics } from './format.ts'
import type { Meta } from './report.ts'
import { metricsJson } from './results.ts'
import type { SectionRun } from './run.ts'

/** The seeds of the sweep. */
export const SEEDS = [0, 1, 2, 3, 4] as const

/** One seed's runs. */
export interface SeedRuns {
  readonly seed: number
  readonly runs: readonly SectionRun[]
}

/** A cell of a Markdown table: `|` and line breaks escaped. */
const md = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')

/**
 * The Markdown page of a sweep: a table with one row per section and metric and one column per
 * seed, each section led by its `holds` row (✓, ✗, or `failed` where the section threw), which
 * names it in full; a metric a seed did not report is `·`.
 *
 * @example
 * const section = { id: '0.1', title: 'doubling', claim: 'c', criterion: 'k' }
 * const runs = (seed, holds) => ({ seed, runs: [{ section, seconds: 1, output: { metrics: { twice: seed * 2 }, plots: [], tables: [], config: {}, holds } }] })
 * const page = seedsMarkdown([runs(0, true), runs(1, false)], { version: '0.1.0', node: 'v20', backend: 'auto' })
 * assert.ok(page.includes('| section | metric | seed 0 | seed 1 |'))
 * assert.ok(page.includes('| §0.1 doubling | holds | ✓ | ✗ |'))
 * assert.ok(page.includes('| §0.1 | twice | 0 | 2 |'))
 */
export const seedsMarkdown = (sweep: readonly SeedRuns[], meta: Meta): string => {
  const order: { id: string; title: string }[] = []
  const bySeed = sweep.map(({ runs }) => new Map(runs.map((r) => [r.section.id, r])))
  for (const { runs } of sweep)
    for (const { section } of runs)
      if (!order.some((s) => s.id === section.id)) order.push({ id: section.id, title: section.title })
  const header = ['section', 'metric', ...sweep.map(({ seed }) => `seed ${seed}`)]
  const rows: string[][] = []
  for (const { id, title } of order) {
    const runs = bySeed.map((m) => m.get(id))
    rows.push([
      `§${id} ${title}`,
      'holds',
      ...runs.map((r) => (r === undefined ? '·' : 'error' in r ? 'failed' : r.output.holds ? '✓' : '✗')),
    ])
    const values = runs.map(
      (r) => new Map(r === undefined || 'error' in r ? [] : flattenMetrics(metricsJson(r.output.metrics))),
    )
    const metrics: string[] = []
    for (const v of values) for (const k of v.keys()) if (!metrics.includes(k)) metrics.push(k)
    for (const metric of metrics) rows.push([`§${id}`, metric, ...values.map((v) => v.get(metric) ?? '·')])
  }
  const line = (cells: readonly string[]) => `| ${cells.map(md).join(' | ')} |`
  const seeds = sweep.map(({ seed }) => seed)
  return [
    `# Results over ${seeds.length} seeds`,
    '',
    `Every experiment at its default size with seeds ${seeds.join(', ')} (\`recurrent lecture --seed N\` runs`,
    'one of them; `npm run lecture:seeds` writes this page). A claim holds (✓) or not (✗) by its',
    'criterion, as [experiments.md](experiments.md) describes; `failed`: the section threw; `—`: null',
    '(a non-finite number, or nothing to report); `·`: not reported with that seed.',
    '',
    `@recurrent/lecture ${meta.version}, Node ${meta.node}, kernel provider ${meta.backend}.`,
    '',
    line(header),
    line(header.map(() => '---')),
    ...rows.map(line),
    '',
  ].join('\n')
}
