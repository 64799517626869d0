/**
 * The site in a real browser: Debian's chromium, headless, WebGL2 on SwiftShader, driven by
 * puppeteer-core. The built `dist/` is served by `vite preview` on 127.0.0.1, plain and cross-origin
 * isolated. Screenshots go to `.vitest/` (kept by CI as artifacts).
 */
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { type PreviewServer, preview } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = fileURLToPath(new URL('../.vitest/', import.meta.url))
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let browser: Browser
const servers: PreviewServer[] = []

/** Serves dist/ on a free port of 127.0.0.1, cross-origin isolated or not; returns the page's address. */
const serve = async (isolated: boolean): Promise<string> => {
  process.env.RECURRENT_ISOLATED = isolated ? '1' : '0'
  const server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, strictPort: false, open: false } })
  servers.push(server)
  const url = server.resolvedUrls?.local[0]
  if (url === undefined) throw new Error('vite preview gave no address')
  return url
}

/** A new tab whose console errors, page errors and failed requests are collected. */
const open = async (url: string): Promise<{ page: Page; problems: string[] }> => {
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page: ${e instanceof Error ? e.message : String(e)}`))
  page.on('requestfailed', (r) => problems.push(`request: ${r.url()} ${r.failure()?.errorText}`))
  page.on('request', (r) => {
    if (!r.url().startsWith(url.replace(/\/[^/]*$/, '')) && !r.url().startsWith('data:') && !r.url().startsWith('blob:'))
      problems.push(`request outside the site: ${r.url()}`)
  })
  await page.setViewport({ width: 1100, height: 1600 })
  await page.goto(url)
  return { page, problems }
}

const stateOf = (page: Page) => page.evaluate(() => document.body.dataset.state)

beforeAll(async () => {
  if (!existsSync(`${ROOT}dist/index.html`))
    throw new Error('dist/index.html is missing: build the site first (pnpm --filter @recurrent/web build)')
  if (!existsSync(CHROMIUM))
    throw new Error(`this suite needs chromium at ${CHROMIUM} (Debian: apt-get install chromium) or CHROMIUM_PATH`)
  mkdirSync(OUT, { recursive: true })
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', '--use-angle=swiftshader'],
  })
})

afterAll(async () => {
  await browser?.close()
  for (const s of servers) await s.close()
})

describe('the site in headless chromium', () => {
  it('?selftest=1: gpu.js WebGL2 agrees with the reference kernels and the LSTM tagger’s loss falls on it', async () => {
    const url = await serve(false)
    const { page, problems } = await open(`${url}?selftest=1`)
    expect(await stateOf(page)).toBe('running')
    await page.waitForFunction(() => ['done', 'failed'].includes(document.body.dataset.state ?? ''), {
      timeout: 300_000,
    })
    const results = (await page.evaluate(() => (window as never as { recurrentResults: unknown }).recurrentResults)) as {
      backend: string
      parity: { maxAbsDiff: number; tolerance: number; cases: number }
      training: { losses: number[] }
      kernels: number
    }
    await page.screenshot({ path: `${OUT}selftest.png`, fullPage: true })
    console.info(`selftest: ${JSON.stringify(results)}`)
    expect(await stateOf(page)).toBe('done')
    expect(results.backend).toBe('gpu.js:webgl2')
    expect(results.kernels).toBeGreaterThan(0)
    expect(results.parity.maxAbsDiff).toBeLessThanOrEqual(results.parity.tolerance)
    expect(results.parity.cases).toBeGreaterThan(20)
    expect(results.training.losses.length).toBe(20)
    expect(problems).toEqual([])
    await page.close()
  })

  it('the page: the LSTM toy follows its inputs, slot filling trains with a falling loss and tags a sentence, the surface descends, each provider is measured', async () => {
    const url = await serve(false)
    const { page, problems } = await open(url)
    await page.waitForFunction(() => document.body.dataset.state === 'ready', { timeout: 120_000 })
    const ready = (await page.evaluate(() => (window as never as { recurrentPage: { ready: unknown } }).recurrentPage.ready)) as {
      using: string
      wasmThreads: number
      isolated: boolean
    }
    expect(ready.using).toBe('webgl2')
    expect(ready.isolated).toBe(false)
    expect(ready.wasmThreads).toBe(1)
    expect(await page.$eval('#engine-status', (e) => e.textContent)).toContain('not cross-origin isolated')

    // §3.2: x3 = 1 at step 2 outputs the memory so far (3 + 4 = 7).
    const outputAt = (t: number) =>
      page.$$eval('[data-out="output y"]', (cells, i) => cells[i as number].textContent, t)
    expect(await outputAt(1)).toBe('0')
    const x3 = await page.$('input[data-t="1"][data-j="2"]')
    await x3!.click({ count: 3 })
    await x3!.type('1')
    await page.waitForFunction(() => document.querySelectorAll('[data-out="output y"]')[1].textContent !== '0')
    expect(Number(await outputAt(1))).toBeCloseTo(7, 1)

    // §1.2 on the WebAssembly kernels (SwiftShader's WebGL2 is slow for a whole training run).
    await page.click('input[name="backend"][value="wasm"]')
    await page.waitForFunction(() => document.getElementById('bench-note')?.textContent?.includes('WebAssembly'))
    await page.click('#slot-train')
    await page.waitForFunction(
      () => (window as never as { recurrentPage: { slotDone?: boolean } }).recurrentPage.slotDone === true,
      { timeout: 300_000 },
    )
    const curve = (await page.evaluate(
      () => (window as never as { recurrentPage: { slotCurve: unknown } }).recurrentPage.slotCurve,
    )) as { model: string; step: number; loss: number }[]
    for (const model of ['feedforward', 'lstm']) {
      const losses = curve.filter((p) => p.model === model).map((p) => p.loss)
      expect(losses.length).toBe(150)
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
      expect(mean(losses.slice(-20))).toBeLessThan(mean(losses.slice(0, 20)))
    }
    expect(await page.$eval('#slot-accuracy', (e) => e.textContent)).toMatch(/lstm: \d/)
    await page.click('#slot-form button')
    await page.waitForFunction(() => document.querySelectorAll('#slot-tags td').length > 0)
    const tags = await page.$$eval('#slot-tags td', (cells) => cells.map((c) => c.textContent))
    expect(tags).toHaveLength(9)

    // §4.3 with clipping.
    await page.click('#surface-run')
    await page.waitForFunction(() => document.getElementById('surface-note')?.textContent?.startsWith('clipped'), {
      timeout: 120_000,
    })
    expect(await page.$eval('#surface-plot', (e) => e.innerHTML)).toContain('<svg')

    await page.click('#bench-run')
    await page.waitForFunction(() => (window as never as { recurrentPage: { bench?: unknown } }).recurrentPage.bench !== undefined, {
      timeout: 120_000,
    })
    const bench = await page.evaluate(() => (window as never as { recurrentPage: { bench: unknown } }).recurrentPage.bench)
    console.info(`GFLOP/s in headless chromium here (256 × 256 f32 products): ${JSON.stringify(bench)}`)
    await page.screenshot({ path: `${OUT}page.png`, fullPage: true })
    expect(problems).toEqual([])
    await page.close()
  })

  it('cross-origin isolated (COOP/COEP): the WebAssembly kernels run on two threads, and the page says so', async () => {
    const url = await serve(true)
    const { page, problems } = await open(url)
    await page.waitForFunction(() => document.body.dataset.state === 'ready', { timeout: 120_000 })
    const ready = (await page.evaluate(() => (window as never as { recurrentPage: { ready: unknown } }).recurrentPage.ready)) as {
      wasmThreads: number
      isolated: boolean
    }
    expect(ready.isolated).toBe(true)
    expect(ready.wasmThreads).toBe(2)
    expect(await page.$eval('#engine-status', (e) => e.textContent)).toContain('two threads')
    expect(problems).toEqual([])
    await page.close()
  })
})
