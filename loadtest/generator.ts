// Realistic upload bodies for the benchmark: events of 150-400 bytes as JSON (web, API and runtime events
// with properties), batches of N events, optionally gzip-compressed, with a given share of invalid events.
// Deterministic (seeded), so every run sends the same bytes.
import { gzipSync } from 'node:zlib'

export type BenchBody = {
  /** the bytes sent (gzip-compressed when `gzip`) */
  bytes: Buffer
  /** uncompressed JSON size */
  jsonBytes: number
  events: number
  /** events the gateway must accept (the rest are invalid by construction) */
  valid: number
}

export type BodyPoolOptions = { batchSize: number; gzip: boolean; invalidShare: number; bodies?: number; seed?: number }

/** A small PRNG (mulberry32): deterministic bodies without a dependency. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PATHS = ['/', '/pricing', '/docs/getting-started', '/blog/2025/11/ingest', '/account/settings', '/cart', '/checkout/payment', '/search']
const REFERRERS = ['https://www.google.com/', 'https://news.ycombinator.com/', '', 'https://t.co/x1y2', 'https://duckduckgo.com/']
const ROUTES = ['GET /v1/orders', 'POST /v1/orders', 'GET /v1/users/:id', 'PUT /v1/cart', 'GET /healthz']
const PUBLIC_IPS = ['8.8.8.8', '81.2.69.142', '2.125.160.216', '89.160.20.112', '216.160.83.56', '175.16.199.0', '2001:480::1']
const BROWSERS = ['Chrome 131', 'Firefox 133', 'Safari 18.1', 'Edge 131']

function hex(r: () => number, n: number) {
  let s = ''
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16)
  return s.replace(/^0/, '1')
}

/** One valid event; its JSON is 150-400 bytes (checked by `eventSizes`). */
export function makeEvent(r: () => number, id: string, now: number): Record<string, unknown> {
  const kind = Math.floor(r() * 4)
  const timestamp = now - Math.floor(r() * 60_000)
  const ip = r() < 0.7 ? PUBLIC_IPS[Math.floor(r() * PUBLIC_IPS.length)] : undefined
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!
  let name: string
  let properties: Record<string, unknown>
  if (kind === 0) {
    name = 'page_view'
    properties = { path: pick(PATHS), referrer: pick(REFERRERS), title: 'Telemetry ingest docs', browser: pick(BROWSERS), viewport: '1440x900' }
  } else if (kind === 1) {
    name = 'click'
    properties = { path: pick(PATHS), element: `button#cta-${Math.floor(r() * 20)}`, x: Math.floor(r() * 1440), y: Math.floor(r() * 900) }
  } else if (kind === 2) {
    name = 'http_request'
    properties = { route: pick(ROUTES), status: r() < 0.95 ? 200 : 503, duration_ms: Math.round(r() * 2500) / 10, bytes: Math.floor(r() * 40_000) }
  } else {
    name = 'runtime_sample'
    properties = { heap_used_mb: Math.floor(100 + r() * 300), event_loop_p99_ms: Math.round(r() * 400) / 10, cpu_percent: Math.floor(r() * 100), gc_count: Math.floor(r() * 50) }
  }
  properties.session = hex(r, 24)
  const event: Record<string, unknown> = { id, name, timestamp, properties }
  if (ip) event.ip = ip
  if (r() < 0.3) {
    event.trace_id = hex(r, 32)
    event.span_id = hex(r, 16)
  }
  return event
}

/** The invalid kinds a real SDK produces: a bad time, a missing name, an unknown field, a bad IP. */
function spoil(event: Record<string, unknown>, r: () => number): Record<string, unknown> {
  const kind = Math.floor(r() * 4)
  if (kind === 0) return { ...event, timestamp: 'yesterday at noon' }
  if (kind === 1) {
    const { name: _n, ...rest } = event
    return rest
  }
  if (kind === 2) return { ...event, user_email: 'someone@example.com' }
  return { ...event, ip: '999.1.2.3' }
}

/**
 * `bodies` distinct bodies of `batchSize` events each. Every body has its own app/device (so requests spread
 * over partitions), and exactly round(invalidShare * batchSize) invalid events (at least one when the share
 * is above zero and the batch has more than one event; a 1-event batch gets one invalid body in ten).
 */
export function bodyPool(opts: BodyPoolOptions): BenchBody[] {
  const r = rng(opts.seed ?? 42 + opts.batchSize)
  const count = opts.bodies ?? 64
  const now = Date.now()
  const pool: BenchBody[] = []
  for (let b = 0; b < count; b++) {
    const invalid = opts.invalidShare === 0 ? 0 : opts.batchSize === 1 ? (b % Math.round(1 / opts.invalidShare) === 0 ? 1 : 0) : Math.max(1, Math.round(opts.invalidShare * opts.batchSize))
    const bad = new Set<number>()
    while (bad.size < invalid) bad.add(Math.floor(r() * opts.batchSize))
    const data: Record<string, unknown>[] = []
    for (let i = 0; i < opts.batchSize; i++) {
      const e = makeEvent(r, `e${b}-${i}`, now)
      data.push(bad.has(i) ? spoil(e, r) : e)
    }
    const body = {
      meta: {
        app_id: `bench-app-${b % 8}`,
        category: 'bench',
        sdk: { name: 'telemetry-js', version: '1.4.0' },
        device_id: `device-${b}`,
        context: { release: '2025.11.3', env: 'prod' },
      },
      data,
    }
    const json = Buffer.from(JSON.stringify(body))
    pool.push({ bytes: opts.gzip ? gzipSync(json) : json, jsonBytes: json.length, events: opts.batchSize, valid: opts.batchSize - invalid })
  }
  return pool
}

/** Sizes of generated events as JSON, for the README and a sanity check. */
export function eventSizes(n = 1000): { min: number; max: number; mean: number } {
  const r = rng(7)
  let min = Infinity
  let max = 0
  let sum = 0
  for (let i = 0; i < n; i++) {
    const len = Buffer.byteLength(JSON.stringify(makeEvent(r, `e0-${i}`, Date.now())))
    min = Math.min(min, len)
    max = Math.max(max, len)
    sum += len
  }
  return { min, max, mean: Math.round(sum / n) }
}
