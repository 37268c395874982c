import { describe, expect, it } from 'vitest'
import { createClient, type ClientOptions, type DroppedEvent, type RefusedEvent } from '../src/index.ts'
import { fakeGateway, VirtualClock, type Reply, type SentRequest } from './fakes.ts'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

function setup(script: (req: SentRequest, n: number) => Reply, options: Partial<ClientOptions> = {}) {
  const clock = new VirtualClock()
  const gw = fakeGateway(clock, script)
  const refused: RefusedEvent[] = []
  const dropped: DroppedEvent[] = []
  const client = createClient({
    endpoint: 'http://gw.test/', writeKey: 'wk_test', appId: 'shop', category: 'web',
    fetch: gw.fetch, timers: clock, now: () => clock.now, random: () => 0.5,
    onRefused: (e) => refused.push(e), onDropped: (e) => dropped.push(e),
    ...options,
  })
  return { clock, gw, client, refused, dropped, flush: () => clock.run(client.flush()) }
}

const ok: Reply = { status: 200, parts: 'all-ok' }

describe('sdk client: sending and outcomes', () => {
  it('sends tracked events in one batch with UUID v7 ids, the app, the write key and sent_at; 200 accepts them all', async () => {
    const { client, gw, flush } = setup(() => ok)
    const ids = ['a', 'b', 'c'].map((n) => client.track(n, { n }))
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true)
    expect(await flush()).toEqual({ accepted: 3, refused: 0, dropped: 0, pending: 0 })
    expect(gw.requests).toHaveLength(1)
    const [req] = gw.requests
    expect(req!.events.map((e) => e.id)).toEqual(ids)
    expect(req!.events[1]).toMatchObject({ name: 'b', properties: { n: 'b' } })
    expect(req!.headers.Authorization).toBe('Bearer wk_test')
    expect(req!.meta).toMatchObject({ app_id: 'shop', category: 'web', sdk: { name: 'telemetry-sdk' } })
    expect(typeof req!.meta.sent_at).toBe('number')
    expect(client.stats()).toMatchObject({ tracked: 3, accepted: 3, queued: 0, requests: 1 })
  })

  it('206: accepted parts end, refused parts are reported with code and message, retryable parts are sent again alone', async () => {
    const { client, gw, refused, flush } = setup((_req, n) => (n === 0 ? { status: 206, parts: [{ code: 0 }, { code: 1001 }, { code: 2001, retryable: true }] } : ok))
    const ids = ['ok', 'bad', 'later'].map((n) => client.track(n))
    expect(await flush()).toMatchObject({ accepted: 2, refused: 1, dropped: 0, pending: 0 })
    expect(gw.requests.map((r) => r.events.map((e) => e.id))).toEqual([ids, [ids[2]]])
    expect(refused).toEqual([{ id: ids[1], name: 'bad', code: 1001, message: 'code 1001' }])
    expect(client.stats()).toMatchObject({ retried: 1, refusedByCode: { 1001: 1 } })
  })

  it('503 with parts and Retry-After: waits at least Retry-After, resends the same events (same ids and timestamps, new sent_at)', async () => {
    const { client, gw, flush } = setup((_req, n) => (n === 0 ? { status: 503, parts: 'all-kafka-down', retryAfter: '7' } : ok), { backoffBaseMs: 100 })
    client.track('x', { a: 1 })
    client.track('y')
    expect(await flush()).toMatchObject({ accepted: 2 })
    const [first, second] = gw.requests
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(7000)
    expect(second!.events).toEqual(first!.events)
    expect(second!.meta.sent_at).not.toBe(first!.meta.sent_at)
  })

  it.each([
    [429, '3'],
    [408, undefined],
    [500, undefined],
    [502, undefined],
    [503, '1'],
  ])('HTTP %i without parts is retried with backoff (Retry-After %s as the minimum)', async (status, retryAfter) => {
    const { client, gw, flush } = setup((_req, n) => (n < 2 ? { status, retryAfter } : ok), { backoffBaseMs: 1000 })
    const id = client.track('e')
    expect(await flush()).toMatchObject({ accepted: 1, refused: 0, dropped: 0 })
    expect(gw.requests.map((r) => r.events[0]!.id)).toEqual([id, id, id])
    const gap = gw.requests[1]!.at - gw.requests[0]!.at
    if (retryAfter) expect(gap).toBeGreaterThanOrEqual(Number(retryAfter) * 1000)
    // full jitter: random() = 0.5 of the ceiling 1000·2^n
    expect(gw.requests[2]!.at - gw.requests[1]!.at).toBeGreaterThanOrEqual(Math.max(Number(retryAfter ?? 0) * 1000, 1000))
    expect(client.stats().retried).toBe(2)
  })

  it('a network error and a request without an answer (timeout) are retried with the same ids', async () => {
    const { client, gw, clock, flush } = setup((_req, n) => (n === 0 ? { network: true } : n === 1 ? { hang: true } : ok), { requestTimeoutMs: 4000 })
    const id = client.track('e')
    expect(await flush()).toMatchObject({ accepted: 1 })
    expect(gw.requests.map((r) => r.events[0]!.id)).toEqual([id, id, id])
    expect(clock.requested).toContain(4000)
  })

  it('a lost answer (the gateway took the batch) is resent with the same ids: the gateway collapses them by (app, id)', async () => {
    const { client, gw, flush } = setup((_req, n) => (n === 0 ? { lost: true } : ok))
    const id = client.track('e')
    await flush()
    expect(gw.stored.get(id)).toBe(2)
    expect(gw.requests[1]!.events[0]).toEqual(gw.requests[0]!.events[0])
  })

  it.each([400, 401, 403, 415, 404])('HTTP %i without parts is final: every event refused with that code, nothing resent', async (status) => {
    const { client, gw, refused, flush } = setup(() => ({ status, message: 'no' }))
    client.track('a')
    client.track('b')
    expect(await flush()).toMatchObject({ accepted: 0, refused: 2, pending: 0 })
    expect(gw.requests).toHaveLength(1)
    expect(refused.map((r) => [r.code, r.message])).toEqual([[status, 'no'], [status, 'no']])
  })

  it('400 with parts: each part decides (some refused, retryable ones sent again)', async () => {
    const { client, gw, flush } = setup((_req, n) => (n === 0 ? { status: 400, parts: [{ code: 1006 }, { code: 2001, retryable: true }] } : ok))
    client.track('a')
    client.track('b')
    expect(await flush()).toMatchObject({ accepted: 1, refused: 1 })
    expect(gw.requests[1]!.events.map((e) => e.name)).toEqual(['b'])
  })

  it('413 splits the batch in halves until it fits; a single event answered 413 is refused with EVENT_TOO_LARGE', async () => {
    const { client, gw, refused, flush } = setup((req) => (req.events.length > 2 || req.events.some((e) => e.name === 'huge') ? { status: 413, message: 'too large' } : ok))
    for (const n of ['a', 'b', 'c', 'd', 'e', 'huge']) client.track(n)
    expect(await flush()).toMatchObject({ accepted: 5, refused: 1, pending: 0 })
    expect(gw.requests[0]!.events).toHaveLength(6)
    // [6] → at most 3 per batch → at most 2: halves until each fits
    expect(gw.requests.map((r) => r.events.length).slice(0, 3)).toEqual([6, 3, 3])
    expect(gw.requests.slice(3).every((r) => r.events.length <= 2)).toBe(true)
    expect(client.stats().retried).toBe(0)
    expect(refused).toMatchObject([{ name: 'huge', code: 1002, message: 'too large' }])
  })

  it('an event over maxEventBytes is refused locally with the gateway code 1002 and never sent', async () => {
    const { client, gw, refused, flush } = setup(() => ok, { maxEventBytes: 200 })
    client.track('big', { s: 'é'.repeat(100) }) // 200 UTF-8 bytes of properties
    client.track('small')
    expect(await flush()).toMatchObject({ accepted: 1 })
    expect(client.stats()).toMatchObject({ tracked: 2, accepted: 1, refused: 1, refusedByCode: { 1002: 1 } })
    expect(refused[0]).toMatchObject({ name: 'big', code: 1002 })
    expect(refused[0]!.message).toMatch(/limit 200 \(LIMIT_EVENT_BYTES\)/)
    expect(gw.requests.flatMap((r) => r.events.map((e) => e.name))).toEqual(['small'])
  })

  it('respects events per batch and body bytes; flushAt sends without flush(); the interval sends the rest', async () => {
    const { client, gw, clock } = setup(() => ok, { maxBatchEvents: 4, flushAt: 4, maxBatchBytes: 1200, flushIntervalMs: 3000, maxConcurrentRequests: 1 })
    for (let i = 0; i < 10; i++) client.track('e', { pad: 'x'.repeat(150) })
    // no flush(): flushAt and the interval timer do it
    await clock.run(new Promise<void>((resolve) => {
      const check = () => (client.stats().queued === 0 ? resolve() : setImmediate(check))
      check()
    }))
    expect(gw.requests.every((r) => r.events.length <= 4 && r.rawBytes <= 1200)).toBe(true)
    expect(gw.requests.flatMap((r) => r.events)).toHaveLength(10)
    expect(client.stats().accepted).toBe(10)
  })

  it('a full queue drops the new event (reason queue_full) and says so', async () => {
    const { client, dropped, flush } = setup(() => ok, { maxQueueEvents: 2, flushAt: 100 })
    client.track('a')
    client.track('b')
    const id = client.track('c')
    expect(dropped).toEqual([{ id, name: 'c', reason: 'queue_full' }])
    expect(await flush()).toMatchObject({ accepted: 2 })
    expect(client.stats()).toMatchObject({ tracked: 3, accepted: 2, dropped: 1, droppedByReason: { queue_full: 1 } })
  })

  it('after maxAttempts failed attempts the event is dropped (attempts_exhausted)', async () => {
    const { client, gw, dropped, flush } = setup(() => ({ status: 503 }), { maxAttempts: 3, backoffBaseMs: 10 })
    client.track('a')
    expect(await flush()).toMatchObject({ accepted: 0, dropped: 1 })
    expect(gw.requests).toHaveLength(3)
    expect(dropped[0]!.reason).toBe('attempts_exhausted')
  })

  it('shutdown drops what is not done by the deadline (shutdown_deadline) and ignores a later answer', async () => {
    const { client, clock, dropped } = setup(() => ({ hang: true }), { requestTimeoutMs: 60_000 })
    client.track('a')
    client.track('b')
    expect(await clock.run(client.shutdown({ timeoutMs: 1000 }))).toMatchObject({ accepted: 0, dropped: 2, pending: 0 })
    expect(dropped.map((d) => d.reason)).toEqual(['shutdown_deadline', 'shutdown_deadline'])
    expect(client.track('after')).toMatch(UUID_V7)
    expect(client.stats()).toMatchObject({ tracked: 3, dropped: 3, queued: 0 })
  })

  it('gzips bodies over compressMinBytes (Content-Encoding: gzip) and not small ones', async () => {
    const { client, gw, flush } = setup(() => ok, { compressMinBytes: 1000 })
    client.track('small')
    await flush()
    for (let i = 0; i < 20; i++) client.track('page_view', { path: '/products/shoes', i })
    await flush()
    expect(gw.requests[0]!.headers['Content-Encoding']).toBeUndefined()
    expect(gw.requests[1]!.headers['Content-Encoding']).toBe('gzip')
    expect(gw.requests[1]!.rawBytes).toBeLessThan(1000)
    expect(client.stats().gzipRequests).toBe(1)
  })

  it('keeps the caller-given id, timestamp, ip and trace ids; a duplicate unsettled id is refused (1005)', async () => {
    const { client, gw, refused, flush } = setup(() => ok)
    client.track('a', undefined, { id: 'order-1', timestamp: new Date(1000), ip: '8.8.8.8', traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) })
    client.track('a', undefined, { id: 'order-1' })
    await flush()
    expect(gw.requests[0]!.events).toEqual([{ id: 'order-1', name: 'a', timestamp: 1000, ip: '8.8.8.8', trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) }])
    expect(refused).toMatchObject([{ id: 'order-1', code: 1005 }])
  })

  it('never throws into the host: a throwing onRefused, a circular property, no arguments', async () => {
    const { client, flush } = setup(() => ({ status: 400 }), { onRefused: () => { throw new Error('host bug') } })
    const circular: Record<string, unknown> = {}
    circular.self = circular
    expect(() => client.track('c', circular)).not.toThrow()
    client.track('x')
    expect(await flush()).toMatchObject({ refused: 1 })
    expect(client.stats().refusedByCode).toEqual({ 400: 1, 1001: 1 })
  })

  it('traceContext fills trace_id/span_id and sends traceparent', async () => {
    const traceparent = `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`
    const { client, gw, flush } = setup(() => ok, { traceContext: () => ({ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceparent }) })
    client.track('a')
    await flush()
    expect(gw.requests[0]!.events[0]).toMatchObject({ trace_id: 'c'.repeat(32), span_id: 'd'.repeat(16) })
    expect(gw.requests[0]!.headers.traceparent).toBe(traceparent)
  })
})
