// The SDK's browser bundle in Debian's chromium against the real pipeline: a page served here loads
// sdk/dist/telemetry.min.js (built by this test), tracks events and then
//   - navigates away to a page without the SDK → the events arrive (pagehide: fetch keepalive, sendBeacon);
//   - goes offline → the events are kept in localStorage → reload online → each arrives exactly once, gzipped.
import { mkdirSync, readFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSdk } from '../../scripts/build-sdk.ts'
import { launchChromium } from '../browser/chromium.ts'
import { countRows, integrationConfig, INTEGRATION_DEV_KEY, pipelineForTests, repoRoot, runId, waitFor } from './harness.ts'

const id = runId()
let pageOrigin = ''
const config = integrationConfig(id, { CORS_ALLOWED_ORIGINS: '*' })
const running = pipelineForTests(config)
const appId = `sdk-browser-${id}`
let site: Server
let browser: Browser
let context: BrowserContext
let bundle = ''
let recorder: Server
let recorderUrl = ''
/** What reached the gateway from the browser (a keepalive request or beacon outlives its page: only the server sees it). */
type Sent = { url: string; encoding: string | undefined; contentType: string | undefined; auth: boolean }
const received: Sent[] = []
let bundleGzipBytes = 0

/** The test page: the bundle, a client (nothing is sent before unload unless flush() is called), stats on screen. */
function pageHtml(): string {
  const options = { endpoint: recorderUrl, writeKey: INTEGRATION_DEV_KEY, appId, category: 'web', flushIntervalMs: 600_000, flushAt: 10_000, compressMinBytes: 256, backoffBaseMs: 200, backoffMaxMs: 1000 }
  return `<!doctype html><html><head><meta charset="utf-8"><title>SDK test page</title>
<style>body{font:16px system-ui;margin:2em} pre{background:#f4f4f4;padding:1em}</style>
<script src="/telemetry.min.js"></script></head>
<body><h1>Telemetry SDK test page</h1><p id="status">loading</p><pre id="stats"></pre>
<script>
  window.client = Telemetry.createClient(${JSON.stringify(options)})
  const show = () => { document.getElementById('status').textContent = 'SDK loaded, ' + (navigator.onLine ? 'online' : 'offline'); document.getElementById('stats').textContent = JSON.stringify(client.stats(), null, 1) }
  setInterval(show, 100); show()
</script></body></html>`
}

beforeAll(async () => {
  const built = await buildSdk()
  bundleGzipBytes = built.gzipBytes
  bundle = readFileSync(`${repoRoot}sdk/dist/telemetry.min.js`, 'utf8')
  site = createServer((req, res) => {
    if (req.url === '/telemetry.min.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
    if (req.url === '/plain') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title><h1>a page without the SDK</h1>')
    res.writeHead(200, { 'content-type': 'text/html' }).end(pageHtml())
  })
  recorder = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method === 'POST') received.push({ url: (req.url ?? '').replace(/write_key=[^&]+/, 'write_key=…'), encoding: req.headers['content-encoding'], contentType: req.headers['content-type'], auth: !!req.headers.authorization })
      const up = request(`${running.gateway.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      })
      up.on('error', () => res.destroy())
      up.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve))
  recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`
  await new Promise<void>((resolve) => site.listen(Number(process.env.SDK_BROWSER_PORT ?? 0), '127.0.0.1', resolve))
  pageOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
  browser = await launchChromium()
  context = await browser.newContext()
})

afterAll(async () => {
  await browser?.close()
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()))
  await new Promise<void>((resolve) => (recorder ? recorder.close(() => resolve()) : resolve()))
})

/** The requests received from now on. */
function watchBatches(): () => Sent[] {
  const from = received.length
  return () => received.slice(from)
}

const inClickHouse = (ids: string[]) => countRows(config, `SELECT count() AS n FROM events FINAL WHERE app_id = '${appId}' AND has([${ids.map((i) => `'${i.replace(/[^0-9a-f-]/g, '')}'`).join(',')}], event_id)`)

