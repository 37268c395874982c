import { gzipSync, deflateSync, deflateRawSync, brotliCompressSync } from 'node:zlib'
import * as zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { batchExamples } from '../../schemas/examples/index.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import type { BatchResponse } from '../src/steps/buildResponse.ts'
import { postBatch, RecordingProducer, testApp } from './fakes.ts'
import { createSelfTracer } from '../../common/selfTrace.ts'

const json = async (r: Response) => (await r.json()) as BatchResponse

const minimal = { meta: { app_id: 'a', category: 'web' }, data: [{ id: '1', name: 'n', timestamp: 1764064800000 }] }

describe('POST /v1/batch with the golden examples', () => {
  it.each(batchExamples().map((e) => [e.file, e] as const))('%s', async (_file, example) => {
    const { app, producer } = testApp()
    const res = await postBatch(app, example.request)
    expect(res.status).toBe(example.expect.status)
    const body = await json(res)
    expect(body.code).toBe(example.expect.code)
    expect(body.parts.map((p: { code: number }) => p.code)).toEqual(example.expect.parts)
    // parts echo ids in request order; accepted parts carry a backend id, refused ones a reason
    body.parts.forEach((p: { id: string; code: number; backend_id: string; message: string }, i: number) => {
      const item = example.request.data[i] as { id?: string }
      const type = typeForCategory(String(example.request.meta.category))
      expect(p.id).toBe(type.itemId(item))
      if (p.code === 0) expect(p.backend_id).not.toBe('')
      // a refusal names the field or limit at fault, or the whole item
      else expect(p.message).toMatch(/^(\w[\w ]*: )?[a-z_]+(\.[\w]+)*: |unknown field\(s\) "|must be a JSON object|\(LIMIT_[A-Z_]+\)|^ip "|already appears earlier/)
    })
    // exactly the accepted events were produced, in one call, each a valid enriched event
    const accepted = body.parts.filter((p: { code: number }) => p.code === 0)
    const produced = producer.items()
    expect(produced.map((m) => JSON.parse(m.value).backend_id)).toEqual(accepted.map((p: { backend_id: string }) => p.backend_id))
    // typed categories (spans, metrics, logs) produce their type's enriched shape to their own topic
    const type = typeForCategory(String(example.request.meta.category))
    for (const m of produced) expect(type.enrichedSchema.safeParse(JSON.parse(m.value)).success).toBe(true)
    if (produced.length > 0) expect(producer.sent[0]!.topic).toBe(`telemetry.${example.request.meta.category}`)
    expect(producer.sent.length).toBe(accepted.length > 0 ? 1 : 0)
  })
})

