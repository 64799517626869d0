// Sums the vitest JSON reports of every package into one closing line: `N passed, N failed`.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
let passed = 0
let failed = 0
let skipped = 0
const missing = []
for (const name of readdirSync(join(root, 'packages')).sort()) {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'))
  if (!pkg.scripts?.test) continue
  const dir = join(root, 'packages', name, '.vitest')
  const reports = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : []
  if (!reports.includes('results.json')) missing.push(name)
  for (const file of reports) {
    const r = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    passed += r.numPassedTests
    failed += r.numFailedTests
    skipped += r.numPendingTests + (r.numTodoTests ?? 0)
    console.log(
      `  ${`${name} ${file.replace('.json', '')}`.padEnd(22)} ${r.numPassedTests} passed, ${r.numFailedTests} failed`,
    )
  }
}
for (const name of missing) console.log(`  ${name.padEnd(10)} no report: its tests did not run`)
failed += missing.length
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exitCode = failed > 0 || skipped > 0 ? 1 : 0
