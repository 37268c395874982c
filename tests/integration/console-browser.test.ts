// The console in a real browser (Debian's chromium through playwright-core) against the real pipeline with
// known seeded data: every page renders without console errors, charts hold data, the numbers shown equal
// what the shipped query returns for the same range, the trace waterfall is the seeded tree with its
// durations, the logs tail shows a record sent after the page opened. Screenshots and page weights go to
// .local/test-results/console/.
import { mkdirSync, writeFileSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../browser/chromium.ts'
import { bindQuery, shippedQueries } from '../../schemas/queries/catalog.ts'
import { startConsole, type RunningConsole } from '../../console/src/main.ts'
import { seedConsoleData, sendLog, type Seeded } from './consoleSeed.ts'
import { countRows, INTEGRATION_DEV_KEY, integrationConfig, pipelineForTests, queryRows, repoRoot, runId, testLogger, waitFor } from './harness.ts'

const id = runId()
// the stack's telemetry_reader may read only the database `telemetry`; this run has its own database, so the
// console reads as the admin user with readonly=1 on every query (what it always sets)
const config = integrationConfig(id, { SELF_METRICS_INTERVAL_MS: '1000', SELF_TRACE_SAMPLE_RATIO: '1', CONSOLE_PORT: '0' })
const running = pipelineForTests(config)
const results = `${repoRoot}.local/test-results/console`
/** Bytes transferred per page (HTML, script, styles, data), compressed as sent. */
const PAGE_WEIGHT_BUDGET = 120 * 1024

let consoleServer: RunningConsole
let browser: Browser
let seeded: Seeded
const range = { from: new Date(Date.now() - 15 * 60_000).toISOString().slice(0, 19) + 'Z', to: new Date(Date.now() + 10 * 60_000).toISOString().slice(0, 19) + 'Z' }
const weights: Record<string, number> = {}
type BrowserGlobals = { document: { body: { dataset: Record<string, string | undefined> }; querySelectorAll(selector: string): Iterable<{ textContent: string | null }> } }

beforeAll(async () => {
  mkdirSync(results, { recursive: true })
  consoleServer = await startConsole(config, testLogger('console').log)
  browser = await launchChromium()
  seeded = await seedConsoleData(running.gateway.url, INTEGRATION_DEV_KEY, id)
  await waitFor('the seeded rows', async () => {
    const [events, spans, logs] = await Promise.all([
      countRows(config, `SELECT count() AS n FROM events FINAL WHERE app_id = '${seeded.appId}'`),
      countRows(config, `SELECT count() AS n FROM spans FINAL WHERE trace_id = '${seeded.trace.traceId}'`),
      countRows(config, `SELECT count() AS n FROM logs FINAL WHERE trace_id = '${seeded.trace.traceId}'`),
    ])
    return events === seeded.events && spans === 4 && logs === 2
  })
  // the funnel has the seeded upload (self-metrics every second) and the runtime is reported by both services
  await waitFor('the self-metrics', async () => (await countRows(config, `SELECT count() AS n FROM metric_points WHERE metric_name = 'consumer_rows_loaded_total' AND attributes LIKE '%"table":"logs"%'`)) > 0)
})

afterAll(async () => {
  writeFileSync(`${results}/page-weights.json`, JSON.stringify(weights, null, 2))
  await browser?.close()
  await consoleServer?.stop()
})

async function catalogRows(name: string, values: Record<string, string>) {
  return queryRows<Record<string, string>>(config, bindQuery(shippedQueries().find((q) => q.name === name)!, values))
}

/** Opens a page, waits for its panels, and returns its console errors; records the page weight and a screenshot. */
async function open(path: string, shot: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(e.message))
  let bytes = 0
  page.on('requestfinished', async (req) => {
    const sizes = await req.sizes().catch(() => null)
    if (sizes) bytes += sizes.responseBodySize + sizes.responseHeadersSize
  })
  const sep = path.includes('?') ? '&' : '?'
  await page.goto(`${consoleServer.url}${path}${sep}from=${range.from}&to=${range.to}`)
  // (functions run in the page: the tsconfig has no DOM types, so the page's document is typed here by hand)
  await page.waitForFunction(() => (globalThis as unknown as BrowserGlobals).document.body.dataset.loaded === '1', null, { timeout: 30_000 })
  await page.waitForLoadState('networkidle')
  weights[shot] = bytes
  await page.screenshot({ path: `${results}/${shot}.png`, fullPage: true })
  return { page, errors }
}

