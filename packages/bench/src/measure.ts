/**
 * Timing helpers. Figures are medians over repeated batches, and every figure is reported as a
 * ratio against a baseline measured in the same run: the machine is noisy, ratios travel better.
 */
import { performance } from 'node:perf_hooks'

/** Median seconds per call of `f`, each sample running `f` enough times to last ≥ `minSeconds`. */
export const timePerCall = (f: () => void, { samples = 5, minSeconds = 0.05 } = {}): number => {
  f()
  let reps = 1
  for (;;) {
    const t0 = performance.now()
    for (let i = 0; i < reps; i++) f()
    const dt = (performance.now() - t0) / 1000
    if (dt >= minSeconds) break
    reps = Math.ceil(reps * Math.max(2, (minSeconds / Math.max(dt, 1e-6)) * 1.2))
  }
  const times: number[] = []
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now()
    for (let i = 0; i < reps; i++) f()
    times.push((performance.now() - t0) / 1000 / reps)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

/** Prints rows as an aligned table. */
export const table = (header: string[], rows: (string | number)[][]): void => {
  const cells = [header, ...rows.map((r) => r.map(String))]
  const widths = header.map((_, j) => Math.max(...cells.map((r) => r[j].length)))
  for (const r of cells) console.log(r.map((c, j) => c.padStart(widths[j])).join('  '))
}
