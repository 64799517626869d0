/**
 * brain.js's `recurrent.LSTMTimeStep` and `recurrent.GRUTimeStep`: plain JavaScript matrices, one weight update per sequence
 * (its own RMSProp-style rule with clipping). Trained on arrays of sequences of vectors it learns
 * to predict step t+1 from step t, so a sequence of T vectors of size I runs T−1 prediction
 * steps through an LSTM of H units and an output layer of size I back.
 *
 * Installed without build scripts: its peer gpu.js depends on gl (headless WebGL, a native
 * addon), which the recurrent networks never load.
 */
import brain from 'brain.js'
import { type CellKind, LEARNING_RATE, type LstmSize } from './library.ts'

/** A seeded stream of uniform numbers in [0, 1) (mulberry32), so the data is the same every run. */
const uniforms = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * One `net.train(sequences, { iterations: 1 })` call over a batch's B sequences (B updates).
 * Returns the call and the number of sequences it trains on.
 */
export const recurrentTrainer = (kind: CellKind, s: LstmSize): { step: () => number; sequences: number } => {
  const shape = { inputSize: s.I, hiddenLayers: [s.H], outputSize: s.I }
  const net =
    kind === 'lstm' ? new brain.recurrent.LSTMTimeStep(shape) : new brain.recurrent.GRUTimeStep(shape)
  const next = uniforms(7)
  const data = Array.from({ length: s.B }, () =>
    Array.from({ length: s.T }, () => Array.from({ length: s.I }, next)),
  )
  const options = { iterations: 1, errorThresh: 0, learningRate: LEARNING_RATE, log: false }
  return { step: () => net.train(data, options).error, sequences: s.B }
}
