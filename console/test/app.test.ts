// The console's server: every page and the data endpoint through app.request(), with a fake query runner
// that binds the real shipped queries (so parameter types are checked exactly as against ClickHouse).
import { describe, expect, it } from 'vitest'
import { bindQuery } from '../../schemas/queries/catalog.ts'
import { checkAccessConfig } from '../src/access.ts'
import { createConsoleApp } from '../src/app.ts'
import { pages } from '../src/pages.ts'
import { CONSOLE_QUERIES, consoleCatalog, type RunQuery } from '../src/queries.ts'

const catalog = consoleCatalog()
const bound: string[] = []
const runQuery: RunQuery = async (name, values) => {
  bound.push(bindQuery(catalog.get(name)!, values))
  return { columns: [{ name: 'n', type: 'UInt64' }], rows: [['1']], elapsed_ms: 0 }
}
const app = createConsoleApp({ runQuery })

describe('console pages', () => {
  it.each(pages.map((p) => p.path))('renders %s with its panels and the range form, no inline script', async (path) => {
    const res = await app.request(`${path}?from=-6h&service=a%22b`)
    expect(res.status).toBe(200)
    const html = await res.text()
    const page = pages.find((p) => p.path === path)!
    for (const panel of page.panels) expect(html).toContain(`id="${panel.id}"`)
    expect(html).toContain('name="from" list="ranges" value="-6h"')
    // URL values are escaped, never markup
    if (page.filters.some((f) => f.name === 'service')) expect(html).toContain('value="a&quot;b"')
    expect(html).not.toMatch(/<script>(?!<\/script>)/)
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
  })

  it('redirects / to the ingest page and answers 404 for other paths', async () => {
    expect((await app.request('/')).headers.get('location')).toBe('/ingest')
    expect((await app.request('/nope')).status).toBe(404)
  })

  it('serves its assets, uPlot included, and 404 for others', async () => {
    for (const name of ['console.js', 'console.css', 'uPlot.iife.min.js', 'uPlot.min.css']) expect((await app.request(`/assets/${name}`)).status).toBe(200)
    expect((await app.request('/assets/../src/app.ts')).status).toBe(404)
  })
})

describe('console data endpoint', () => {
  it.each(CONSOLE_QUERIES)('runs %s with its parameters', async (name) => {
    const required: Record<string, string> = { trace_id: '0af7651916cd43dd8448eb211c80319c', app_id: 'shop', name: 'consumer_lag' }
    const params = new URLSearchParams(Object.fromEntries(catalog.get(name)!.params.filter((p) => p.default === undefined).map((p) => [p.name, required[p.name] ?? 'x'])))
    const res = await app.request(`/api/query/${name}?${params}`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ columns: [{ name: 'n', type: 'UInt64' }], rows: [['1']], elapsed_ms: 0 })
  })

  it.each([
    ['a time that is not one', 'ingest_funnel?from=yesterday', 'parameter "from" must be an RFC 3339 time'],
    ['SQL in a number', 'trace_search?limit=1;DROP%20TABLE%20spans', 'parameter "limit" must be a whole number'],
    ['a negative number', 'trace_search?min_duration_ms=-5', 'parameter "min_duration_ms" must be a whole number'],
    ['an unknown parameter', 'top_countries?sql=SELECT%201', 'unknown parameter "sql"'],
    ['a missing required parameter', 'trace_spans', 'parameter "trace_id" (String) is required'],
  ])('refuses %s with 400', async (_label, path, message) => {
    const before = bound.length
    const res = await app.request(`/api/query/${path}`)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toContain(message)
    expect(bound.length).toBe(before)
  })

  it('answers 404 for a query the console does not ship, and 502 when ClickHouse fails', async () => {
    expect((await app.request('/api/query/drop_everything')).status).toBe(404)
    const failing = createConsoleApp({ runQuery: async () => Promise.reject(new Error('connection refused')) })
    const res = await failing.request('/api/query/table_parts')
    expect(res.status).toBe(502)
    expect(((await res.json()) as { error: string }).error).toContain('connection refused')
  })

  it('binds a string parameter as a quoted literal (no SQL from the browser)', async () => {
    await app.request(`/api/query/log_search?text=${encodeURIComponent("x' OR 1=1 --")}`)
    expect(bound.at(-1)).toContain("'x\\' OR 1=1 --'")
  })
})

describe('console access', () => {
  const token = 'console-token-0123456789'
  const guarded = createConsoleApp({ runQuery, token })
  it('asks for the token (basic auth) and lets it in as bearer or basic password', async () => {
    const none = await guarded.request('/ingest')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toContain('Basic')
    expect((await guarded.request('/ingest', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401)
    expect((await guarded.request('/ingest', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    expect((await guarded.request('/api/query/table_parts', { headers: { authorization: `Basic ${Buffer.from(`me:${token}`).toString('base64')}` } })).status).toBe(200)
  })
  it('refuses to start on a non-loopback address without a token', () => {
    expect(() => checkAccessConfig({ host: '0.0.0.0', token: undefined })).toThrow('CONSOLE_TOKEN is required')
    expect(() => checkAccessConfig({ host: '0.0.0.0', token })).not.toThrow()
    expect(() => checkAccessConfig({ host: '127.0.0.1', token: undefined })).not.toThrow()
  })
})
