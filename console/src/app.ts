// The console's HTTP surface: its pages (server-rendered shells), one data endpoint that runs a shipped
// query by name (typed parameters; 400 when a value is out of type), and its static assets (console.js,
// console.css, uPlot). Compressed, with a strict Content-Security-Policy (no inline script).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Hono } from 'hono'
import { compress } from 'hono/compress'
import { QueryParamError } from '../../schemas/queries/catalog.ts'
import { requireToken } from './access.ts'
import { pages, renderPage } from './pages.ts'
import { consoleCatalog, type RunQuery } from './queries.ts'

export type ConsoleDeps = {
  runQuery: RunQuery
  /** CONSOLE_TOKEN: when set, every request must carry it */
  token?: string
  onError?: (message: string, fields: Record<string, unknown>) => void
}

const uplotDir = createRequire(import.meta.url).resolve('uplot').replace(/[^/]+$/, '')
const publicDir = new URL('../public/', import.meta.url).pathname
const ASSETS: Record<string, { file: string; type: string }> = {
  'console.js': { file: `${publicDir}console.js`, type: 'text/javascript; charset=utf-8' },
  'console.css': { file: `${publicDir}console.css`, type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { file: `${uplotDir}uPlot.iife.min.js`, type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: `${uplotDir}uPlot.min.css`, type: 'text/css; charset=utf-8' },
}

const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

export function createConsoleApp(deps: ConsoleDeps) {
  const catalog = consoleCatalog()
  const assets = new Map(Object.entries(ASSETS).map(([name, a]) => [name, { body: readFileSync(a.file, 'utf8'), type: a.type }]))
  const app = new Hono()
  if (deps.token !== undefined) app.use(requireToken(deps.token))
  app.use(compress())
  app.use(async (c, next) => {
    await next()
    c.header('Content-Security-Policy', CSP)
    c.header('X-Content-Type-Options', 'nosniff')
    c.header('Referrer-Policy', 'no-referrer')
  })

  app.get('/', (c) => c.redirect('/ingest'))
  for (const page of pages) {
    app.get(page.path, (c) => c.html(renderPage(page, new URL(c.req.url), catalog)))
  }
  app.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'))
    if (!asset) return c.text('no such asset', 404)
    return c.body(asset.body, 200, { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=300' })
  })
  app.get('/api/query/:name', async (c) => {
    const name = c.req.param('name')
    if (!catalog.has(name)) return c.json({ error: `no console query named ${JSON.stringify(name)} (known: ${[...catalog.keys()].join(', ')})` }, 404)
    try {
      return c.json(await deps.runQuery(name, c.req.query()), 200, { 'Cache-Control': 'no-store' })
    } catch (err) {
      if (err instanceof QueryParamError) return c.json({ error: err.message }, 400)
      deps.onError?.('console query failed', { query: name, error: (err as Error).message })
      return c.json({ error: `ClickHouse did not answer the query ${name}: ${(err as Error).message.slice(0, 300)}` }, 502)
    }
  })
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.notFound((c) => c.text(`no page ${c.req.path}; pages: ${pages.map((p) => p.path).join(' ')}`, 404))
  return app
}
