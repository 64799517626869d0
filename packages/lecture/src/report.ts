/**
 * The report of a `recurrent lecture` run: `results.json` (the contract in ./results.ts) and
 * `index.html`, one self-contained page (inline CSS and SVG, no script, nothing fetched) with each
 * section's claim, criterion, verdict, metrics, tables, plots and the files it rests on.
 */
import type { Plot, Table } from '@recurrent/tasks'
import { flattenMetrics, formatCell, formatNumber, verdict } from './format.ts'
import { renderPlot } from './plots.ts'
import { metricsJson, type Results, type SectionResult, toJson } from './results.ts'
import type { SectionRun } from './run.ts'
import { sourcesOf } from './sources.ts'

/** What produced the results: the lecture package's version, Node's, the kernel provider. */
export interface Meta {
  readonly version: string
  readonly node: string
  readonly backend: string
}

/** The one-line text of what a section threw (its first line; the stack goes to stderr). */
const errorText = (error: unknown): string =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).split('\n')[0] ?? ''

/**
 * `results.json` for `runs`: every section under its id, in run order; non-finite numbers as `null`.
 *
 * @example
 * const section = { id: '0.1', title: 't', claim: 'c', criterion: 'k' }
 * const r = resultsOf([{ section, seconds: 0.5, output: { metrics: { loss: Infinity }, plots: [], tables: [], config: {}, holds: false } }],
 *   { seed: 1, full: false, totalSeconds: 0.5, meta: { version: '0', node: 'v20', backend: 'auto' } })
 * assert.deepStrictEqual(r.sections['0.1'], { title: 't', claim: 'c', holds: false, seconds: 0.5, metrics: { loss: null } })
 */
export const resultsOf = (
  runs: readonly SectionRun[],
  run: { readonly seed: number; readonly full: boolean; readonly totalSeconds: number; readonly meta: Meta },
): Results => {
  const sections: Record<string, SectionResult> = {}
  for (const r of runs) {
    const { title, claim } = r.section
    sections[r.section.id] =
      'error' in r
        ? { title, claim, holds: false, seconds: r.seconds, metrics: {}, error: errorText(r.error) }
        : { title, claim, holds: r.output.holds, seconds: r.seconds, metrics: metricsJson(r.output.metrics) }
  }
  return {
    meta: { ...run.meta },
    seed: run.seed,
    full: run.full,
    totalSeconds: run.totalSeconds,
    sections,
  }
}

/** `results.json`'s text. */
export const resultsText = (results: Results): string => `${JSON.stringify(results, null, 2)}\n`

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text made safe for HTML content and attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)

/** A plot that could not be rendered: which, and why. */
export interface PlotFailure {
  readonly section: string
  readonly plot: string
  readonly error: unknown
}

const htmlTable = (table: Table): string => {
  const numeric = table.columns.map(
    (_, j) => table.rows.length > 0 && table.rows.every((r) => r[j] === null || typeof r[j] === 'number'),
  )
  const cell = (tag: 'td' | 'th', text: string, j: number) =>
    `<${tag}${numeric[j] ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`
  return [
    '<figure class="table">',
    `<figcaption>${escapeHtml(table.title)}</figcaption>`,
    '<table>',
    `<thead><tr>${table.columns.map((c, j) => cell('th', c, j)).join('')}</tr></thead>`,
    '<tbody>',
    ...table.rows.map(
      (r) => `<tr>${table.columns.map((_, j) => cell('td', formatCell(r[j] ?? null), j)).join('')}</tr>`,
    ),
    '</tbody>',
    '</table>',
    '</figure>',
  ].join('\n')
}

