// npm run bench:console -- [--seed N] [--url http://127.0.0.1:8088] [--pages /ingest,/services]
// The console's budgets: bytes transferred per page and the time to the first chart and to all panels, in
// chromium, against a running console. --seed N first inserts N synthetic events of the last hour (8 apps,
// 4 categories, 12 names, 10 countries) straight into the configured database's events table as the admin
// user (INSERT ... SELECT from system.numbers: the budget is about reading, not ingesting).
import { loadConfig } from '../common/config.ts'
import { createClickHouse } from '../common/clickhouse.ts'
import { launchChromium } from '../tests/browser/chromium.ts'

const args = process.argv.slice(2)
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const config = loadConfig()
const url = arg('--url') ?? `http://${config.console.host}:${config.console.port}`
const seed = Number(arg('--seed') ?? 0)
const PAGES = arg('--pages')?.split(',') ?? ['/ingest', '/services', '/traces', '/logs', '/events?app_id=bench-app-1']
const RUNS = 3

async function seedEvents(n: number) {
  const client = createClickHouse(config.clickhouse)
  const started = Date.now()
  await client.command({
    query: `INSERT INTO events (backend_id, event_id, app_id, category, name, timestamp, timestamp_ms, received_at, received_at_ms, country, properties)
      SELECT generateUUIDv4(), toString(number), concat('bench-app-', toString(number % 8)), arrayElement(['web', 'ios', 'android', 'server'], number % 4 + 1),
        concat('event_', toString(number % 12)), toDateTime(now() - number % 3600), toUInt64(now() - number % 3600) * 1000, now(), toUInt64(now()) * 1000,
        arrayElement(['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'JP', 'CA', 'AU', 'NL'], number % 10 + 1), '{"bench":true}'
      FROM system.numbers LIMIT ${Math.floor(n)}`,
  })
  console.log(`seeded ${n} events in ${Date.now() - started} ms`)
  await client.close()
}

async function measure() {
  const browser = await launchChromium()
  const rows: string[] = []
  for (const path of PAGES) {
    const firsts: number[] = []
    const alls: number[] = []
    let bytes = 0
    const panelMs = new Map<string, number[]>()
    for (let run = 0; run < RUNS; run++) {
      // a new context per run: nothing cached, the bytes are a first visit's
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
      const page = await context.newPage()
      let total = 0
      page.on('requestfinished', async (req) => {
        const s = await req.sizes().catch(() => null)
        if (s) total += s.responseBodySize + s.responseHeadersSize
      })
      await page.goto(`${url}${path}`)
      await page.waitForFunction(() => (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.loaded === '1', null, { timeout: 120_000 })
      await page.waitForLoadState('networkidle')
      const d = await page.evaluate(() => ({ ...(globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset }))
      for (const [id, ms] of await page.$$eval('.panel[data-loaded-ms]', (els) => els.map((e) => [e.id, Number((e as unknown as { dataset: Record<string, string> }).dataset.loadedMs)] as const))) {
        panelMs.set(id, [...(panelMs.get(id) ?? []), ms])
      }
      if (d.firstChartMs) firsts.push(Number(d.firstChartMs))
      alls.push(Number(d.loadedMs))
      bytes = total
      await context.close()
    }
    const median = (xs: number[]) => (xs.length ? xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN)
    const panels = [...panelMs].map(([id, xs]) => `${id} ${median(xs)}`).join(', ')
    rows.push(`| ${path} | ${(bytes / 1024).toFixed(1)} KB | ${firsts.length ? `${median(firsts)} ms` : '–'} | ${median(alls)} ms | ${panels} |`)
  }
  await browser.close()
  console.log(`| page | transferred (first visit) | first chart (median of ${RUNS}) | all panels (median of ${RUNS}) | each panel drawn, ms (median of ${RUNS}) |\n| --- | --- | --- | --- | --- |\n${rows.join('\n')}`)
}

if (seed > 0) await seedEvents(seed)
await measure()
