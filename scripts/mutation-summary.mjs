// Collects the Stryker JSON reports of every package (packages/*/reports/mutation/mutation.json)
// into one table: per mutated file, killed / survived / timeout / no coverage and the score,
// (killed + timeout) / (killed + timeout + survived + no coverage). Exits 1 when a file scores
// below 85%, the target of docs/verification.md, so the run reads as failed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const threshold = 85
const rows = []
const missing = []
for (const name of readdirSync(join(root, 'packages')).sort()) {
  const dir = join(root, 'packages', name)
  if (!existsSync(join(dir, 'stryker.config.json'))) continue
  const file = join(dir, 'reports', 'mutation', 'mutation.json')
  if (!existsSync(file)) {
    missing.push(name)
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  const when = statSync(file).mtime.toISOString().slice(0, 16).replace('T', ' ')
  for (const [path, { mutants }] of Object.entries(report.files).sort()) {
    const count = (...statuses) => mutants.filter((m) => statuses.includes(m.status)).length
    const row = {
      file: `${name}/${path}`,
      killed: count('Killed'),
      survived: count('Survived'),
      timeout: count('Timeout'),
      noCoverage: count('NoCoverage'),
      errors: count('CompileError', 'RuntimeError'),
      ignored: count('Ignored'),
      when,
    }
    const detected = row.killed + row.timeout
    const valid = detected + row.survived + row.noCoverage
    row.score = valid === 0 ? 100 : (100 * detected) / valid
    rows.push(row)
  }
}

const header = ['file', 'killed', 'survived', 'timeout', 'no cov', 'errors', 'score', 'report of']
const lines = rows.map((r) => [
  r.file,
  r.killed,
  r.survived,
  r.timeout,
  r.noCoverage,
  r.errors,
  `${r.score.toFixed(1)}%`,
  r.when,
])
const total = rows.reduce(
  (t, r) => ({
    killed: t.killed + r.killed,
    survived: t.survived + r.survived,
    timeout: t.timeout + r.timeout,
    noCoverage: t.noCoverage + r.noCoverage,
    errors: t.errors + r.errors,
  }),
  { killed: 0, survived: 0, timeout: 0, noCoverage: 0, errors: 0 },
)
const detected = total.killed + total.timeout
const valid = detected + total.survived + total.noCoverage
lines.push([
  'all files',
  total.killed,
  total.survived,
  total.timeout,
  total.noCoverage,
  total.errors,
  `${valid === 0 ? '100.0' : ((100 * detected) / valid).toFixed(1)}%`,
  '',
])
const cells = [header, ...lines].map((l) => l.map(String))
const widths = header.map((_, i) => Math.max(...cells.map((l) => l[i].length)))
const render = (l) =>
  `| ${l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`
console.log(render(cells[0]))
console.log(
  `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
)
for (const l of cells.slice(1)) console.log(render(l))
for (const name of missing) console.log(`\n${name}: no report (its mutation run did not finish)`)
const low = rows.filter((r) => r.score < threshold)
for (const r of low) console.log(`${r.file}: ${r.score.toFixed(1)}% is below ${threshold}%`)
process.exitCode = low.length > 0 || missing.length > 0 ? 1 : 0
