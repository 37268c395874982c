// The SDK against the real pipeline (gateway → Kafka → consumer → ClickHouse): events tracked while Kafka is
// stopped for ~10 s and while a proxy cuts some answers after the gateway gave them (the gateway took the
// batch; the client never hears it and sends it again). Every tracked event must be in ClickHouse exactly
// once by its client id. SDK_E2E_EVENTS sets the size (default 20,000; npm test runs the default).
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../sdk/src/index.ts'
import { createClient as createNodeClient } from '../../sdk/src/node.ts'
import { bindQuery, shippedQueries } from '../../schemas/queries/catalog.ts'
import { countRows, integrationConfig, INTEGRATION_DEV_KEY, pipelineForTests, queryRows, runId, stack, testLogger, waitFor } from './harness.ts'

const N = Number(process.env.SDK_E2E_EVENTS ?? 20_000)
const id = runId()
const config = integrationConfig(id, { KAFKA_LINGER_MS: '2' })
const logs = { gateway: testLogger('gateway'), consumer: testLogger('consumer') }
const running = pipelineForTests(config, logs)
const appId = `sdk-e2e-${id}`

/** Forwards to the gateway; every `cutEvery`-th answer is read from the gateway, then the client's socket is destroyed. */
function cuttingProxy(target: () => string, cutEvery: number) {
  const counts = { requests: 0, cut: 0, cutAcceptedEvents: 0, byStatus: {} as Record<string, number> }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const n = ++counts.requests
      const t0 = Date.now()
      const upstream = request(`${target()}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        const body: Buffer[] = []
        up.on('data', (c: Buffer) => body.push(c))
        up.on('end', () => {
          const text = Buffer.concat(body)
          counts.byStatus[up.statusCode ?? 0] = (counts.byStatus[up.statusCode ?? 0] ?? 0) + 1
          if (process.env.SDK_E2E_DEBUG) console.log(`proxy #${n} at ${new Date(t0).toISOString()} ${up.statusCode} after ${Date.now() - t0} ms`)
          if (n % cutEvery === 0) {
            counts.cut++
            try {
              counts.cutAcceptedEvents += (JSON.parse(text.toString()).parts ?? []).filter((p: { code: number }) => p.code === 0).length
            } catch {
              // not JSON: nothing accepted
            }
            req.socket.destroy() // the gateway answered; the client never sees it
            return
          }
          res.writeHead(up.statusCode ?? 502, up.headers)
          res.end(text)
        })
      })
      upstream.on('error', () => req.socket.destroy())
      upstream.end(Buffer.concat(chunks))
    })
  })
  return { server, counts }
}

let proxy: ReturnType<typeof cuttingProxy>
let proxyUrl = ''