describe('SDK in chromium', () => {
  it(`the bundle is small (${'gzipped size printed'}) and loads`, async () => {
    console.log(`sdk bundle: ${bundle.length} bytes, ${bundleGzipBytes} bytes gzipped`)
    expect(bundleGzipBytes).toBeLessThanOrEqual(8 * 1024)
  })

  it('navigating away delivers what fits the 64 KiB keepalive budget at once; the rest is stored and sent by the next page', async () => {
    const page = await context.newPage()
    const sent = watchBatches()
    await page.goto(`${pageOrigin}/`)
    // 30 small events and 120 of ~700 bytes: more than one 64 KiB keepalive budget
    const ids = await page.evaluate(() => {
      const c = (globalThis as unknown as { client: { track(n: string, p?: object): string } }).client
      const out: string[] = []
      for (let i = 0; i < 30; i++) out.push(c.track('page_view', { path: `/p/${i}` }))
      for (let i = 0; i < 120; i++) out.push(c.track('scroll', { depth: i, note: 'x'.repeat(650) }))
      return out
    })
    mkdirSync(`${repoRoot}.local`, { recursive: true })
    await page.screenshot({ path: `${repoRoot}.local/sdk-browser-before-unload.png` })
    expect(sent()).toEqual([]) // nothing sent before the page goes away
    await page.goto(`${pageOrigin}/plain`)
    const atUnload = await waitFor('the keepalive batch', async () => ((await inClickHouse(ids)) > 0 ? inClickHouse(ids) : 0), 30_000, 500)
    console.log(`sdk browser unload: ${sent().length} request(s) ${JSON.stringify(sent())}; ${atUnload} of ${ids.length} events in ClickHouse`)
    expect(sent().length).toBeGreaterThanOrEqual(1)
    expect(sent()[0]).toMatchObject({ auth: true, contentType: 'application/json' }) // fetch keepalive, with the Authorization header
    expect(atUnload).toBeGreaterThanOrEqual(30)
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tlm_queue:')).length)
    expect(stored).toBe(1) // everything without an answer was stored at pagehide
    await page.goto(`${pageOrigin}/`) // the next page with the SDK sends the rest
    await waitFor('all events after the next page load', async () => (await inClickHouse(ids)) === ids.length, 60_000, 500)
    await page.close()
  })

  it('without fetch keepalive, sendBeacon carries the unload (text/plain, ?write_key=)', async () => {
    const page = await context.newPage()
    await page.addInitScript(() => delete (Request.prototype as { keepalive?: boolean }).keepalive)
    const sent = watchBatches()
    await page.goto(`${pageOrigin}/`)
    const ids = await page.evaluate(() => {
      const c = (globalThis as unknown as { client: { track(n: string, p?: object): string } }).client
      return Array.from({ length: 25 }, (_, i) => c.track('beacon_view', { i }))
    })
    await page.goto(`${pageOrigin}/plain`)
    await waitFor('the beaconed events', async () => (await inClickHouse(ids)) === ids.length, 30_000, 500)
    expect(sent().length).toBeGreaterThanOrEqual(1)
    expect(sent().every((s) => s.url.includes('write_key=') && s.contentType?.startsWith('text/plain') && !s.auth)).toBe(true)
    await page.close()
  })

  it('offline: events are kept in localStorage; reloaded online they arrive exactly once, gzipped', async () => {
    const page = await context.newPage()
    const sent = watchBatches()
    await page.goto(`${pageOrigin}/`)
    await context.setOffline(true)
    const ids = await page.evaluate(async () => {
      const c = (globalThis as unknown as { client: { track(n: string, p?: object): string; flush(): Promise<unknown> } }).client
      const out: string[] = []
      for (let i = 0; i < 20; i++) out.push(c.track('offline_click', { i, label: 'buy now' }))
      void c.flush() // fails: offline; the queue is written to localStorage
      await new Promise((r) => setTimeout(r, 500))
      return out
    })
    // only this test's events: beaconed events of the test before stay stored too (no answer comes back to a
    // beacon), and their resend collapses by the end-to-end key
    const stored = await page.evaluate(() =>
      Object.keys(localStorage)
        .filter((k) => k.startsWith('tlm_queue:'))
        .map((k) => (JSON.parse(localStorage.getItem(k)!).events as Array<[string, number]>).filter(([json]) => JSON.parse(json).name === 'offline_click').length)
        .filter((n) => n > 0),
    )
    expect(stored).toEqual([20])
    await page.screenshot({ path: `${repoRoot}.local/sdk-browser-offline.png` })
    await context.setOffline(false)
    await page.reload()
    await waitFor('the offline events after the reload', async () => (await inClickHouse(ids)) === ids.length, 60_000, 500)
    const [agg] = [await countRows(config, `SELECT uniqExact(event_id) AS n FROM events WHERE app_id = '${appId}' AND name = 'offline_click'`)]
    expect(agg).toBe(20)
    expect(await countRows(config, `SELECT count() AS n FROM events FINAL WHERE app_id = '${appId}' AND name = 'offline_click'`)).toBe(20)
    console.log(`sdk browser offline → reload: ${JSON.stringify(sent())}`)
    expect(sent().some((s) => s.encoding === 'gzip')).toBe(true)
    // delivered: the reloaded page has nothing left to send and its stored queue is gone
    await waitFor('the stored queue to empty', async () => (await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tlm_queue:')).length)) === 0, 20_000, 200)
    await page.screenshot({ path: `${repoRoot}.local/sdk-browser-after-reload.png` })
    await page.close()
  })
})
