import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { scratch } from './fakes.ts'

const PAGE = fileURLToPath(new URL('../../../docs/train.md', import.meta.url))
const BIN = fileURLToPath(new URL('../bin/recurrent.mjs', import.meta.url))

/** The fenced blocks of a Markdown page, with their language and the paragraph before them. */
const blocks = (text: string): { lang: string; body: string; before: string }[] => {
  const out: { lang: string; body: string; before: string }[] = []
  const re = /(?:^|\n)([^\n]*)\n+```(\w*)\n([\s\S]*?)\n```/g
  for (const m of text.matchAll(re)) out.push({ before: m[1], lang: m[2], body: m[3] })
  return out
}

describe('docs/train.md', () => {
  const page = readFileSync(PAGE, 'utf8')
  const all = blocks(page)
  const commands = all.filter((b) => b.lang === 'sh').map((b) => b.body)
  const printed = all.filter((b) => b.lang === '' && b.before.trim() === 'prints').map((b) => b.body)

  it('walks through list, print-config, train, interrupt, resume and evaluate', () => {
    const script = commands.join('\n')
    for (const step of [
      'recurrent train --list',
      '--print-config',
      'recurrent train adding-gru --config',
      'kill -KILL',
      '--resume',
      'recurrent eval --checkpoint',
    ])
      expect(script).toContain(step)
    expect(printed.length).toBeGreaterThanOrEqual(3)
  })

  it('every sh block runs, in order, in an empty folder; every output it shows is printed', () => {
    const dir = scratch()
    const bin = join(dir, '.bin')
    mkdirSync(bin)
    const shim = join(bin, 'recurrent')
    writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`)
    chmodSync(shim, 0o755)
    const run = spawnSync('bash', ['-e', '-c', commands.join('\n')], {
      cwd: dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
      encoding: 'utf8',
      timeout: 240_000,
    })
    const output = `${run.stdout}${run.stderr}`
    expect(run.status, output).toBe(0)
    expect(run.stdout).toContain('identical\n')
    for (const name of ['tagger-feedforward', 'tagger-bidirectional', 'adding-tanh', 'adding-scrn'])
      expect(run.stdout).toMatch(new RegExp(`^${name} `, 'm'))
    for (const block of printed) for (const line of block.split('\n')) expect(output).toContain(line)
  }, 300_000)
})