describe('POST /v1/batch: Kafka side', () => {
  it('writes to the category topic with traceparent continuing the caller, request id and schema version', async () => {
    const { app, producer } = testApp({ env: { TOPIC_TEMPLATE: 'to_analyzer__0.{category}' } })
    const res = await postBatch(app, minimal, {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'x-request-id': 'req-123',
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).toBe('req-123')
    const [call] = producer.sent
    expect(call?.topic).toBe('to_analyzer__0.web')
    const headers = call!.messages[0]!.headers
    expect(headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/)
    expect(headers.traceparent).not.toContain('00f067aa0ba902b7')
    expect(headers['x-request-id']).toBe('req-123')
    expect(headers['schema-version']).toBe('1')
    expect(call!.messages[0]!.key).toBe('a')
  })

  it('keys by device when meta names one', async () => {
    const { app, producer } = testApp()
    await postBatch(app, { ...minimal, meta: { ...minimal.meta, device_id: 'd1' } })
    expect(producer.sent[0]!.messages[0]!.key).toBe('a/d1')
  })

  it("writes an upload's items of one key as NDJSON records, cut at KAFKA_RECORD_MAX_BYTES", async () => {
    const data = Array.from({ length: 30 }, (_, i) => ({ id: String(i), name: 'n', timestamp: 1764064800000 }))
    const { app, producer } = testApp({ env: { KAFKA_RECORD_MAX_BYTES: '4000' } })
    expect((await postBatch(app, { ...minimal, data })).status).toBe(200)
    const records = producer.sent[0]!.messages
    expect(records.length).toBeGreaterThan(1)
    expect(records.length).toBeLessThan(30)
    for (const r of records) {
      expect(r.headers['content-type']).toBe('application/x-ndjson')
      expect(r.key).toBe('a')
      expect(r.value.length).toBeLessThanOrEqual(4000)
    }
    expect(producer.items().map((m) => JSON.parse(m.value).event_id)).toEqual(data.map((d) => d.id))
  })

  it('writes one item per application/json record with KAFKA_RECORD_MAX_BYTES=0 (the format before NDJSON)', async () => {
    const data = Array.from({ length: 3 }, (_, i) => ({ id: String(i), name: 'n', timestamp: 1764064800000 }))
    const { app, producer } = testApp({ env: { KAFKA_RECORD_MAX_BYTES: '0' } })
    expect((await postBatch(app, { ...minimal, data })).status).toBe(200)
    const records = producer.sent[0]!.messages
    expect(records.map((r) => [r.headers['content-type'], JSON.parse(r.value).event_id])).toEqual([
      ['application/json', '0'],
      ['application/json', '1'],
      ['application/json', '2'],
    ])
  })

  it('answers 503 with Retry-After and accepts nothing when Kafka fails', async () => {
    const producer = new RecordingProducer()
    producer.failWith = new Error('broker down')
    const { app } = testApp({ producer })
    const res = await postBatch(app, { ...minimal, data: [...minimal.data, { id: '2' }] })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    const body = await json(res)
    expect(body.code).toBe(2)
    expect(body.retryable).toBe(true)
    expect(body.parts).toEqual([
      expect.objectContaining({ id: '1', code: 2001, retryable: true, backend_id: '' }),
      expect.objectContaining({ id: '2', code: 1001, retryable: false }),
    ])
  })

  it('answers 503 when Kafka does not acknowledge within the produce timeout', async () => {
    const producer = new RecordingProducer()
    producer.hang = true
    const { app } = testApp({ producer })
    const res = await postBatch(app, minimal)
    expect(res.status).toBe(503)
    expect((await app.request('/readyz')).status).toBe(503)
  })
})

describe('POST /v1/batch: decoding and envelope', () => {
  const payload = Buffer.from(JSON.stringify(minimal))
  const zstd = (zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync
  it.each([
    ['gzip', gzipSync(payload)],
    ['deflate (zlib)', deflateSync(payload)],
    ['deflate (raw)', deflateRawSync(payload)],
    ['br', brotliCompressSync(payload)],
    ...(zstd ? [['zstd', zstd(payload)] as [string, Buffer]] : []),
  ])('accepts Content-Encoding %s', async (label, body) => {
    const { app } = testApp()
    const res = await postBatch(app, new Uint8Array(body), { 'content-encoding': label.split(' ')[0]! })
    expect(res.status).toBe(200)
  })

  it.each([
    ['unknown encoding', { 'content-encoding': 'compress' }, JSON.stringify(minimal), 415, 'Content-Encoding "compress" is not supported'],
    ['form content type', { 'content-type': 'application/x-www-form-urlencoded' }, JSON.stringify(minimal), 415, 'Content-Type'],
    ['malformed JSON', {}, '{"meta": {', 400, 'malformed JSON'],
    ['empty body', {}, '', 400, 'body is empty'],
    ['invalid UTF-8', {}, new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 400, 'not valid UTF-8'],
    ['gzip header but garbage', { 'content-encoding': 'gzip' }, 'not gzip', 400, 'not valid gzip'],
    ['bad meta', {}, JSON.stringify({ meta: { app_id: 'a' }, data: [{}] }), 400, 'meta.category'],
  ])('%s → %i', async (_label, headers, body, status, message) => {
    const { app } = testApp()
    const res = await postBatch(app, body, headers as Record<string, string>)
    expect(res.status).toBe(status)
    const out = await json(res)
    expect(out.code).toBe(2)
    expect(out.message).toContain(message)
    expect(out.parts).toEqual([])
  })

  it('accepts text/plain (navigator.sendBeacon)', async () => {
    const { app } = testApp()
    const res = await postBatch(app, JSON.stringify(minimal), { 'content-type': 'text/plain;charset=UTF-8' })
    expect(res.status).toBe(200)
  })

  it('answers 413 naming the limit for a body over LIMIT_BODY_BYTES', async () => {
    const { app } = testApp({ env: { LIMIT_BODY_BYTES: '1024', LIMIT_DECOMPRESSED_BYTES: '4096' } })
    const big = { ...minimal, data: [{ id: '1', name: 'n', timestamp: 1764064800000, properties: { s: 'x'.repeat(2000) } }] }
    const res = await postBatch(app, big)
    expect(res.status).toBe(413)
    expect((await json(res)).message).toMatch(/limit 1 KB \(LIMIT_BODY_BYTES\)/)
  })

  it('answers 413 for a gzip bomb over LIMIT_DECOMPRESSED_BYTES', async () => {
    const { app } = testApp({ env: { LIMIT_DECOMPRESSED_BYTES: String(2 * 1024 * 1024) } })
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20))
    expect(bomb.length).toBeLessThan(1024 * 1024)
    const res = await postBatch(app, new Uint8Array(bomb), { 'content-encoding': 'gzip' })
    expect(res.status).toBe(413)
    expect((await json(res)).message).toContain('LIMIT_DECOMPRESSED_BYTES')
  })
})

