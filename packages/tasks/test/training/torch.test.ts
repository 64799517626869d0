import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import { pythonModule, TASKS, torchExport, torchImport } from '../../src/index.ts'

/** Small sizes of every task's configuration (the fields a task lacks are ignored). */
const small = (defaults: Readonly<Record<string, number>>): Record<string, number> => {
  const over: Record<string, number> = {
    trainSentences: 8,
    testSentences: 4,
    batchSize: 4,
    embedding: 3,
    hidden: 4,
    length: 5,
    hiddenSize: 4,
    testSize: 4,
  }
  return Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, over[k] ?? v]))
}

const UNSUPPORTED: Readonly<Record<string, string>> = {
  'tagger-jordan': 'jordan',
  'adding-clockwork': 'clockwork',
  'adding-scrn': 'scrn',
}

describe('torchExport / torchImport over every task', () => {
  for (const task of TASKS) {
    it(`${task.name}: ${UNSUPPORTED[task.name] ? 'refused, naming the cell' : 'export then import gives the params back bit for bit'}`, () => {
      const config = small(task.defaults)
      const key = T.key(7)
      const { params } = task.init(config, key)
      const out = torchExport(task, config, key, params)
      const cell = UNSUPPORTED[task.name]
      if (cell !== undefined) {
        expect(out._tag).toBe('Left')
        if (out._tag === 'Left') expect(out.left.reason).toContain(`the ${cell} cell has no PyTorch module`)
        expect(torchImport(task, config, key, {})._tag).toBe('Left')
        return
      }
      if (out._tag === 'Left') throw new Error(out.left.reason)
      const { stateDict, paths, architecture, data } = out.right
      // Every parameter has one name, and every name but the buffers is a parameter.
      expect(Object.values(paths).sort()).toEqual(T.treePaths(params).sort())
      for (const name of Object.keys(stateDict))
        if (!Object.hasOwn(paths, name)) expect(['word_dims', 'word_values']).toContain(name)
      const back = torchImport(task, config, key, stateDict)
      if (back._tag === 'Left') throw new Error(back.left.reason)
      expect(T.treePaths(back.right)).toEqual(T.treePaths(params))
      T.treeLeaves(back.right).forEach((x, i) => {
        const y = T.treeLeaves(params)[i]
        expect(x.dtype).toBe(y.dtype)
        expect(Array.from(T.toTypedArray(x))).toEqual(Array.from(T.toTypedArray(y)))
      })
      // The held-out outputs are the model's, in the shape the module returns.
      expect(data['heldout.outputs'].shape[0]).toBe(
        data['heldout.inputs'].shape[architecture.model === 'tagger' ? 0 : 1],
      )
      const py = pythonModule(architecture, {
        task: task.name,
        description: task.description,
        seed: 7,
        step: 0,
      })
      expect(py).toContain(`TASK = ${JSON.stringify(task.name)}`)
      expect(py).toMatch(
        architecture.body.type === 'feedforward'
          ? /self\.hidden = nn\.Linear/
          : /self\.rnn = nn\.(RNN|LSTM|GRU)\(/,
      )
    })
  }

  it('a state dict of another vocabulary, or with a parameter of the wrong shape, is a Left naming the entry', () => {
    const task = TASKS.find((t) => t.name === 'tagger-gru')!
    const config = small(task.defaults)
    const key = T.key(7)
    const { stateDict } = (
      torchExport(task, config, key, task.init(config, key).params) as never as {
        right: { stateDict: Record<string, T.Tensor> }
      }
    ).right
    const vocabulary = torchImport(task, config, key, {
      ...stateDict,
      word_dims: T.zeros(stateDict.word_dims.shape, 'i32'),
    })
    expect(vocabulary._tag === 'Left' && vocabulary.left.path).toBe('word_dims')
    const shape = torchImport(task, config, key, { ...stateDict, 'rnn.bias_hh_l0': T.zeros([5]) })
    expect(shape._tag === 'Left' && shape.left.path).toBe('rnn.bias_hh_l0')
    expect(shape._tag === 'Left' && shape.left.reason).toContain(
      'rnn.bias_hh_l0 (params layer.b_hh): expected f32 [12], got f32 [5]',
    )
  })
})
