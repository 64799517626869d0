/**
 * Executes the `@example` blocks of doc comments, so documentation cannot rot (fp-ts style).
 * An example is plain JavaScript that may use `T` (`@recurrent/tensor`), `AD`
 * (`@recurrent/autograd`), `assert` (`node:assert/strict`) and any names passed in `scope`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

export interface DocExample {
  readonly file: string
  readonly line: number
  readonly code: string
}

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : []
  })

/** Every `@example` block under `srcDir`, with its file and line. */
export const docExamples = (srcDir: string): DocExample[] =>
  walk(srcDir).flatMap((file) => {
    const text = readFileSync(file, 'utf8')
    const out: DocExample[] = []
    for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
      const body = m[1]
      const at = body.indexOf('@example')
      if (at < 0) continue
      const rest = body.slice(at + '@example'.length)
      const end = rest.search(/\n\s*\*\s*@\w/)
      const code = (end < 0 ? rest : rest.slice(0, end))
        .split('\n')
        .map((l) => l.replace(/^\s*\* ?/, ''))
        .filter((l) => !l.startsWith('```'))
        .join('\n')
        .trim()
      const line = text.slice(0, (m.index ?? 0) + at).split('\n').length
      out.push({ file: relative(process.cwd(), file), line, code })
    }
    return out
  })

/** The constructor of async functions (not a global name). */
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as FunctionConstructor

/**
 * Runs one example with the given names in scope; throws what the example throws. An example
 * that uses `await` runs as an async function: the returned promise rejects with what it throws.
 */
export const runExample = (example: DocExample, scope: Record<string, unknown>): void | Promise<void> => {
  const names = Object.keys(scope)
  const make = /\bawait\b/.test(example.code) ? AsyncFunction : Function
  const run = make(...names, `'use strict';\n${example.code}`)
  return run(...names.map((n) => scope[n]))
}
