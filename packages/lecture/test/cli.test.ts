import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeResults, main, writeReport } from '../src/index.ts'
import { capture, fake, scratch, sink } from './fakes.ts'

const read = (dir: string) => ({
  html: readFileSync(join(dir, 'index.html'), 'utf8'),
  json: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as unknown,
})

/** The decoded results.json, or a failure naming the field at fault. */
const decoded = (json: unknown) => {
  const r = decodeResults(json)
  if (r._tag === 'Left') throw new Error(`results.json breaks the contract: ${JSON.stringify(r.left)}`)
  return r.right
}

describe('recurrent lecture', () => {
  it('runs every section in registry order, prints each one, writes index.html and results.json, exits 0', async () => {
    const out = join(scratch(), 'report')
    const experiments = [fake('2.2'), fake('3.2', { holds: false }), fake('4.4')]
    const { code, stdout, stderr } = await capture(['lecture', '--out', out], experiments)
    expect(code).toBe(0)
    expect(stderr).toBe('')
    const order = ['§2.2 fake 2.2', '§3.2 fake 3.2', '§4.4 fake 4.4'].map((h) => stdout.indexOf(`\n${h}\n`))
    expect(order.every((i) => i >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(stdout).toContain('claim: claim of 3.2')
    expect(stdout).toMatch(/§3\.2 fake 3\.2\n[\s\S]*✗ does not hold in \d/)
    expect(stdout).toMatch(/§2\.2 fake 2\.2\n[\s\S]*✓ holds in \d/)
    expect(stdout).toContain(
      '  losses of 2.2\n    step    loss\n    ----  ------\n       0       1\n       1     0.5\n',
    )
    expect(stdout).toContain('2 of 3 claims hold, 1 does not, 0 failed')
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(
      `report written to ${join(out, 'index.html')} (and results.json beside it)`,
    )
    expect(readdirSync(out).sort()).toEqual(['index.html', 'results.json'])
    const results = decoded(read(out).json)
    expect(Object.keys(results.sections)).toEqual(['2.2', '3.2', '4.4'])
    expect(results.sections['3.2']).toMatchObject({ title: 'fake 3.2', claim: 'claim of 3.2', holds: false })
    expect(results.sections['2.2']?.metrics).toMatchObject({ first: 1, last: 0.25, full: false })
    expect(results).toMatchObject({ seed: 0, full: false, meta: { version: '0.1.0', node: process.version } })
  })
  it('--strict: exit 1 when a claim does not hold, 0 when all hold', async () => {
    const out = scratch()
    expect((await capture(['lecture', '--strict', '--out', out], [fake('1.2', { holds: false })])).code).toBe(
      1,
    )
    expect((await capture(['lecture', '--out', out], [fake('1.2', { holds: false })])).code).toBe(0)
    expect((await capture(['lecture', '--strict', '--out', out], [fake('1.2'), fake('2.2')])).code).toBe(0)
  })
  it('an experiment that throws: its error on stderr, the others still run and are reported, exit 1', async () => {
    const out = scratch()
    const experiments = [fake('2.2'), fake('3.2', { throws: 'the loss went to pieces' }), fake('4.4')]
    const { code, stdout, stderr } = await capture(['lecture', '--out', out], experiments)
    expect(code).toBe(1)
    expect(stderr).toMatch(/^recurrent: §3\.2 failed: Error: the loss went to pieces\n\s+at /)
    expect(stdout).toContain('§4.4 fake 4.4')
    expect(stdout).toContain('2 of 3 claims hold, 0 do not, 1 failed')
    const results = decoded(read(out).json)
    expect(results.sections['3.2']).toMatchObject({
      holds: false,
      metrics: {},
      error: 'Error: the loss went to pieces',
    })
    expect(results.sections['4.4']?.holds).toBe(true)
    expect(read(out).html).toContain('Error: the loss went to pieces')
  })
  it('usage errors exit 2 naming the flag and value, then the usage; an unknown section names the id', async () => {
    const experiments = [fake('2.2'), fake('3.2')]
    const r = await capture(['lecture', '--section', '2.2', '--section', '5.7'], experiments)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    const lines = r.stderr.split('\n')
    expect(lines[0]).toBe(
      'recurrent: UsageError at --section: "5.7" is not an accepted value (the sections are 2.2, 3.2)',
    )
    expect(lines[1]).toMatch(/^usage: recurrent lecture \[--section ID\]… \[--seed N\] \[--full\]/)
    for (const argv of [['lecture', '--seed', 'x'], ['lecture', '--bogus'], ['nope'], ['backends', '--json']])
      expect((await capture(argv, experiments)).code).toBe(2)
  })
  it('--section runs only the sections given, in registry order', async () => {
    const out = scratch()
    let ran: string[] = []
    const experiments = ['1.2', '2.2', '3.2', '4.4'].map((id) => fake(id, { onRun: () => ran.push(id) }))
    const { code, stdout } = await capture(
      ['lecture', '--section', '4.4', '--section', '2.2', '--out', out],
      experiments,
    )
    expect(code).toBe(0)
    expect(ran).toEqual(['2.2', '4.4'])
    expect(stdout).not.toContain('§1.2')
    expect(Object.keys(decoded(read(out).json).sections)).toEqual(['2.2', '4.4'])
    ran = []
    await capture(['lecture', '--out', out], experiments)
    expect(ran).toEqual(['1.2', '2.2', '3.2', '4.4'])
  })
  it('--seed gives every section T.key(seed), whichever sections run; --full the longer config', async () => {
    const out = scratch()
    const experiments = [fake('2.2'), fake('3.2')]
    const draws = async (argv: string[]) => {
      const r = await capture(['lecture', '--json', '--out', out, ...argv], experiments)
      const s = decoded(JSON.parse(r.stdout)).sections
      return Object.fromEntries(Object.entries(s).map(([id, v]) => [id, v.metrics.draw]))
    }
    const seed0 = await draws([])
    const seed7 = await draws(['--seed', '7'])
    expect(seed0['2.2']).toBe(seed0['3.2'])
    expect(seed7['2.2']).not.toBe(seed0['2.2'])
    expect(await draws(['--seed', '7', '--section', '3.2'])).toEqual({ '3.2': seed7['3.2'] })
    const full = await capture(['lecture', '--full', '--json', '--out', out], experiments)
    const results = decoded(JSON.parse(full.stdout))
    expect(results.full).toBe(true)
    expect(results.sections['2.2']?.metrics).toMatchObject({ full: true, last: 1 / 8 })
  })
  it('--json: stdout is exactly results.json (also what an experiment logs goes to stderr)', async () => {
    const out = scratch()
    const noisy = fake('3.2', { onRun: () => console.log('a line an experiment logs') })
    const { code, stdout, stderr } = await capture(['lecture', '--json', '--out', out], [fake('2.2'), noisy])
    expect(code).toBe(0)
    expect(stdout).toBe(readFileSync(join(out, 'results.json'), 'utf8'))
    expect(decoded(JSON.parse(stdout)).sections['3.2']?.holds).toBe(true)
    expect(stderr).toContain('a line an experiment logs')
    expect(stderr).toContain('§2.2 fake 2.2')
    expect(stderr).toContain('§2.2 net: training, 4 steps')
    expect(stderr).toContain(`report written to ${join(out, 'index.html')}`)
  })
  it('non-finite metrics are written as null and the file still decodes', async () => {
    const out = scratch()
    const extra = {
      loss: Number.NaN,
      grad: Number.POSITIVE_INFINITY,
      curve: [1, Number.NEGATIVE_INFINITY],
      diverged: true,
    }
    const { code } = await capture(['lecture', '--out', out], [fake('4.4', { extra })])
    expect(code).toBe(0)
    const text = readFileSync(join(out, 'results.json'), 'utf8')
    expect(text).not.toMatch(/NaN|Infinity/)
    expect(decoded(JSON.parse(text)).sections['4.4']?.metrics).toMatchObject({
      loss: null,
      grad: null,
      curve: [1, null],
      diverged: true,
    })
  })
})

describe('index.html', () => {
  it('is self-contained: an inline <svg> per plot, no script, nothing fetched', async () => {
    const out = scratch()
    const experiments = [fake('2.2', { plots: 2 }), fake('3.2', { plots: 0 }), fake('4.4', { plots: 1 })]
    expect((await capture(['lecture', '--out', out], experiments)).code).toBe(0)
    const { html } = read(out)
    expect(html.match(/<svg[\s>]/g)).toHaveLength(3)
    expect(html.match(/<figure id="plot-/g)).toHaveLength(3)
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:|\/\/)/i)
    expect(html).not.toMatch(/url\(\s*["']?(https?:|\/\/)/i)
    expect(html).not.toMatch(/<script|<link|<img|<iframe/i)
  })
  it('shows each section’s claim, criterion, honest verdict, metrics, tables and the files it rests on', async () => {
    const out = scratch()
    const experiments = [
      fake('2.2', {
        fields: { code: 'packages/tasks/src/sections/x.ts', test: 'packages/tasks/test/x.test.ts' },
      }),
      fake('3.2', { holds: false }),
      fake('9.9'),
    ]
    await capture(['lecture', '--out', out], experiments)
    const { html } = read(out)
    const part = (id: string) =>
      html.slice(html.indexOf(`<section id="s-${id}">`)).split('</section>')[0] ?? ''
    expect(part('2.2')).toContain('<dt>claim</dt><dd>claim of 2.2</dd>')
    expect(part('2.2')).toContain('<dt>criterion</dt><dd>criterion of 2.2</dd>')
    expect(part('2.2')).toContain('✓ holds')
    expect(part('2.2')).toContain('<code>packages/tasks/src/sections/x.ts</code>')
    expect(part('2.2')).toContain('<code>packages/tasks/test/x.test.ts</code>')
    expect(part('2.2')).toContain('<code>docs/section-2.md#22-the-worked-example</code>')
    expect(part('2.2')).toContain('<figcaption>losses of 2.2</figcaption>')
    expect(part('2.2')).toMatch(/<td>last<\/td><td>0\.25<\/td>/)
    expect(part('3.2')).toContain('✗ does not hold')
    expect(part('3.2')).not.toContain('✓')
    expect(part('9.9')).not.toContain('<dt>docs</dt>')
  })
  it('escapes what the experiments say', async () => {
    const out = scratch()
    const evil = { ...fake('2.2'), claim: '<script>alert(1)</script> & "x"' }
    await capture(['lecture', '--out', out], [evil])
    const { html } = read(out)
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;')
  })
  it('a plot that names a URL is not fetched: the page says so, the command names it and exits 1', async () => {
    const out = scratch()
    const remote = {
      id: 'remote',
      title: 'remote data',
      spec: { data: { url: 'https://example.invalid/data.json' }, mark: 'point' },
    }
    const { code, stderr } = await capture(['lecture', '--out', out], [fake('2.2', { plot: remote })])
    expect(code).toBe(1)
    expect(stderr).toMatch(/^recurrent: §2\.2 plot "remote" not rendered: .*inline/)
    const { html } = read(out)
    expect(html).toContain('not rendered')
    expect(html.match(/<svg[\s>]/g)).toHaveLength(1)
  })
})

describe('progress', () => {
  it('not a terminal: a line when each training run starts and ends, with its last loss', async () => {
    const { stdout } = await capture(
      ['lecture', '--out', scratch()],
      [fake('3.2', { runs: ['rnn', 'lstm'] })],
    )
    expect(stdout).toContain(
      '  §3.2 rnn: training, 4 steps\n  §3.2 rnn: done, 4 steps, loss 0.25\n  §3.2 lstm: training, 4 steps\n  §3.2 lstm: done, 4 steps, loss 0.25\n',
    )
  })
  it('a terminal: a cli-progress bar per training run, complete at the end', async () => {
    const { stdout } = await capture(
      ['lecture', '--out', scratch()],
      [fake('3.2', { runs: ['rnn', 'lstm'] })],
      true,
    )
    expect(stdout).toMatch(/§3\.2 rnn \[=+\] 100% 4\/4 steps \| loss 0\.25/)
    expect(stdout).toMatch(/§3\.2 lstm \[=+\] 100% 4\/4 steps \| loss 0\.25/)
    expect(stdout).toContain('\x1b[')
  })
  it('a run that stops early says so: its line reads "3 of 4 steps", its bar stays at 3/4', async () => {
    const lines = await capture(['lecture', '--out', scratch()], [fake('4.3', { stopAt: 3 })])
    expect(lines.stdout).toContain('  §4.3 net: done, 3 of 4 steps, loss 0.3333\n')
    const bars = await capture(['lecture', '--out', scratch()], [fake('4.3', { stopAt: 3 })], true)
    expect(bars.stdout).toMatch(/§4\.3 net \[=+-+\] +75% 3\/4 steps \| loss 0\.3333/)
    expect(bars.stdout).not.toContain('100%')
  })
  it('--json on a terminal: the bars go to stderr, stdout stays JSON', async () => {
    const { stdout, stderr } = await capture(['lecture', '--json', '--out', scratch()], [fake('3.2')], true)
    expect(stderr).toMatch(/§3\.2 net \[=+\] 100%/)
    expect(() => JSON.parse(stdout)).not.toThrow()
  })
})

describe('help and the other commands', () => {
  it('--help on every command, exit 0, on stdout', async () => {
    const experiments = [fake('2.2'), fake('4.4')]
    const general = await capture(['--help'], experiments)
    expect(general).toMatchObject({ code: 0, stderr: '' })
    expect(general.stdout).toMatch(
      /^usage: recurrent lecture .*\n\s+recurrent seeds .*\n\s+recurrent backends/,
    )
    const lecture = await capture(['lecture', '--help'], experiments)
    expect(lecture.code).toBe(0)
    expect(lecture.stdout).toContain('2.2  fake 2.2')
    expect(lecture.stdout).toContain('4.4  fake 4.4')
    expect(lecture.stdout).toContain('--strict')
    expect((await capture(['lecture', '--help'], [])).stdout).toContain('(no section is registered)')
    expect((await capture(['backends', '--help'], experiments)).stdout).toMatch(
      /^usage: recurrent backends\n/,
    )
    expect((await capture(['seeds', '-h'], experiments)).stdout).toMatch(/^usage: recurrent seeds /)
  })
  it('recurrent backends lists every provider and gpu.js mode, with the reason for each one off', async () => {
    const { code, stdout } = await capture(['backends'], [])
    expect(code).toBe(0)
    expect(stdout).toMatch(/reference\s+available/)
    expect(stdout).toMatch(/wasm\s+available/)
    expect(stdout).toMatch(/cpu\s+available/)
    expect(stdout).toMatch(/webgpu\s+off: .*glibc/)
  })
  it('recurrent seeds: a Markdown table, a column per seed, holds per seed; a failure is marked and exits 1', async () => {
    const dir = scratch()
    const file = join(dir, 'docs', 'results.md')
    const ok = await capture(['seeds', '--out', file], [fake('2.2'), fake('3.2', { holds: false })])
    expect(ok.code).toBe(0)
    const page = readFileSync(file, 'utf8')
    expect(page).toContain('| section | metric | seed 0 | seed 1 | seed 2 | seed 3 | seed 4 |')
    expect(page).toContain('| §2.2 fake 2.2 | holds | ✓ | ✓ | ✓ | ✓ | ✓ |')
    expect(page).toContain('| §3.2 fake 3.2 | holds | ✗ | ✗ | ✗ | ✗ | ✗ |')
    expect(page).toContain('| §2.2 | last | 0.25 | 0.25 | 0.25 | 0.25 | 0.25 |')
    const draws = /\| §2\.2 \| draw \|(.*)\|/.exec(page)?.[1]?.split('|') ?? []
    expect(new Set(draws.map((d) => d.trim())).size).toBe(5)
    expect(ok.stdout).toContain(`table written to ${file}`)
    const failing = await capture(['seeds', '--out', file], [fake('2.2', { throws: 'no' })])
    expect(failing.code).toBe(1)
    expect(readFileSync(file, 'utf8')).toContain(
      '| §2.2 fake 2.2 | holds | failed | failed | failed | failed | failed |',
    )
  })
})

describe('the report writer', () => {
  it('--out into a folder the process cannot write: exit 1, one line naming the file and the system reason', async () => {
    // /sys refuses new files even to root, where a chmod-ed folder would not.
    expect(statSync('/sys').isDirectory()).toBe(true)
    const { code, stderr } = await capture(['lecture', '--out', '/sys'], [fake('2.2')])
    expect(code).toBe(1)
    expect(stderr).toMatch(
      /^recurrent: WriteError at \/sys\/results\.json: cannot write: E[A-Z]+ \S[^\n]*\n$/,
    )
    expect(readdirSync('/sys')).not.toContain('results.json')
  })
  it('--out naming a file: a WriteError for the folder, nothing written, the file untouched', async () => {
    const dir = scratch()
    const file = join(dir, 'taken')
    writeFileSync(file, 'not a folder\n')
    const { code, stdout, stderr } = await capture(['lecture', '--out', file], [fake('2.2')])
    expect(code).toBe(1)
    expect(stdout).not.toContain('report written')
    expect(stderr).toBe(
      `recurrent: WriteError at ${file}: cannot create the folder: EEXIST file already exists\n`,
    )
    expect(readdirSync(dir)).toEqual(['taken'])
    expect(readFileSync(file, 'utf8')).toBe('not a folder\n')
  })
  it('index.html taken by a folder: exit 1, the folder kept, no temporary file left', async () => {
    const dir = scratch()
    mkdirSync(join(dir, 'index.html'))
    writeFileSync(join(dir, 'index.html', 'keep'), 'kept\n')
    const { code, stderr } = await capture(['lecture', '--out', dir], [fake('2.2')])
    expect(code).toBe(1)
    expect(stderr).toMatch(/^recurrent: WriteError at .*index\.html: cannot write: E[A-Z]+ /)
    expect(readdirSync(dir).sort()).toEqual(['index.html', 'results.json'])
    expect(readdirSync(join(dir, 'index.html'))).toEqual(['keep'])
  })
  it('a second run replaces the report whole, leaving no temporary file', async () => {
    const dir = scratch()
    await capture(['lecture', '--out', dir], [fake('2.2'), fake('3.2')])
    await capture(['lecture', '--out', dir, '--section', '3.2'], [fake('2.2'), fake('3.2')])
    expect(readdirSync(dir).sort()).toEqual(['index.html', 'results.json'])
    expect(Object.keys(decoded(read(dir).json).sections)).toEqual(['3.2'])
    expect(read(dir).html).not.toContain('fake 2.2')
  })
  it('writeReport: a folder below a file, a folder under /proc: WriteErrors naming the folder', () => {
    const dir = scratch()
    const file = join(dir, 'taken')
    writeFileSync(file, 'x')
    expect(writeReport(join(file, 'below'), 'results.json', 'x\n')).toEqual({
      _tag: 'Left',
      left: {
        _tag: 'WriteError',
        reason: 'cannot create the folder: ENOTDIR not a directory',
        path: join(file, 'below'),
      },
    })
    expect(writeReport('/proc/self/no-such/report', 'results.json', 'x\n')).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'WriteError', path: expect.stringMatching(/^\/proc\/self\/no-such/) },
    })
  })
  it('writeReport creates missing folders and replaces an earlier file whole', () => {
    const dir = join(scratch(), 'a', 'b')
    expect(writeReport(dir, 'results.json', 'first\n')).toEqual({
      _tag: 'Right',
      right: join(dir, 'results.json'),
    })
    expect(writeReport(dir, 'results.json', 'second\n')._tag).toBe('Right')
    expect(readFileSync(join(dir, 'results.json'), 'utf8')).toBe('second\n')
    expect(readdirSync(dir)).toEqual(['results.json'])
  })
  it('main on process streams by default (the bin’s call): help to stdout', async () => {
    const out = sink()
    const original = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string) => out.write(chunk)) as typeof process.stdout.write
    try {
      expect(await main(['--help'])).toBe(0)
    } finally {
      process.stdout.write = original
    }
    expect(out.text()).toMatch(/^usage: recurrent lecture/)
  })
})
