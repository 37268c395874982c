import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { clientMetricPointSchema } from '../../schemas/metricPoint.ts'
import { createClient } from '../src/node.ts'
import { runtimeSampler } from '../src/runtimeMetrics.ts'
import { fakeGateway, VirtualClock } from './fakes.ts'

const queryNames = ['nodejs.eventloop.delay.p99', 'v8js.memory.heap.used', 'process.cpu.utilization'] // schemas/queries/node_runtime.sql

describe('sdk for Node', () => {
  it('runtime metrics: OpenTelemetry names the node_runtime query reads, each a valid metric point', async () => {
    const sampler = runtimeSampler('checkout-api', () => crypto.randomUUID())
    const garbage: unknown[] = []
    for (let i = 0; i < 200_000; i++) garbage.push({ i }) // something for the GC to do
    garbage.length = 0
    await new Promise((r) => setTimeout(r, 60))
    const points = sampler.collect()
    sampler.stop()
    const names = new Set(points.map((p) => p.name))
    for (const n of [...queryNames, 'nodejs.eventloop.delay.p50', 'nodejs.eventloop.delay.p90', 'nodejs.eventloop.delay.max', 'nodejs.eventloop.utilization', 'v8js.memory.heap.limit', 'process.memory.usage']) expect(names).toContain(n)
    for (const p of points) expect(clientMetricPointSchema.safeParse(p).error).toBeUndefined()
    expect(points.filter((p) => p.name === 'v8js.memory.heap.used').map((p) => p.attributes!['v8js.heap.space.name'])).toContain('old_space')
    expect(points.find((p) => p.name === 'process.memory.usage')!.value).toBeGreaterThan(10_000_000)
    const gc = points.filter((p) => p.name === 'v8js.gc.duration')
    for (const h of gc) expect(h.bucket_counts!.reduce((a, b) => a + b, 0)).toBe(h.count)
  })

  it('collectRuntimeMetrics sends metric points in category "metrics"; events keep their own category', async () => {
    const clock = new VirtualClock()
    const gw = fakeGateway(clock, () => ({ status: 200, parts: 'all-ok' }))
    const client = createClient({ endpoint: 'http://gw.test', writeKey: 'k', appId: 'checkout-api', category: 'api', fetch: gw.fetch, otel: false })
    const stop = client.collectRuntimeMetrics({ intervalMs: 30 })
    client.track('order_placed', { total: 3 })
    await new Promise((r) => setTimeout(r, 80))
    stop()
    const result = await client.flush()
    expect(result.pending).toBe(0)
    const metricBatches = gw.requests.filter((r) => r.meta.category === 'metrics')
    expect(metricBatches.length).toBeGreaterThan(0)
    expect(metricBatches.flatMap((r) => r.events.map((e) => e.name))).toEqual(expect.arrayContaining(queryNames))
    expect(gw.requests.filter((r) => r.meta.category === 'api').flatMap((r) => r.events.map((e) => e.name))).toEqual(['order_placed'])
    await client.shutdown()
  })

  it('fills trace_id/span_id and traceparent from the active OpenTelemetry span', async () => {
    const clock = new VirtualClock()
    const gw = fakeGateway(clock, () => ({ status: 200, parts: 'all-ok' }))
    let active: { traceId: string; spanId: string; traceFlags: number } | undefined = { traceId: 'a1'.repeat(16), spanId: 'b2'.repeat(8), traceFlags: 1 }
    const otel = { trace: { getActiveSpan: () => (active ? { spanContext: () => active! } : undefined) } }
    const client = createClient({ endpoint: 'http://gw.test', writeKey: 'k', appId: 'a', category: 'api', fetch: gw.fetch, otel })
    client.track('in_span')
    active = undefined
    client.track('no_span')
    await client.flush()
    const [withSpan, without] = gw.requests[0]!.events
    expect(withSpan).toMatchObject({ trace_id: 'a1'.repeat(16), span_id: 'b2'.repeat(8) })
    expect(without!.trace_id).toBeUndefined()
    await client.shutdown()
  })

  it('installShutdownHooks: SIGTERM sends what is queued, then the process ends by the signal', async () => {
    const bodies: string[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        bodies.push(body)
        const ids = JSON.parse(body).data.map((e: { id: string }) => ({ id: e.id, backend_id: '', code: 0, message: 'accepted', retryable: false }))
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 0, message: 'ok', retryable: false, parts: ids }))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const script = `
      import { createClient } from ${JSON.stringify(new URL('../src/node.ts', import.meta.url).pathname)}
      const client = createClient({ endpoint: ${JSON.stringify(url)}, writeKey: 'k', appId: 'svc', category: 'api', flushIntervalMs: 60000, otel: false })
      client.installShutdownHooks({ timeoutMs: 5000 })
      for (let i = 0; i < 3; i++) client.track('job_done', { i })
      setInterval(() => {}, 1000) // a server that would run forever
      process.kill(process.pid, 'SIGTERM')`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' })
    const exit = await new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })))
    server.close()
    expect(exit.signal).toBe('SIGTERM')
    expect(bodies.flatMap((b) => JSON.parse(b).data.map((e: { name: string }) => e.name))).toEqual(['job_done', 'job_done', 'job_done'])
  }, 30_000) // a child Node process: its start-up alone takes seconds on a busy machine
})
