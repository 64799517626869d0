/**
 * Memory measurements, each in a fresh child process so that one workload's heap and modules
 * do not count against another's. Prints one JSON line.
 *
 *   child.ts rss lib|tfjs-cpu|tfjs-wasm   main-size LSTM training: RSS after setup, peak RSS
 *   child.ts heap                          library, lecture size: heapUsed after 100 and 1,000 steps
 *
 * Only the modules a mode needs are imported (dynamically), so the library child never loads tfjs.
 */
import { performance } from 'node:perf_hooks'

const gc = (globalThis as { gc?: () => void }).gc
const collect = (): void => {
  if (gc === undefined) return
  gc()
  gc()
}
const peakRss = (): number => process.resourceUsage().maxRSS * 1024

const rss = async (who: string): Promise<object> => {
  const { MAIN } = await import('./library.ts')
  const rssAtStart = process.memoryUsage().rss
  let step: () => unknown
  if (who === 'lib') {
    const { lstmTrainer } = await import('./library.ts')
    step = lstmTrainer(MAIN).step
  } else if (who === 'tfjs-cpu' || who === 'tfjs-wasm') {
    const tfjs = await import('./tfjs.ts')
    await tfjs.useBackend(who === 'tfjs-cpu' ? 'cpu' : 'wasm')
    step = tfjs.lstmTrainer(MAIN).step
  } else throw new Error(`unknown workload ${who}`)
  collect()
  const rssAfterSetup = process.memoryUsage().rss
  // At least 3 steps, at most 30, stopping after ~6 s.
  const t0 = performance.now()
  let steps = 0
  while (steps < 3 || (steps < 30 && performance.now() - t0 < 6000)) {
    await step()
    steps++
  }
  return { who, steps, rssAtStart, rssAfterSetup, peakRss: peakRss(), gc: gc !== undefined }
}

const heap = async (): Promise<object> => {
  const { LECTURE, lstmTrainer } = await import('./library.ts')
  const { step } = lstmTrainer(LECTURE)
  const at: Record<number, number> = {}
  for (let i = 1; i <= 1000; i++) {
    step()
    if (i === 100 || i === 1000) {
      collect()
      at[i] = process.memoryUsage().heapUsed
    }
  }
  return { heapAt100: at[100], heapAt1000: at[1000], gc: gc !== undefined, peakRss: peakRss() }
}

const [mode, arg] = process.argv.slice(2)
const result = mode === 'rss' ? await rss(arg) : mode === 'heap' ? await heap() : undefined
if (result === undefined) throw new Error(`usage: child.ts rss lib|tfjs-cpu|tfjs-wasm | heap`)
console.log(`RESULT ${JSON.stringify(result)}`)
