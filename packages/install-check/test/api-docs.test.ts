import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

it("docs/api.md is what the packages' built entry points export now", () => {
  const script = fileURLToPath(new URL('../../../scripts/api-docs.mjs', import.meta.url))
  expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow()
})
