/**
 * How numbers, metrics and tables read in the terminal, the HTML report and docs/results.md: one
 * formatting for all three, so the same value looks the same everywhere.
 */
import type { Table } from '@recurrent/tasks'
import type { JsonValue } from './results.ts'
import type { SectionRun } from './run.ts'

/**
 * A number for reading: integers whole, others to 4 significant digits, very small or large ones
 * in exponent form; non-finite values by name.
 *
 * @example
 * assert.deepStrictEqual([formatNumber(3), formatNumber(0.123456), formatNumber(2.5e-7), formatNumber(NaN)], ['3', '0.1235', '2.500e-7', 'NaN'])
 */
export const formatNumber = (x: number): string => {
  if (!Number.isFinite(x)) return String(x)
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x)
  const a = Math.abs(x)
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : String(Number(x.toPrecision(4)))
}

/** A table cell or metric value as text: `—` for null, numbers by {@link formatNumber}. */
export const formatCell = (value: string | number | boolean | null): string =>
  value === null ? '—' : typeof value === 'number' ? formatNumber(value) : String(value)

/** Arrays with up to this many numbers (nested arrays counted through) are shown in full. */
const SHOWN = 16

/** The plain values in a nest of arrays, or undefined when it holds an object. */
const leaves = (value: readonly JsonValue[]): number | undefined => {
  let n = 0
  for (const v of value) {
    if (Array.isArray(v)) {
      const inner = leaves(v)
      if (inner === undefined) return undefined
      n += inner
    } else if (v !== null && typeof v === 'object') return undefined
    else n++
  }
  return n
}

const bracketed = (value: JsonValue): string =>
  Array.isArray(value)
    ? `[${value.map(bracketed).join(', ')}]`
    : formatCell(value as string | number | boolean | null)

/**
 * Metrics as `name, value` rows: nested objects by dotted names, arrays of up to 16 plain values
 * (nested arrays included) in brackets, larger ones as `(N values)`.
 *
 * @example
 * assert.deepStrictEqual(flattenMetrics({ acc: 0.5, by: { rnn: 1, lstm: null }, curve: [1, 2], ys: [[4, 4], [12, 12]] }), [
 *   ['acc', '0.5'], ['by.rnn', '1'], ['by.lstm', '—'], ['curve', '[1, 2]'], ['ys', '[[4, 4], [12, 12]]'],
 * ])
 * assert.deepStrictEqual(flattenMetrics({ long: Array(20).fill(0) }), [['long', '(20 values)']])
 */
export const flattenMetrics = (metrics: Readonly<Record<string, JsonValue>>): [string, string][] => {
  const rows: [string, string][] = []
  const visit = (name: string, value: JsonValue): void => {
    if (Array.isArray(value)) {
      const n = leaves(value)
      rows.push([name, n !== undefined && n <= SHOWN ? bracketed(value) : `(${value.length} values)`])
    } else if (value !== null && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) visit(name === '' ? k : `${name}.${k}`, v)
    else rows.push([name, formatCell(value as string | number | boolean | null)])
  }
  for (const [k, v] of Object.entries(metrics)) visit(k, v)
  return rows
}

/** Display width of a string: code points (the lecture's text is Latin, Greek and symbols). */
const width = (s: string): number => [...s].length

/**
 * A table as aligned text lines: its title, then header, rule and rows two spaces further in;
 * columns of numbers right-aligned.
 *
 * @example
 * assert.deepStrictEqual(textTable({ title: 'x', columns: ['a', 'bb'], rows: [[1, 'y'], [10, null]] }), [
 *   'x', '   a  bb', '  --  --', '   1  y', '  10  —',
 * ])
 */
export const textTable = (table: Table, indent = ''): string[] => {
  const cells = table.rows.map((r) => r.map((c) => formatCell(c)))
  const widths = table.columns.map((c, j) => Math.max(width(c), ...cells.map((r) => width(r[j] ?? ''))))
  const numeric = table.columns.map(
    (_, j) => table.rows.length > 0 && table.rows.every((r) => r[j] === null || typeof r[j] === 'number'),
  )
  const pad = (s: string, j: number) => {
    const fill = ' '.repeat(Math.max(0, (widths[j] ?? 0) - width(s)))
    return numeric[j] ? fill + s : s + fill
  }
  const line = (r: readonly string[]) => `${indent}  ${r.map(pad).join('  ')}`.trimEnd()
  return [
    `${indent}${table.title}`,
    line(table.columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map((r) => line(table.columns.map((_, j) => r[j] ?? ''))),
  ]
}

/** ✓ or ✗ for a claim that holds or not, and `failed` for a section that threw. */
export const verdict = (run: SectionRun): string =>
  'error' in run ? 'failed' : run.output.holds ? '✓ holds' : '✗ does not hold'