beforeAll(async () => {
  proxy = cuttingProxy(() => running.gateway.url, 4)
  await new Promise<void>((resolve) => proxy.server.listen(Number(process.env.SDK_E2E_PROXY_PORT ?? 0), '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await stack('up', 'kafka') // whatever happened, leave the broker running for the next test file
  await new Promise<void>((resolve) => (proxy?.server as Server | undefined)?.close(() => resolve()) ?? resolve())
})

describe(`SDK exactly once: ${N} events, Kafka stopped ~10 s, answers cut by a proxy`, () => {
  it('stores every tracked event exactly once by its client id', async () => {
    const started = Date.now()
    const client = createClient({
      endpoint: proxyUrl, writeKey: INTEGRATION_DEV_KEY, appId, category: 'web',
      maxQueueEvents: N + 1000, maxQueueBytes: 64 * 1024 * 1024, maxAttempts: 100, backoffBaseMs: 200, backoffMaxMs: 3000, requestTimeoutMs: 15_000,
    })
    const tracked: string[] = []
    const trackSome = async (count: number) => {
      for (let i = 0; i < count; i++) {
        tracked.push(client.track('e2e', { i: tracked.length, path: `/p/${tracked.length % 50}` }))
        if (i % 500 === 499) await new Promise((r) => setTimeout(r, 20)) // an app's pace, not one burst
      }
    }
    // a third with Kafka up (flushed: those answers are cut too), a third while it is stopped, a third after
    const third = Math.floor(N / 3)
    await trackSome(third)
    await client.flush()
    await stack('down', 'kafka')
    const downAt = Date.now()
    console.log(`sdk e2e: Kafka stopped after ${downAt - started} ms`)
    await trackSome(third)
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - downAt))))
    await stack('up', 'kafka')
    await trackSome(N - 2 * third)
    const flushed = await client.flush()
    const stats = client.stats()
    console.log(`sdk e2e: ${N} tracked in ${Date.now() - started} ms; sdk stats ${JSON.stringify(stats)}; proxy ${JSON.stringify(proxy.counts)}`)
    expect(flushed.pending).toBe(0)
    expect(stats).toMatchObject({ tracked: N, accepted: N, refused: 0, dropped: 0, queued: 0 })
    expect(stats.retried).toBeGreaterThan(0)
    // the proxy cut answers whose events the gateway had accepted: those were sent (and stored) twice
    expect(proxy.counts.cutAcceptedEvents).toBeGreaterThan(0)
    // and the gateway answered 503 while Kafka was down: those were sent again too
    expect(proxy.counts.byStatus[503]).toBeGreaterThan(0)

    const where = `app_id = '${appId}'` // appId is this test's own [a-z0-9-] name
    const loaded = await waitFor('every event in ClickHouse', async () => (await countRows(config, `SELECT count() AS n FROM events FINAL WHERE ${where}`)) >= N, 180_000, 1000).catch(() => false)
    if (!loaded) {
      const missing = await queryRows(config, `SELECT count() AS final, uniqExact(event_id) AS ids FROM events FINAL WHERE ${where}`)
      console.log(`sdk e2e: not all loaded: ${JSON.stringify(missing)}; consumer log tail:\n${logs.consumer.lines.slice(-30).join('')}`)
    }
    expect(loaded).toBe(true)
    const [agg] = await queryRows<{ final: string; ids: string; raw: string }>(config, `SELECT (SELECT count() FROM events FINAL WHERE ${where}) AS final, (SELECT uniqExact(event_id) FROM events WHERE ${where}) AS ids, (SELECT count() FROM events WHERE ${where}) AS raw`)
    console.log(`sdk e2e: ClickHouse count() FINAL ${agg!.final}, uniqExact(event_id) ${agg!.ids}, rows before collapsing ${agg!.raw}`)
    expect(Number(agg!.final)).toBe(N)
    expect(Number(agg!.ids)).toBe(N)
    // the console's count of the app (top_apps reads events_rollup_1m, which every resent copy reached) is N too
    const topApps = shippedQueries().find((q) => q.name === 'top_apps')!
    const apps = await queryRows<{ app_id: string; events: string }>(config, bindQuery(topApps, { from: '-1d', to: String(Date.now() + 60_000), limit: '10000' }))
    expect(Number(apps.find((r) => r.app_id === appId)?.events)).toBe(N)
    const stored = await queryRows<{ event_id: string }>(config, `SELECT event_id FROM events FINAL WHERE ${where}`)
    expect(new Set(stored.map((r) => r.event_id))).toEqual(new Set(tracked))
  }, 240_000)

  it('collectRuntimeMetrics: the Node service shows up in the node_runtime query', async () => {
    const service = `sdk-runtime-${id}`
    const client = createNodeClient({ endpoint: running.gateway.url, writeKey: INTEGRATION_DEV_KEY, appId, category: 'api', otel: false })
    const stop = client.collectRuntimeMetrics({ intervalMs: 300, service })
    await new Promise((r) => setTimeout(r, 1500))
    stop()
    const flushed = await client.flush()
    expect(flushed.pending).toBe(0)
    expect(client.stats().refused).toBe(0)
    const query = shippedQueries().find((q) => q.name === 'node_runtime')!
    const rows = await waitFor('node_runtime rows', async () => {
      const r = await queryRows<{ service: string; heap_used_mb: number; cpu_percent: number; eventloop_delay_p99_ms: number }>(config, bindQuery(query, { service, from: '-1h', to: 'now', step: '3600' }))
      return r.length === 1 && r[0]!.heap_used_mb > 0 ? r : null
    }, 60_000, 1000)
    console.log(`sdk runtime metrics via node_runtime: ${JSON.stringify(rows[0])}`)
    expect(rows[0]!.service).toBe(service)
    expect(rows[0]!.heap_used_mb).toBeGreaterThan(1)
    await client.shutdown()
  }, 120_000)
})
