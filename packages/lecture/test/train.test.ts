import { spawn } from 'node:child_process'
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findTask } from '@recurrent/tasks'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkpointName, latestCheckpoint, loadCheckpoint, Manifest } from '../src/checkpoint.ts'
import { main } from '../src/index.ts'
import { commandOf, decodeTrainArgs } from '../src/train-args.ts'
import { scratch, sink } from './fakes.ts'

const BIN = fileURLToPath(new URL('../bin/recurrent.mjs', import.meta.url))
const NAMES = ['adding-gru', 'adding-lstm', 'tagger-lstm']

/** Runs `recurrent` in this process, capturing both outputs. */
const recurrent = async (...argv: string[]) => {
  const stdout = sink()
  const stderr = sink()
  const code = await main(argv, { experiments: [], stdout, stderr })
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}

/** A small adding-problem configuration, written to `dir/config.json`. */
const smallConfig = (dir: string, over: Record<string, number> = {}): string => {
  const file = join(dir, 'config.json')
  const config = {
    steps: 40,
    checkpointEvery: 10,
    length: 8,
    hiddenSize: 8,
    batchSize: 8,
    testSize: 32,
    ...over,
  }
  writeFileSync(file, JSON.stringify(config))
  return file
}

/** Every file under `dir`, by relative path, with its bytes. */
const snapshot = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {}
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p, `${rel}${name}/`)
      else out[`${rel}${name}`] = readFileSync(p).toString('base64')
    }
  }
  if (existsSync(dir)) walk(dir, '')
  return out
}

const stepDirs = (run: string): string[] =>
  readdirSync(join(run, 'checkpoints'))
    .filter((n) => n.startsWith('step-'))
    .sort()

/** A trained run of `adding-gru` (40 steps, a checkpoint every 10) in a new folder. */
const trainedRun = async () => {
  const dir = scratch()
  const config = smallConfig(dir)
  const run = join(dir, 'run')
  const r = await recurrent('train', 'adding-gru', '--config', config, '--out', run)
  expect(r.code, r.stderr).toBe(0)
  return { dir, config, run, last: join(run, 'checkpoints', checkpointName(40)) }
}

