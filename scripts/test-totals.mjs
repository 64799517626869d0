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
  const report = join(root, 'packages', name, '.vitest', 'results.json')
  if (!existsSync(report)) {
    missing.push(name)
    continue
  }
  const r = JSON.parse(readFileSync(report, 'utf8'))
  passed += r.numPassedTests
  failed += r.numFailedTests
  skipped += r.numPendingTests + (r.numTodoTests ?? 0)
  console.log(`  ${name.padEnd(10)} ${r.numPassedTests} passed, ${r.numFailedTests} failed`)
}
for (const name of missing) console.log(`  ${name.padEnd(10)} no report: its tests did not run`)
failed += missing.length
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exitCode = failed > 0 || skipped > 0 ? 1 : 0
