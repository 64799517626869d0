import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main, writeReport } from '../src/index.ts'

const capture = async (argv: string[]) => {
  const lines: string[] = []
  const errors: string[] = []
  const code = await main(
    argv,
    (l) => lines.push(l),
    (l) => errors.push(l),
  )
  return { code, text: lines.join('\n'), errors }
}

const scratch = () => mkdtempSync(join(tmpdir(), 'lecture-'))

describe('recurrent command line', () => {
  it('recurrent lecture --section 2.2 prints the §2.2 outputs computed by the tensor ops', async () => {
    const { code, text } = await capture(['lecture', '--section', '2.2'])
    expect(code).toBe(0)
    expect(text).toContain('outputs [4,4] [12,12] [32,32]')
    expect(text).toContain('outputs [8,8] [20,20] [44,44]')
  })
  it('recurrent lecture runs every section in order', async () => {
    const { code, text } = await capture(['lecture'])
    expect(code).toBe(0)
    expect(text.indexOf('§2.2')).toBeLessThan(text.indexOf('§3.2'))
    expect(text).toContain('output 0 0 0 7.00 0')
    expect(text).toContain('y =      20751.64')
  })
  it('--out writes the printed report to DIR/lecture.txt, with no temporary file left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lecture-'))
    const { code, text } = await capture(['lecture', '--section', '2.2', '--out', join(dir, 'report')])
    expect(code).toBe(0)
    const written = readFileSync(join(dir, 'report', 'lecture.txt'), 'utf8')
    expect(written).toContain('outputs [4,4] [12,12] [32,32]')
    expect(text).toContain(`report written to ${join(dir, 'report', 'lecture.txt')}`)
    expect(readdirSync(join(dir, 'report'))).toEqual(['lecture.txt'])
  })
  it('recurrent backends lists every provider and gpu.js mode, with the reason for each one off', async () => {
    const { code, text } = await capture(['backends'])
    expect(code).toBe(0)
    expect(text).toMatch(/reference\s+available/)
    expect(text).toMatch(/wasm\s+available/)
    expect(text).toMatch(/cpu\s+available/)
    expect(text).toMatch(/webgpu\s+off: .*glibc/)
  })
  it('exits with 2 on bad usage, naming the flag and the value on one line, then the usage', async () => {
    const { code, text, errors } = await capture(['lecture', '--section', 'x'])
    expect(code).toBe(2)
    expect(text).toBe('')
    expect(errors[0]).toBe(
      'recurrent: UsageError at --section: "x" is not an accepted value (the sections are 2.2, 3.2, 4.4)',
    )
    expect(errors[1]).toMatch(/^usage: recurrent lecture/)
  })
  it('exits with 0 on help and prints the usage', async () => {
    const { code, text, errors } = await capture(['--help'])
    expect(code).toBe(0)
    expect(text).toMatch(/^usage: recurrent lecture \[--section 2\.2\|3\.2\|4\.4\] \[--out DIR\]/)
    expect(errors).toEqual([])
  })
})

describe('the report writer', () => {
  it('--out into a folder the process cannot write: exit 1, one line naming the file and the system reason', async () => {
    // /sys refuses new files even to root, where a chmod-ed folder would not.
    expect(statSync('/sys').isDirectory()).toBe(true)
    const { code, errors } = await capture(['lecture', '--section', '2.2', '--out', '/sys'])
    expect(code).toBe(1)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^recurrent: WriteError at \/sys\/lecture\.txt: cannot write: E[A-Z]+ \S/)
    expect(readdirSync('/sys')).not.toContain('lecture.txt')
  })
  it('--out naming a file, or a folder below a file: a WriteError for the folder, nothing written', async () => {
    const dir = scratch()
    const file = join(dir, 'taken')
    writeFileSync(file, 'not a folder\n')
    expect(writeReport(file, 'lecture.txt', 'x\n')).toEqual({
      _tag: 'Left',
      left: {
        _tag: 'WriteError',
        reason: 'cannot create the folder: EEXIST file already exists',
        path: file,
      },
    })
    expect(writeReport(join(file, 'below'), 'lecture.txt', 'x\n')).toEqual({
      _tag: 'Left',
      left: {
        _tag: 'WriteError',
        reason: 'cannot create the folder: ENOTDIR not a directory',
        path: join(file, 'below'),
      },
    })
    const { code, text, errors } = await capture(['lecture', '--section', '2.2', '--out', file])
    expect(code).toBe(1)
    expect(text).not.toContain('report written')
    expect(errors).toEqual([
      `recurrent: WriteError at ${file}: cannot create the folder: EEXIST file already exists`,
    ])
    expect(readdirSync(dir)).toEqual(['taken'])
    expect(readFileSync(file, 'utf8')).toBe('not a folder\n')
  })
  it('a report path taken by a folder: the rename fails, the temporary file is removed, the folder is kept', () => {
    const dir = scratch()
    mkdirSync(join(dir, 'lecture.txt'))
    writeFileSync(join(dir, 'lecture.txt', 'keep'), 'kept\n')
    const r = writeReport(dir, 'lecture.txt', 'report\n')
    expect(r).toMatchObject({
      _tag: 'Left',
      left: {
        _tag: 'WriteError',
        path: join(dir, 'lecture.txt'),
        reason: expect.stringMatching(/^cannot write: E[A-Z]+ /),
      },
    })
    expect(readdirSync(dir)).toEqual(['lecture.txt'])
    expect(readdirSync(join(dir, 'lecture.txt'))).toEqual(['keep'])
  })
  it('a folder the system keeps refusing (under /proc) fails at once instead of retrying for ever', () => {
    const r = writeReport('/proc/self/no-such/report', 'lecture.txt', 'x\n')
    expect(r).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'WriteError', path: expect.stringMatching(/^\/proc\/self\/no-such/) },
    })
  })
  it('replaces an earlier report whole and creates missing folders', () => {
    const dir = join(scratch(), 'a', 'b')
    expect(writeReport(dir, 'lecture.txt', 'first\n')).toEqual({
      _tag: 'Right',
      right: join(dir, 'lecture.txt'),
    })
    expect(writeReport(dir, 'lecture.txt', 'second\n')._tag).toBe('Right')
    expect(readFileSync(join(dir, 'lecture.txt'), 'utf8')).toBe('second\n')
    expect(readdirSync(dir)).toEqual(['lecture.txt'])
  })
})
