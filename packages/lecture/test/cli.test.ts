import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeArgs, main } from '../src/index.ts'

const capture = async (argv: string[]) => {
  const lines: string[] = []
  const code = await main(argv, (l) => lines.push(l))
  return { code, text: lines.join('\n') }
}

describe('recurrent command line', () => {
  it('recurrent lecture --section 2.2 prints the §2.2 outputs computed by the tensor ops', async () => {
    const { code, text } = await capture(['lecture', '--section', '2.2'])
    expect(code).toBe(0)
    expect(text).toContain('outputs [4,4] [12,12] [32,32]')
    expect(text).toContain('outputs [8,8] [20,20] [44,44]')
  })
  it('decodes arguments into Either, naming the bad argument and value', () => {
    expect(decodeArgs(['lecture'])).toMatchObject({ _tag: 'Right', right: { command: 'lecture' } })
    expect(decodeArgs(['lecture', '--section', '4.4'])).toMatchObject({
      _tag: 'Right',
      right: { section: '4.4' },
    })
    expect(decodeArgs(['lecture', '--section', '7'])).toMatchObject({
      _tag: 'Left',
      left: { message: '--section: "7" is not one of the accepted values' },
    })
    expect(decodeArgs(['lecture', '--bogus'])).toMatchObject({ _tag: 'Left' })
    expect(decodeArgs(['train'])).toMatchObject({
      _tag: 'Left',
      left: { message: 'unknown command "train"' },
    })
    expect(decodeArgs(['lecture', 'extra'])).toMatchObject({
      _tag: 'Left',
      left: { message: 'unexpected argument "extra"' },
    })
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
  it('exits with 2 on bad usage and 0 on help', async () => {
    expect((await capture(['lecture', '--section', 'x'])).code).toBe(2)
    expect((await capture(['--help'])).code).toBe(0)
  })
})