/** An id usable in `id="…"` and `href="#…"`. */
const anchor = (id: string): string => `s-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}`

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; margin-top: 2.2em; border-bottom: 1px solid #ddd; }
.meta { color: #555; }
table { border-collapse: collapse; margin: 0.8em 0; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.2em; }
figure.table table { margin-top: 0.3em; }
th, td { padding: 0.2em 0.8em; border-bottom: 1px solid #eee; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; }
dt { font-weight: 600; } dd { margin: 0; }
.holds { color: #1a7f37; } .fails { color: #c62828; }
figure { margin: 1em 0; } figcaption { font-weight: 600; }
pre { background: #f6f8fa; padding: 0.6em; overflow-x: auto; }
`

/** A configuration as JSON (non-finite numbers as null), or its text where JSON has no form for it. */
const configText = (config: unknown): string => {
  try {
    return JSON.stringify(toJson(config), null, 2)
  } catch {
    return String(config)
  }
}

const verdictHtml = (run: SectionRun): string =>
  `<span class="${'error' in run || !run.output.holds ? 'fails' : 'holds'}">${escapeHtml(verdict(run))}</span>`

/** A plot's figure: its SVG, or the reason it could not be drawn. */
const figure = (section: string, plot: Plot, svg: string | { readonly error: unknown }): string =>
  [
    `<figure id="${anchor(`${section}-${plot.id}`).replace(/^s-/, 'plot-')}">`,
    `<figcaption>${escapeHtml(plot.title)}</figcaption>`,
    typeof svg === 'string' ? svg : `<p class="fails">not rendered: ${escapeHtml(errorText(svg.error))}</p>`,
    '</figure>',
  ].join('\n')

/**
 * `index.html` for `runs` and their `results`, with each plot rendered by `render` (Vega-Lite to
 * SVG by default). A plot that fails to render is named in the page and in `failures`.
 */
export const reportHtml = async (
  runs: readonly SectionRun[],
  results: Results,
  render: (plot: Plot) => Promise<string> = renderPlot,
): Promise<{ readonly html: string; readonly failures: readonly PlotFailure[] }> => {
  const failures: PlotFailure[] = []
  const sections: string[] = []
  for (const run of runs) {
    const { section } = run
    const result = results.sections[section.id]
    const sources = sourcesOf(section)
    const facts: [string, string][] = [
      ['claim', escapeHtml(section.claim)],
      ['criterion', escapeHtml(section.criterion)],
      ['verdict', verdictHtml(run)],
      ['seconds', escapeHtml(formatNumber(Number(run.seconds.toFixed(3))))],
      ...(['docs', 'code', 'test'] as const).flatMap((k): [string, string][] =>
        sources[k] === undefined ? [] : [[k, `<code>${escapeHtml(sources[k])}</code>`]],
      ),
    ]
    const parts = [
      `<section id="${anchor(section.id)}">`,
      `<h2>§${escapeHtml(section.id)} ${escapeHtml(section.title)} — ${verdictHtml(run)}</h2>`,
      `<dl>${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`,
    ]
    if ('error' in run)
      parts.push(`<pre class="fails">${escapeHtml(result?.error ?? errorText(run.error))}</pre>`)
    else {
      const metrics = flattenMetrics(result?.metrics ?? {})
      if (metrics.length > 0)
        parts.push(htmlTable({ title: 'metrics', columns: ['metric', 'value'], rows: metrics }))
      for (const table of run.output.tables) parts.push(htmlTable(table))
      for (const plot of run.output.plots) {
        let svg: string | { error: unknown }
        try {
          svg = await render(plot)
        } catch (error) {
          failures.push({ section: section.id, plot: plot.id, error })
          svg = { error }
        }
        parts.push(figure(section.id, plot, svg))
      }
      parts.push(
        `<details><summary>configuration</summary><pre>${escapeHtml(configText(run.output.config))}</pre></details>`,
      )
    }
    parts.push('</section>')
    sections.push(parts.join('\n'))
  }
  const summary = [
    '<table>',
    '<caption>sections</caption>',
    '<thead><tr><th>section</th><th>title</th><th>verdict</th><th class="num">seconds</th></tr></thead>',
    '<tbody>',
    ...runs.map(
      (r) =>
        `<tr><td><a href="#${anchor(r.section.id)}">§${escapeHtml(r.section.id)}</a></td><td>${escapeHtml(r.section.title)}</td><td>${verdictHtml(r)}</td><td class="num">${formatNumber(Number(r.seconds.toFixed(3)))}</td></tr>`,
    ),
    '</tbody>',
    '</table>',
  ].join('\n')
  const { meta } = results
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>recurrent: the lecture's experiments</title>",
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    "<h1>The lecture's experiments</h1>",
    `<p class="meta">seed ${results.seed}, ${results.full ? 'full' : 'default'} size, ${escapeHtml(formatNumber(Number(results.totalSeconds.toFixed(2))))} s in all; @recurrent/lecture ${escapeHtml(meta.version)}, Node ${escapeHtml(meta.node)}, kernel provider ${escapeHtml(meta.backend)}</p>`,
    summary,
    ...sections,
    '</body>',
    '</html>',
    '',
  ].join('\n')
  return { html, failures }
}
