/**
 * docs/torch.md, executed with a real PyTorch (the torch suite; CI installs python3-torch): every
 * `sh` block in order in an empty folder, every output shown after "prints" present in what they
 * print, and the module file shown on the page equal, byte for byte, to the one the export wrote.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { scratch } from '../test/fakes.ts'

const PAGE = fileURLToPath(new URL('../../../docs/torch.md', import.meta.url))
const BIN = fileURLToPath(new URL('../bin/recurrent.mjs', import.meta.url))
const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3'

/** The fenced blocks of a Markdown page, with their language and the paragraph line before them. */
const blocks = (text: string): { lang: string; body: string; before: string }[] => {
  const out: { lang: string; body: string; before: string }[] = []
  const re = /(?:^|\n)([^\n]*)\n+```(\w*)\n([\s\S]*?)\n```/g
  for (const m of text.matchAll(re)) out.push({ before: m[1], lang: m[2], body: m[3] })
  return out
}

/** An executable `name` in `bin` that runs `command` with the arguments given. */
const shim = (bin: string, name: string, command: string): void => {
  const file = join(bin, name)
  writeFileSync(file, `#!/bin/sh\nexec ${command} "$@"\n`)
  chmodSync(file, 0o755)
}

describe('docs/torch.md', () => {
  const page = readFileSync(PAGE, 'utf8')
  const all = blocks(page)
  const commands = all.filter((b) => b.lang === 'sh').map((b) => b.body)
  const printed = all.filter((b) => b.lang === '' && b.before.trim() === 'prints').map((b) => b.body)
  const modules = all.filter((b) => b.lang === 'python').map((b) => b.body)

  it('walks through train, export, the check in PyTorch, DDP training, import and eval', () => {
    const script = commands.join('\n')
    for (const step of [
      'recurrent export --checkpoint',
      'python3 torch/tagger/model.py',
      'DistributedDataParallel',
      'recurrent import --torch',
      'recurrent eval --checkpoint',
    ])
      expect(script).toContain(step)
    expect(modules).toHaveLength(1)
  })

  it('every sh block runs in an empty folder; every output it shows is printed; the module shown is the one written', () => {
    const dir = scratch()
    const bin = join(dir, '.bin')
    mkdirSync(bin)
    shim(bin, 'recurrent', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`)
    shim(bin, 'python3', JSON.stringify(PYTHON))
    const run = spawnSync('bash', ['-e', '-c', commands.join('\n')], {
      cwd: dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
      encoding: 'utf8',
      timeout: 480_000,
    })
    const output = `${run.stdout}${run.stderr}`
    expect(run.status, output).toBe(0)
    for (const block of printed) for (const line of block.split('\n')) expect(output).toContain(line)
    expect(`${modules[0]}\n`).toBe(readFileSync(join(dir, 'torch/tagger/model.py'), 'utf8'))
  }, 600_000)
})
