/**
 * Round trip with a real PyTorch (`npm run test:torch`; CI runs it after installing
 * python3-torch, it is not in the default suite). PyTorch → library: `scripts/torch_roundtrip.py
 * save` writes float32 `nn.LSTM`/`nn.GRU` state dicts as safetensors (among them a GRU with
 * bias=False and an LSTM with proj_size=2 and batch_first=True); we decode, load them with
 * `fromTorch`, reading bias and projSize off the keys, and reproduce PyTorch's outputs. Library → PyTorch: we write our own params with
 * `toTorch` + `T.safetensors.encode`; `torch_roundtrip.py check` loads them with
 * `load_state_dict(strict=True)` and its outputs equal ours.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, type Tolerance } from '@recurrent/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  fromTorch,
  type InteropError,
  type TorchKind,
  type TorchOptions,
  type TorchParams,
  torchModel,
  toTorch,
} from '../src/index.ts'

/** The state dict of params, or a failure that says which key is off. */
const stateDictOf = (kind: TorchKind, params: TorchParams, options: TorchOptions): Record<string, Tensor> => {
  const r = toTorch(kind, params, options)
  if (r._tag === 'Left') throw new Error(T.showBoundaryError(r.left as InteropError))
  return r.right
}

const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('../scripts/torch_roundtrip.py', import.meta.url))
/** float32 on both sides: the same operations, summed in different orders. */
const F32: Tolerance = { atol: 1e-5, rtol: 1e-4 }

/** The largest absolute difference seen against PyTorch, per direction (printed at the end). */
const worst: Record<string, number> = { 'torch → library': 0, 'library → torch': 0 }

/** `assertClose`, and records the largest absolute difference. */
const close = (direction: string, what: string, actual: Tensor, expected: T.Nested): void => {
  assertClose(actual, expected, F32, what)
  const a = T.toTypedArray(actual)
  const b = T.toTypedArray(T.tensor(expected, { dtype: 'f64' }))
  for (let i = 0; i < a.length; i++) worst[direction] = Math.max(worst[direction], Math.abs(a[i] - b[i]))
}

const python = (...args: string[]): string =>
  execFileSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

interface Saved {
  readonly name: string
  readonly kind: TorchKind
  readonly numLayers: number
  readonly bidirectional: boolean
  readonly bias: boolean
  readonly projSize: number
  readonly batchFirst: boolean
  readonly inputSize: number
  readonly hiddenSize: number
  readonly x: T.Nested
  readonly h0: T.Nested
  readonly c0?: T.Nested
  readonly output: T.Nested
  readonly h_n: T.Nested
  readonly c_n?: T.Nested
}

interface Outputs {
  readonly output: T.Nested
  readonly h_n: T.Nested
  readonly c_n?: T.Nested
}

/** The modules `torch_roundtrip.py save` writes, by name: its CASES. */
const CASES: readonly { name: string; kind: TorchKind }[] = [
  { name: 'LSTM', kind: 'LSTM' },
  { name: 'GRU', kind: 'GRU' },
  { name: 'GRU-bias-false', kind: 'GRU' },
  { name: 'LSTM-proj', kind: 'LSTM' },
]
const f32 = (nested: T.Nested): Tensor => T.tensor(nested, { dtype: 'f32' })
/** What a state dict cannot tell; bias and projSize come from its keys. */
const optionsOf = (s: Saved): TorchOptions => ({
  numLayers: s.numLayers,
  bidirectional: s.bidirectional,
  batchFirst: s.batchFirst,
})
/** Every option, as PyTorch's constructor takes them. */
const allOptionsOf = (s: Saved): TorchOptions => ({ ...optionsOf(s), bias: s.bias, projSize: s.projSize })

let dir = ''
beforeAll(() => {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' })
  } catch (e) {
    throw new Error(
      `this suite needs ${PYTHON} with PyTorch (Debian: apt-get install python3-torch): ${(e as Error).message}`,
    )
  }
  dir = mkdtempSync(join(tmpdir(), 'recurrent-torch-'))
  python('save', dir)
})
afterAll(() => {
  console.info(`torch round trip (f32): max |Δ| ${JSON.stringify(worst)}`)
  if (dir !== '') rmSync(dir, { recursive: true, force: true })
})

