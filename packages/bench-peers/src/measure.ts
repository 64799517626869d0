/**
 * Timing for the peers benchmark: the median of several samples, each sample running the work
 * enough times to last at least `minSeconds` (as packages/bench/src/measure.ts), with a time
 * budget so that slow peers get fewer samples instead of stretching the run.
 */
import { performance } from 'node:perf_hooks'

export interface Timing {
  /** Median seconds per call. */
  readonly seconds: number
  /** Samples taken (fewer than asked when the budget ran out). */
  readonly samples: number
  /** Calls per sample. */
  readonly reps: number
}

export interface TimingOptions {
  /** Samples wanted (default 5). */
  readonly samples?: number
  /** Shortest sample, in seconds (default 0.05). */
  readonly minSeconds?: number
  /** Seconds the samples may take in all, after calibration (default 6); at least one is taken. */
  readonly budget?: number
}

/** The median of a non-empty list. */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** Times `f`, which may return a promise (awaited before the clock reads). */
export const timeIt = async (
  f: () => unknown,
  { samples = 5, minSeconds = 0.05, budget = 6 }: TimingOptions = {},
): Promise<Timing> => {
  // One warm-up call (JIT, first-use compilation, dispatch calibration), then calibrate the reps.
  const sampler = stepSampler(f)
  const { reps, first } = await calibrate(sampler, minSeconds)
  const wanted = Math.max(1, Math.min(samples, Math.floor(budget / first)))
  const times: number[] = []
  for (let s = 0; s < wanted; s++) times.push((await sampler.run(reps)) / reps)
  return { seconds: median(times), samples: wanted, reps }
}

/** Prints rows as a right-aligned table under a title. */
export const table = (title: string, header: string[], rows: (string | number)[][]): void => {
  console.log(`\n${title}`)
  const cells = [header, ...rows.map((r) => r.map(String))]
  const widths = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)))
  for (const r of cells) console.log(r.map((c, j) => (c ?? '').padStart(widths[j])).join('  '))
}

export const ratio = (x: number, y: number): string =>
  Number.isFinite(x) && Number.isFinite(y) && y > 0 ? `${(x / y).toFixed(2)}×` : 'n/a'

/** Something timed in samples: `run(reps)` makes `reps` calls and resolves to the seconds they took. */
export interface Sampler {
  readonly run: (reps: number) => Promise<number>
}

/** A sampler over a step function (which may return a promise, awaited before the clock reads). */
export const stepSampler = (step: () => unknown): Sampler => ({
  run: async (reps) => {
    const t0 = performance.now()
    for (let i = 0; i < reps; i++) {
      const r = step()
      if (r instanceof Promise) await r
    }
    return (performance.now() - t0) / 1000
  },
})

/** One warm-up call, then the calls per sample that make a sample last at least `minSeconds`. */
const calibrate = async (s: Sampler, minSeconds: number): Promise<{ reps: number; first: number }> => {
  await s.run(1)
  let reps = 1
  let first = await s.run(1)
  while (first < minSeconds) {
    reps = Math.ceil(reps * Math.max(2, (minSeconds / Math.max(first, 1e-6)) * 1.2))
    first = await s.run(reps)
  }
  return { reps, first }
}

/**
 * The library and a peer timed in turn: each calibrated, then `rounds` rounds (fewer when the
 * budget runs out, at least one) of one library sample followed by one peer sample; medians of
 * each. The slow and fast phases of a shared machine then fall on both sides of the ratio.
 */
export const paired = async (
  library: Sampler,
  peer: Sampler,
  { rounds = 5, minSeconds = 0.2, budget = 8 }: TimingOptions & { readonly rounds?: number } = {},
): Promise<{ library: Timing; peer: Timing; librarySamples: number[] }> => {
  const a = await calibrate(library, minSeconds)
  const b = await calibrate(peer, minSeconds)
  const n = Math.max(1, Math.min(rounds, Math.floor(budget / (a.first + b.first))))
  const mine: number[] = []
  const theirs: number[] = []
  for (let r = 0; r < n; r++) {
    mine.push((await library.run(a.reps)) / a.reps)
    theirs.push((await peer.run(b.reps)) / b.reps)
  }
  return {
    library: { seconds: median(mine), samples: n, reps: a.reps },
    peer: { seconds: median(theirs), samples: n, reps: b.reps },
    librarySamples: mine,
  }
}