const panelState = (page: Page, id: string) => page.$eval(`#${id}`, (e) => ({ state: e.getAttribute('data-state'), points: Number(e.getAttribute('data-points') ?? 0), rows: Number(e.getAttribute('data-rows') ?? 0), canvas: !!e.querySelector('canvas') }))
const tableCells = (page: Page, id: string) => page.$$eval(`#${id} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))

describe('the console in chromium', () => {
  it('Ingest: no errors, charts hold data, the funnel and top countries equal the shipped queries', async () => {
    const { page, errors } = await open('/ingest', 'ingest')
    expect(errors).toEqual([])
    for (const chart of ['funnel', 'by-category', 'by-app', 'lag']) {
      const s = await panelState(page, chart)
      expect(s, chart).toMatchObject({ state: 'loaded', canvas: true })
      expect(s.points, chart).toBeGreaterThan(0)
    }
    // the totals shown are the query's rows summed per stage and reason, for the same range
    const funnel = await catalogRows('ingest_funnel', range)
    const expected = new Map<string, number>()
    for (const r of funnel) expected.set(`${r.stage}|${r.reason}`, (expected.get(`${r.stage}|${r.reason}`) ?? 0) + Number(r.events))
    const shown = await tableCells(page, 'funnel-totals')
    expect(new Map(shown.map(([stage, reason, n]) => [`${stage}|${reason}`, Number(n)]))).toEqual(expected)
    expect(expected.get(`landed|events`)).toBeGreaterThanOrEqual(seeded.events)
    const countries = await catalogRows('top_countries', { ...range, limit: '10' })
    expect((await tableCells(page, 'countries')).map((r) => r.slice(0, 2))).toEqual(countries.map((r) => [r.country!, String(r.events)]))
    expect(countries.map((r) => r.country)).toEqual(expect.arrayContaining(['US', 'GB']))
    await page.close()
  })

  it('Services: the operations table equals the query and the runtime charts of both pipeline services hold data', async () => {
    const { page, errors } = await open('/services', 'services')
    expect(errors).toEqual([])
    const ops = await catalogRows('service_operations', range)
    const shown = await tableCells(page, 'operations')
    expect(shown.map((r) => [r[0], r[1], r[2]])).toEqual(ops.map((r) => [r.service, r.operation, String(r.spans)]))
    expect(shown.map((r) => r[0])).toEqual(expect.arrayContaining(['telemetry-gateway', 'telemetry-consumer', `console-api-${id}`]))
    for (const chart of ['rate', 'p99', 'eventloop', 'elu', 'cpu', 'heap', 'rss']) {
      const s = await panelState(page, chart)
      expect(s.points, chart).toBeGreaterThan(0)
    }
    const legend = await page.$eval('#heap', (e) => e.textContent ?? '')
    expect(legend).toContain('telemetry-gateway')
    expect(legend).toContain('telemetry-consumer')
    await page.close()
  })

  it('Traces: the search lists the seeded spans, and the waterfall shows the tree in order with the right durations, attributes and logs', async () => {
    const search = await open(`/traces?service=console-api-${id}`, 'traces-search')
    expect(search.errors).toEqual([])
    expect((await tableCells(search.page, 'spans')).map((r) => r[4]).sort()).toEqual(['GET /checkout', 'db query', 'parse', 'render'])
    await search.page.close()

    const { page, errors } = await open(`/traces?trace_id=${seeded.trace.traceId}`, 'trace-waterfall')
    expect(errors).toEqual([])
    const rows = await page.$$eval('#waterfall details.span', (ds) => ds.map((d) => ({ name: d.querySelector('.span-name')!.textContent, depth: Number(d.getAttribute('data-depth')), durationMs: Number(d.getAttribute('data-duration-ms')) })))
    expect(rows).toEqual(seeded.trace.spans)
    // bars: widths proportional to durations (root = 100 %)
    const widths = await page.$$eval('#waterfall .bar', (bars) => bars.map((b) => parseFloat(/width:\s*([\d.]+)%/.exec(b.getAttribute('style') ?? '')?.[1] ?? 'NaN')))
    expect(widths.map((w) => Math.round(w))).toEqual([100, 33, 13, 25])
    await page.click('#waterfall details.span:nth-of-type(2) summary')
    const detail = await page.$eval('#waterfall details.span:nth-of-type(2) pre', (e) => e.textContent ?? '')
    expect(detail).toContain('"db.system": "postgresql"')
    expect(detail).toContain('"rows fetched"')
    expect(detail).toContain('"links": [')
    const logs = await tableCells(page, 'trace-logs')
    expect(logs.map((r) => r[3])).toEqual([`render failed: template missing ${seeded.logMarker}`, `checkout started ${seeded.logMarker}`])
    expect(await page.$eval('#spans', (e) => e.hasAttribute('hidden'))).toBe(true)
    await page.screenshot({ path: `${results}/trace-waterfall-open.png`, fullPage: true })
    await page.close()
  })

  it('Logs: search by text, and the tail shows a record sent after the page opened', async () => {
    const { page, errors } = await open(`/logs?text=${seeded.logMarker}`, 'logs-search')
    expect(errors).toEqual([])
    expect((await tableCells(page, 'logs')).length).toBe(2)
    await page.close()

    const tail = await open(`/logs?service=console-api-${id}&tail=1`, 'logs-tail')
    const marker = `tailed after open ${id}`
    await sendLog(running.gateway.url, INTEGRATION_DEV_KEY, seeded.appId, `console-api-${id}`, marker)
    await tail.page.waitForFunction((m) => [...(globalThis as unknown as BrowserGlobals).document.querySelectorAll('#logs td.body')].some((td) => td.textContent === m), marker, { timeout: 30_000 })
    const first = await tableCells(tail.page, 'logs')
    expect(first[0]![3]).toBe(marker)
    expect(tail.errors).toEqual([])
    await tail.page.screenshot({ path: `${results}/logs-tail.png`, fullPage: true })
    await tail.page.close()
  })

  it('Events: one app\'s events, filtered by country, equal the query', async () => {
    const { page, errors } = await open(`/events?app_id=${seeded.appId}&country=US`, 'events')
    expect(errors).toEqual([])
    const expected = await catalogRows('app_events', { ...range, app_id: seeded.appId, country: 'US' })
    const shown = await tableCells(page, 'events')
    expect(shown.length).toBe(seeded.events / 2)
    expect(shown.map((r) => r[4])).toEqual(expected.map((r) => r.backend_id))
    expect(shown.every((r) => r[5] === 'US')).toBe(true)
    await page.close()
  })

  it(`keeps every page under ${PAGE_WEIGHT_BUDGET / 1024} KB transferred`, () => {
    expect(Object.keys(weights).length).toBeGreaterThanOrEqual(6)
    for (const [page, bytes] of Object.entries(weights)) expect(bytes, page).toBeLessThan(PAGE_WEIGHT_BUDGET)
  })
})