describe('operational endpoints', () => {
  it('healthz, readyz, metrics with the seed counters, X-Request-ID everywhere, one log line per request', async () => {
    const { app, logLines } = testApp()
    await postBatch(app, minimal)
    await postBatch(app, { meta: { app_id: 'a' }, data: [] })
    expect((await app.request('/healthz')).status).toBe(200)
    const ready = await app.request('/readyz')
    expect(ready.status).toBe(200)
    expect(ready.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const metrics = await (await app.request('/metrics')).text()
    expect(metrics).toMatch(/gateway_uploads_total\{type="all_upload"\} 2/)
    expect(metrics).toMatch(/gateway_uploads_total\{type="wrong_meta"\} 1/)
    expect(metrics).toMatch(/gateway_uploads_total\{type="success_upload"\} 1/)
    expect(metrics).toMatch(/gateway_events_total\{category="web",outcome="accepted",reason="ACCEPTED"\} 1/)
    expect(metrics).toMatch(/gateway_http_requests_total\{route="\/v1\/batch",method="POST",status="400"\} 1/)
    expect(metrics).toContain('gateway_kafka_produce_duration_seconds_bucket')
    expect(metrics).toContain('nodejs_eventloop_lag_seconds')
    expect(metrics).toContain('process_resident_memory_bytes')
    const logs = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request')
    expect(logs).toHaveLength(2)
    expect(logs[0]).toMatchObject({ status: 200, events: 1, accepted: 1, rejected: 0, app_id: 'a' })
    expect(logLines.join('')).not.toContain('"timestamp":1764064800000') // never the payload
  })
  it('404 for unknown routes, in the same JSON shape', async () => {
    const { app } = testApp()
    const res = await app.request('/v2/nothing')
    expect(res.status).toBe(404)
    expect((await json(res)).code).toBe(2)
  })
})

describe('POST /v1/batch: self-tracing', () => {
  const selfTraced = (ratio: number) => {
    const spans: Record<string, unknown>[] = []
    const selfTracer = createSelfTracer({ config: { sampleRatio: ratio, topicTemplate: 'telemetry.{category}' }, service: 'telemetry-gateway', send: async (_t, m) => void spans.push(...m.map((x) => JSON.parse(x.value) as Record<string, unknown>)), flushMs: 60_000 })
    return { spans, selfTracer }
  }

  it('records the request span (the Kafka traceparent span) under the caller, with decode/validate/enrich/produce children', async () => {
    const { spans, selfTracer } = selfTraced(1)
    const { app, producer } = testApp({ selfTracer })
    const res = await postBatch(app, minimal, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })
    expect(res.status).toBe(200)
    await selfTracer.close()
    const gatewaySpan = producer.sent[0]!.messages[0]!.headers.traceparent!.split('-')[2]
    const server = spans.find((s) => s.name === 'POST /v1/batch')!
    expect(server).toMatchObject({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: gatewaySpan, parent_span_id: '00f067aa0ba902b7', kind: 'server', status_code: 'unset' })
    expect(spans.filter((s) => s.parent_span_id === gatewaySpan).map((s) => s.name)).toEqual(['decode', 'validate', 'enrich', 'produce'])
    expect(spans.find((s) => s.name === 'produce')!.attributes).toMatchObject({ 'messaging.destination.name': 'telemetry.web', 'messaging.batch.message_count': 1, 'telemetry.items': 1 })
  })

  it('marks produce and the request span as errors when Kafka fails', async () => {
    const { spans, selfTracer } = selfTraced(1)
    const producer = new RecordingProducer()
    producer.failWith = new Error('broker down')
    const { app } = testApp({ selfTracer, producer })
    expect((await postBatch(app, minimal)).status).toBe(503)
    await selfTracer.close()
    expect(spans.find((s) => s.name === 'produce')).toMatchObject({ status_code: 'error', status_message: 'kafka produce failed: broker down' })
    expect(spans.find((s) => s.name === 'POST /v1/batch')).toMatchObject({ status_code: 'error', parent_span_id: '' })
  })

  it.each([
    ['the caller sampled (01) at ratio 1e-9: traced, flag 01', '01', 1e-9, 5, '01'],
    ['off (ratio 0): nothing recorded, the caller flag passed on', '00', 0, 0, '00'],
  ])('%s', async (_label, flag, ratio, spanCount, outFlag) => {
    const { spans, selfTracer } = selfTraced(ratio)
    const { app, producer } = testApp({ selfTracer })
    await postBatch(app, minimal, { traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-${flag}` })
    await selfTracer.close()
    expect(spans.length).toBe(spanCount)
    expect(producer.sent[0]!.messages[0]!.headers.traceparent!.endsWith(`-${outFlag}`)).toBe(true)
  })
})