const saved = (name: string): Saved => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'))

const loadSafetensors = (name: string): Record<string, Tensor> => {
  const r = T.safetensors.decodeFlat(new Uint8Array(readFileSync(join(dir, `${name}.safetensors`))))
  if (r._tag === 'Left') throw new Error(T.safetensors.renderDecodeError(r.left))
  return r.right.tensors
}

describe('PyTorch → library: state dicts saved by PyTorch as safetensors', () => {
  for (const { name, kind } of CASES) {
    it(`${name}: fromTorch reproduces PyTorch's output, h_n${kind === 'LSTM' ? ', c_n' : ''}`, () => {
      const s = saved(name)
      expect(s.kind).toBe(kind)
      const sd = loadSafetensors(name)
      for (const t of Object.values(sd)) expect(t.dtype).toBe('f32')
      const r = fromTorch(kind, sd, optionsOf(s))
      if (r._tag === 'Left') throw new Error(T.showBoundaryError(r.left))
      const { params, apply } = r.right
      const out = apply(params, f32(s.x), { h0: f32(s.h0), c0: s.c0 === undefined ? undefined : f32(s.c0) })
      const way = 'torch → library'
      close(way, `${name} output`, out.output, s.output)
      close(way, `${name} h_n`, out.hN, s.h_n)
      if (kind === 'LSTM') close(way, `${name} c_n`, out.cN!, s.c_n!)
      // Same names back out, in PyTorch's order (no zero biases for a bias-free module).
      expect(Object.keys(stateDictOf(kind, params, optionsOf(s)))).toEqual(Object.keys(sd))
    })
  }
})

describe('library → PyTorch: params made here, loaded with load_state_dict(strict=True)', () => {
  it('PyTorch computes the same outputs as the library', () => {
    const ours: Record<string, Outputs> = {}
    CASES.forEach(({ name, kind }, i) => {
      const s = saved(name)
      const opts = allOptionsOf(s)
      const [kp, kx, kh, kc] = T.split(T.key(100 + i), 4)
      const params = torchModel(kind, opts).init(kp, {
        inputSize: s.inputSize,
        hiddenSize: s.hiddenSize,
        dtype: 'f32',
      })
      const D = s.bidirectional ? 2 : 1
      const [T_, B] = [7, 2]
      const x = T.randn(kx, s.batchFirst ? [B, T_, s.inputSize] : [T_, B, s.inputSize], 'f32')
      const h0 = T.randn(kh, [s.numLayers * D, B, s.projSize || s.hiddenSize], 'f32')
      const c0 = kind === 'LSTM' ? T.randn(kc, [s.numLayers * D, B, s.hiddenSize], 'f32') : undefined
      const sd = stateDictOf(kind, params, opts)
      const r = fromTorch(kind, sd, opts)
      if (r._tag === 'Left') throw new Error(T.showBoundaryError(r.left))
      const out = r.right.apply(params, x, { h0, c0 })
      ours[name] = {
        output: T.toArray(out.output),
        h_n: T.toArray(out.hN),
        ...(out.cN && { c_n: T.toArray(out.cN) }),
      }
      writeFileSync(join(dir, `${name}.safetensors`), T.safetensors.encode(sd))
      const input = { ...opts, x: T.toArray(x), h0: T.toArray(h0), ...(c0 && { c0: T.toArray(c0) }) }
      writeFileSync(join(dir, `${name}.input.json`), JSON.stringify(input))
    })
    const theirs: Record<string, Outputs> = JSON.parse(python('check', dir))
    expect(Object.keys(theirs).sort()).toEqual(CASES.map((c) => c.name).sort())
    for (const { name, kind } of CASES) {
      const [a, b] = [ours[name], theirs[name]]
      const way = 'library → torch'
      close(way, `${name} output`, f32(b.output), a.output)
      close(way, `${name} h_n`, f32(b.h_n), a.h_n)
      if (kind === 'LSTM') close(way, `${name} c_n`, f32(b.c_n!), a.c_n!)
      else expect(b.c_n).toBeUndefined()
    }
  })
})
