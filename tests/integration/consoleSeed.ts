// Known data for the console's browser test (and for screenshots): an app's events from two countries, one
// trace with a known tree and durations (attributes, an event, a link), its logs, and a few other logs; all
// sent through the gateway's /v1/batch like any client, timed in the last minutes.
import { randomBytes } from 'node:crypto'

export type SeededTrace = { traceId: string; spans: Array<{ name: string; depth: number; durationMs: number }> }
export type Seeded = { appId: string; events: number; trace: SeededTrace; logMarker: string }

const hex = (bytes: number) => randomBytes(bytes).toString('hex')

async function post(url: string, key: string, body: unknown): Promise<number> {
  const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) })
  const answer = (await res.json()) as { parts: Array<{ code: number }> }
  if (res.status !== 200) throw new Error(`seed: ${res.status} ${JSON.stringify(answer).slice(0, 300)}`)
  return answer.parts.length
}

export async function seedConsoleData(gatewayUrl: string, key: string, id: string): Promise<Seeded> {
  const appId = `console-shop-${id}`
  const now = Date.now()
  const names = ['page_view', 'add_to_cart', 'checkout']
  const ips = ['8.8.8.8', '81.2.69.142']
  const data = Array.from({ length: 30 }, (_, i) => ({
    id: `e${i}`,
    name: names[i % 3]!,
    timestamp: now - 5 * 60_000 + i * 5_000,
    ip: ips[i % 2]!,
    properties: { path: `/p/${i % 4}`, cart_items: i % 5 },
  }))
  const events = await post(gatewayUrl, key, { meta: { app_id: appId, category: 'web', device_id: `d-${id}` }, data })

  // root 120 ms; its children: 'db query' at +10 ms for 40 ms (with a child 'parse' at +15 ms for 15 ms), 'render' at +70 ms for 30 ms
  const traceId = hex(16)
  const ids = { root: hex(8), db: hex(8), parse: hex(8), render: hex(8) }
  const t0 = BigInt(now - 3 * 60_000) * 1_000_000n
  const ms = (n: number) => BigInt(Math.round(n * 1_000_000))
  const span = (name: string, spanId: string, parent: string, startMs: number, durMs: number, extra: object = {}) => ({
    trace_id: traceId,
    span_id: spanId,
    parent_span_id: parent,
    name,
    kind: parent ? 'internal' : 'server',
    start_time_unix_nano: (t0 + ms(startMs)).toString(),
    end_time_unix_nano: (t0 + ms(startMs + durMs)).toString(),
    service: `console-api-${id}`,
    ...extra,
  })
  await post(gatewayUrl, key, {
    meta: { app_id: appId, category: 'spans' },
    data: [
      span('GET /checkout', ids.root, '', 0, 120, { attributes: { 'http.route': '/checkout', 'http.response.status_code': 200 } }),
      span('db query', ids.db, ids.root, 10, 40, { attributes: { 'db.system': 'postgresql' }, events: [{ name: 'rows fetched', time_unix_nano: (t0 + ms(30)).toString(), attributes: { rows: 12 } }], links: [{ trace_id: hex(16), span_id: hex(8) }] }),
      span('parse', ids.parse, ids.db, 15, 15),
      span('render', ids.render, ids.root, 70, 30, { status: { code: 'error', message: 'template missing' } }),
    ],
  })
  const logMarker = `seeded-${id}`
  await post(gatewayUrl, key, {
    meta: { app_id: appId, category: 'logs' },
    data: [
      { time_unix_nano: (t0 + ms(20)).toString(), severity_number: 9, severity_text: 'INFO', body: `checkout started ${logMarker}`, trace_id: traceId, span_id: ids.root, service: `console-api-${id}` },
      { time_unix_nano: (t0 + ms(95)).toString(), severity_number: 17, severity_text: 'ERROR', body: `render failed: template missing ${logMarker}`, trace_id: traceId, span_id: ids.render, service: `console-api-${id}` },
    ],
  })
  return {
    appId,
    events,
    logMarker,
    trace: {
      traceId,
      spans: [
        { name: 'GET /checkout', depth: 0, durationMs: 120 },
        { name: 'db query', depth: 1, durationMs: 40 },
        { name: 'parse', depth: 2, durationMs: 15 },
        { name: 'render', depth: 1, durationMs: 30 },
      ],
    },
  }
}

/** One log record sent now (the tail test sends it after the page opened). */
export async function sendLog(gatewayUrl: string, key: string, appId: string, service: string, body: string): Promise<void> {
  await post(gatewayUrl, key, { meta: { app_id: appId, category: 'logs' }, data: [{ time_unix_nano: (BigInt(Date.now()) * 1_000_000n).toString(), severity_number: 13, severity_text: 'WARN', body, service }] })
}