describe('recurrent train: the command line', () => {
  it('decodes train and eval, naming the flag or TASK and quoting the value in every Left', () => {
    const d = (...argv: string[]) => decodeTrainArgs(argv, NAMES)
    expect(d('train', '--list')).toEqual({ _tag: 'Right', right: { command: 'train', list: true } })
    expect(d('train', 'adding-gru')).toEqual({
      _tag: 'Right',
      right: {
        command: 'train',
        list: false,
        task: 'adding-gru',
        out: 'runs/adding-gru',
        resume: false,
        printConfig: false,
      },
    })
    expect(d('eval', '--checkpoint', 'x', '--json')).toEqual({
      _tag: 'Right',
      right: { command: 'eval', checkpoint: 'x', json: true },
    })
    expect(d('train', '-h')).toEqual({ _tag: 'Right', right: { command: 'help', topic: 'train' } })
    const left = (reason: RegExp | string, path: string) => ({
      _tag: 'Left',
      left: {
        _tag: 'UsageError',
        path,
        reason: typeof reason === 'string' ? reason : expect.stringMatching(reason),
      },
    })
    expect(d('train', 'adding-gur')).toEqual(
      left(/^"adding-gur" is not a task \(the tasks are adding-gru, /, 'TASK'),
    )
    expect(d('train')).toEqual(left(/^is missing: name the task/, 'TASK'))
    expect(d('train', 'adding-gru', '--steps', '0')).toEqual(left(/^"0" is not a step budget/, '--steps'))
    expect(d('train', 'adding-gru', '--seed=1.5')).toEqual(left(/^"1.5" is not a seed/, '--seed'))
    expect(d('train', 'adding-gru', '--json')).toEqual(
      left('applies only to the eval command, not "train"', '--json'),
    )
    expect(d('train', '--list', '--resume')).toEqual(left('does not go with --list', '--resume'))
    expect(d('eval')).toEqual(left(/^is missing: name the checkpoint/, '--checkpoint'))
    expect(d('eval', '--checkpoint', 'a', 'b')).toEqual(left('unexpected argument "b"', 'argv[3]'))
    expect(d('export', '--checkpoint', 'c', '--torch', 't')).toEqual({
      _tag: 'Right',
      right: { command: 'export', checkpoint: 'c', torch: 't' },
    })
    expect(d('import', '--torch', 't', '--out', 'r')).toEqual({
      _tag: 'Right',
      right: { command: 'import', torch: 't', out: 'r' },
    })
    expect(d('export', '--checkpoint', 'c')).toEqual(left(/^is missing: name the folder/, '--torch'))
    expect(d('import', '--torch', 't')).toEqual(left(/^is missing: name the run directory/, '--out'))
    expect(d('export', '--checkpoint', 'c', '--torch', 't', '--json')).toEqual(
      left('applies only to the eval command, not "export"', '--json'),
    )
    expect(d('train', 'adding-gru', '--checkpoint', 'c')).toEqual(
      left('applies only to the eval and export commands, not "train"', '--checkpoint'),
    )
    expect(d('train', 'adding-gru', '--bogus')).toEqual(left(/^unknown option "--bogus"/, '--bogus'))
    expect(commandOf(['--seed', '3', 'train'])).toBe('train')
    expect(commandOf(['--section=2.2', 'lecture'])).toBe('lecture')
  })

  it('the usage names train, eval, export and import; each has its help', async () => {
    const unknown = await recurrent('foo')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(
      /unknown command "foo" \(the commands are lecture, seeds, backends, help, train, eval, export, import\)/,
    )
    expect((await recurrent('export', '--help')).stdout).toMatch(
      /^usage: recurrent export --checkpoint DIR --torch OUT\n/,
    )
    expect((await recurrent('import', '-h')).stdout).toMatch(
      /^usage: recurrent import --torch DIR --out RUN\n/,
    )
    expect(unknown.stderr).toMatch(/\n {7}recurrent train --list \| TASK /)
    const help = await recurrent('train', '--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^usage: recurrent train --list\n/)
    expect(help.stdout).toContain('--resume        continue from DIR')
    expect((await recurrent('eval', '-h')).stdout).toMatch(
      /^usage: recurrent eval --checkpoint DIR \[--json\]/,
    )
    const bad = await recurrent('train', 'nope')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(
      /^recurrent: UsageError at TASK: "nope" is not a task \(the tasks are tagger-feedforward, /,
    )
  })

  it('never throws on any command line; a Left names a flag, TASK, command or argument', () => {
    const word = fc.oneof(
      fc.constantFrom(
        'train',
        'eval',
        'export',
        'import',
        '--list',
        '--resume',
        '--print-config',
        '--json',
        '-h',
        '--',
        ...NAMES,
      ),
      fc.constantFrom('--config', '--seed', '--steps', '--out', '--checkpoint', '--torch').chain((f) =>
        fc.oneof(
          fc.constant(f),
          fc.string().map((v) => `${f}=${v}`),
        ),
      ),
      fc.string(),
    )
    fc.assert(
      fc.property(fc.array(word, { maxLength: 7 }), (tail) => {
        for (const command of ['train', 'eval', 'export', 'import']) {
          const r = decodeTrainArgs([command, ...tail], NAMES)
          if (r._tag === 'Left') expect(r.left.path).toMatch(/^(-.+|TASK|command|argv\[\d+\])$/)
          else expect([command, 'help']).toContain(r.right.command)
        }
      }),
      { numRuns: Math.max(200, numRuns(0)) },
    )
  })

  it('train --list names every task with one line; --print-config shows every field with its default and range', async () => {
    const list = await recurrent('train', '--list')
    expect(list.code).toBe(0)
    const lines = list.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(12)
    expect(lines[0]).toMatch(/^tagger-feedforward {2,}the §1\.2 tagger without memory/)
    expect(lines.at(-1)).toMatch(/^adding-scrn {2,}the §4\.5 SCRN/)
    const shown = await recurrent('train', 'adding-lstm', '--print-config', '--steps', '30')
    expect(shown.code).toBe(0)
    const task = findTask('adding-lstm')
    for (const [name, f] of Object.entries(task?.fields ?? {}))
      expect(shown.stdout).toMatch(
        new RegExp(`\\n\\s+${name}\\s+\\S+\\s+\\S+\\s+${f.integer ? 'an integer' : 'a number'}`),
      )
    expect(shown.stdout).toMatch(/\n\s+steps\s+30\s+800\s+an integer from 1 to 10000000/)
    expect(shown.stdout).toContain('"learningRate": 0.01')
  })

  it('a bad configuration is exit 2 naming the file, the field and the value; nothing is written', async () => {
    const dir = scratch()
    const file = smallConfig(dir, { hiddenSize: 0 })
    const r = await recurrent('train', 'adding-gru', '--config', file, '--out', join(dir, 'run'))
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      `recurrent: ${file}: ConfigError at hiddenSize: 0 is not an integer from 1 to 4096\n`,
    )
    writeFileSync(file, '{"hidenSize": 8}')
    const unknown = await recurrent('train', 'adding-gru', '--config', file, '--out', join(dir, 'run'))
    expect(unknown.stderr).toMatch(/ConfigError at hidenSize: 8 is not a field of adding-gru/)
    writeFileSync(file, '{"steps": ')
    expect((await recurrent('train', 'adding-gru', '--config', file)).stderr).toMatch(/is not JSON/)
    expect(existsSync(join(dir, 'run'))).toBe(false)
  })
})

describe('recurrent train: checkpoints', () => {
  it('writes a checkpoint every checkpointEvery steps and at the end: params and optimiser state as safetensors, a manifest with checksums', async () => {
    const { run, last } = await trainedRun()
    expect(stepDirs(run)).toEqual(['step-000010', 'step-000020', 'step-000030', 'step-000040'])
    expect(readdirSync(last).sort()).toEqual(['manifest.json', 'optimizer.safetensors', 'params.safetensors'])
    const manifest = Manifest.decode(JSON.parse(readFileSync(join(last, 'manifest.json'), 'utf8')))
    if (manifest._tag === 'Left') throw new Error('manifest.json does not decode')
    expect(manifest.right).toMatchObject({ task: 'adding-gru', seed: 0, step: 40, version: '0.1.0' })
    expect(manifest.right.config).toMatchObject({
      steps: 40,
      checkpointEvery: 10,
      hiddenSize: 8,
      learningRate: 0.01,
    })
    expect(Object.keys(manifest.right.metrics)).toEqual(['loss', 'testMse', 'baselineMse', 'ratio'])
    expect(manifest.right.files['params.safetensors'].sha256).toMatch(/^[0-9a-f]{64}$/)
    // The params load against the task's params by tree path.
    const task = findTask('adding-gru')
    const template = task?.setup(manifest.right.config as never, T.key(0)).initParams
    const params = T.safetensors.decodeAs(readFileSync(join(last, 'params.safetensors')), template ?? {})
    expect(params._tag).toBe('Right')
    expect(T.treePaths(params._tag === 'Right' ? params.right : {})).toEqual([
      'cell.W_ih',
      'cell.W_hh',
      'cell.b_ih',
      'cell.b_hh',
      'out.W',
      'out.b',
    ])
    const loaded = loadCheckpoint(last)
    expect(loaded._tag === 'Right' && loaded.right.state.step).toBe(40)
    // eval checks and measures it: the same test MSE as the manifest's.
    const evaluated = await recurrent('eval', '--checkpoint', run, '--json')
    expect(evaluated.code).toBe(0)
    const json = JSON.parse(evaluated.stdout)
    expect(json).toMatchObject({ checkpoint: last, task: 'adding-gru', step: 40, seed: 0 })
    expect(json.metrics.testMse).toBe(manifest.right.metrics.testMse)
    const text = await recurrent('eval', '--checkpoint', join(run, 'checkpoints', 'step-000020'))
    expect(text.stdout).toMatch(/^adding-gru after 20 of 40 steps, seed 0 /)
    expect(text.stdout).toMatch(/\n\s+testMse\s+\d/)
  })

  it('refuses to train into a run that has checkpoints without --resume, and --resume with none; nothing is overwritten', async () => {
    const { config, run } = await trainedRun()
    const before = snapshot(run)
    const again = await recurrent('train', 'adding-gru', '--config', config, '--out', run)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/holds checkpoints already .* pass --resume/)
    // What a crash in the middle of writing a checkpoint leaves: never read, removed on --resume.
    const unfinished = join(run, 'checkpoints', '.step-000050.tmp-12345')
    mkdirSync(unfinished)
    writeFileSync(join(unfinished, 'params.safetensors'), 'half')
    expect(latestCheckpoint(run)).toBe(join(run, 'checkpoints', 'step-000040'))
    const done = await recurrent('train', 'adding-gru', '--out', run, '--resume')
    expect(done.code).toBe(0)
    expect(done.stdout).toMatch(
      /removed 1 unfinished checkpoint folder a crash left behind\n[\s\S]*already trained/,
    )
    expect(existsSync(unfinished)).toBe(false)
    expect(snapshot(run)).toEqual(before)
    const none = await recurrent('train', 'adding-gru', '--out', join(scratch(), 'empty'), '--resume')
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/--resume: no checkpoint to resume in /)
  })

  it('loading checks everything: a missing, truncated or changed file, a changed manifest, another task, another config; short errors naming the file and field, exit 1, nothing overwritten', async () => {
    const { run, last } = await trainedRun()
    const mid = join(run, 'checkpoints', 'step-000030')
    const other = await recurrent('train', 'adding-lstm', '--out', run, '--resume')
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(
      /^recurrent: CheckpointError at \S+step-000040\/manifest\.json: task: the checkpoint is of adding-gru, not adding-lstm\n$/,
    )
    const steps = await recurrent('train', 'adding-gru', '--out', run, '--resume', '--steps', '80')
    expect(steps.code).toBe(1)
    expect(steps.stderr).toMatch(/manifest\.json: config\.steps: the checkpoint's is 40, --steps gives 80\n$/)
    const seed = await recurrent('train', 'adding-gru', '--out', run, '--resume', '--seed', '1')
    expect(seed.stderr).toMatch(/manifest\.json: seed: the checkpoint's is 0, --seed gives 1\n$/)
    const before = snapshot(run)
    const expectBroken = async (dir: string, error: RegExp) => {
      const r = await recurrent('eval', '--checkpoint', dir)
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(error)
      expect(r.stderr.split('\n')).toHaveLength(2)
    }
    const params = join(last, 'params.safetensors')
    const bytes = readFileSync(params)
    writeFileSync(params, bytes.subarray(0, bytes.length - 4))
    await expectBroken(
      last,
      /CheckpointError at \S+\/params\.safetensors: has \d+ bytes, the manifest says \d+ \(truncated\)/,
    )
    const flipped = Buffer.from(bytes)
    flipped[flipped.length - 1] ^= 1
    writeFileSync(params, flipped)
    await expectBroken(
      last,
      /CheckpointError at \S+\/params\.safetensors: its sha256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64} \(the file was changed\)/,
    )
    writeFileSync(params, bytes)
    const manifestFile = join(mid, 'manifest.json')
    const manifest = readFileSync(manifestFile, 'utf8')
    writeFileSync(manifestFile, manifest.replace('"step": 30', '"step": 20'))
    await expectBroken(
      mid,
      /CheckpointError at \S+step-000030\/manifest\.json: step: the manifest says 20, params\.safetensors records 30/,
    )
    writeFileSync(manifestFile, manifest.replace('"hiddenSize": 8', '"hiddenSize": 16'))
    await expectBroken(
      mid,
      /manifest\.json: config: the manifest says \{.*"hiddenSize":16.*\}, params\.safetensors records \{.*"hiddenSize":8/,
    )
    writeFileSync(manifestFile, manifest.replace('"seed": 0', '"seed": "0"'))
    await expectBroken(mid, /manifest\.json: seed: "0" is not number/)
    writeFileSync(manifestFile, manifest.slice(0, 50))
    await expectBroken(mid, /manifest\.json: is not UTF-8 JSON/)
    writeFileSync(manifestFile, manifest)
    const optimizer = join(mid, 'optimizer.safetensors')
    appendFileSync(optimizer, 'x')
    await expectBroken(mid, /optimizer\.safetensors: has \d+ bytes, the manifest says \d+ \(changed\)/)
    writeFileSync(optimizer, readFileSync(optimizer).subarray(0, -1))
    const first = join(run, 'checkpoints', 'step-000010')
    const firstParams = readFileSync(join(first, 'params.safetensors'))
    writeFileSync(join(first, 'params.safetensors'), '')
    await expectBroken(first, /params\.safetensors: has 0 bytes/)
    writeFileSync(join(first, 'params.safetensors'), firstParams)
    rmSync(join(mid, 'optimizer.safetensors'))
    await expectBroken(mid, /CheckpointError at \S+step-000030\/optimizer\.safetensors: is missing/)
    writeFileSync(
      join(mid, 'optimizer.safetensors'),
      Buffer.from(before['checkpoints/step-000030/optimizer.safetensors'], 'base64'),
    )
    // Every file is back as it was: no command wrote anything.
    expect(snapshot(run)).toEqual(before)
    // A damaged latest checkpoint stops --resume too.
    writeFileSync(params, flipped)
    const resume = await recurrent('train', 'adding-gru', '--out', run, '--resume')
    expect(resume.code).toBe(1)
    expect(resume.stderr).toMatch(/params\.safetensors: its sha256 is/)
  })

  it('a huge learning rate: the NaN guard stops training naming the step (and the tensor), the last good checkpoint stays', async () => {
    const dir = scratch()
    const run = join(dir, 'run')
    const r = await recurrent(
      'train',
      'adding-tanh',
      '--config',
      smallConfig(dir, { learningRate: 1e30, checkpointEvery: 1 }),
      '--out',
      run,
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      `recurrent: training stopped: the loss is Infinity at step 1; the last checkpoint is ${join(run, 'checkpoints', 'step-000001')} (step 1)\n`,
    )
    expect(stepDirs(run)).toEqual(['step-000001'])
    expect(readdirSync(join(run, 'checkpoints'))).toEqual(['step-000001'])
    expect(loadCheckpoint(join(run, 'checkpoints', 'step-000001'))._tag).toBe('Right')
    const overflow = await recurrent(
      'train',
      'adding-tanh',
      '--config',
      smallConfig(dir, { learningRate: 1e39 }),
      '--out',
      join(dir, 'run2'),
    )
    expect(overflow.code).toBe(1)
    expect(overflow.stderr).toMatch(
      /^recurrent: training stopped: the parameter (cell|out)\.\w+ is -?Infinity at step 0 \(element \d+\); no checkpoint was written\n$/,
    )
    const diverged = await recurrent(
      'train',
      'adding-tanh',
      '--config',
      smallConfig(dir, { learningRate: 1e3, divergencePatience: 5 }),
      '--out',
      join(dir, 'run3'),
    )
    expect(diverged.code).toBe(1)
    expect(diverged.stderr).toMatch(
      /training stopped: the loss \S+ at step 5 has stayed above 100 × its running minimum \S+ \(step 0\) for 5 steps; no checkpoint was written/,
    )
  })
})

describe('recurrent train --resume', () => {
  it('a run killed with SIGKILL after its first checkpoint, resumed, ends with files byte for byte those of an uninterrupted run', async () => {
    const dir = scratch()
    const config = smallConfig(dir, { steps: 300, checkpointEvery: 10 })
    const killed = join(dir, 'killed')
    const child = spawn(
      process.execPath,
      [BIN, 'train', 'adding-lstm', '--config', config, '--out', killed, '--seed', '7'],
      {
        stdio: 'ignore',
      },
    )
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_, signal) => resolve(signal)),
    )
    const first = join(killed, 'checkpoints', 'step-000010')
    const deadline = Date.now() + 60_000
    while (!existsSync(first) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    expect(existsSync(first)).toBe(true)
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    const atKill = stepDirs(killed)
    expect(atKill).not.toContain('step-000300')
    const resumed = await recurrent('train', 'adding-lstm', '--out', killed, '--resume')
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stdout).toMatch(/^adding-lstm: resuming at step \d+ of 300, seed 7/)
    const whole = join(dir, 'whole')
    const uninterrupted = await recurrent(
      'train',
      'adding-lstm',
      '--config',
      config,
      '--out',
      whole,
      '--seed',
      '7',
    )
    expect(uninterrupted.code).toBe(0)
    expect(stepDirs(killed)).toEqual(stepDirs(whole))
    expect(stepDirs(whole)).toHaveLength(30)
    const final = (run: string) => snapshot(join(run, 'checkpoints', 'step-000300'))
    expect(Object.keys(final(killed))).toEqual([
      'manifest.json',
      'optimizer.safetensors',
      'params.safetensors',
    ])
    expect(final(killed)).toEqual(final(whole))
    expect(snapshot(join(killed, 'checkpoints'))).toEqual(snapshot(join(whole, 'checkpoints')))
  }, 120_000)
})
