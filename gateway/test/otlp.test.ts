import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { JsonLogsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { otlpExamples } from '../../schemas/examples/index.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import { decodeResponse, decodeStatus } from '../src/otlp/otlpProto.ts'
import { otlpToItems } from '../src/otlp/otlpToItems.ts'
import { RecordingProducer, TEST_DEV_KEY, testApp } from './fakes.ts'
import { createSelfTracer } from '../../common/selfTrace.ts'

const categoryOf = { traces: 'spans', metrics: 'metrics', logs: 'logs' } as const
const rejectedKey = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' } as const

function post(app: ReturnType<typeof testApp>['app'], path: string, body: string | Uint8Array, headers: Record<string, string>) {
  return app.request(path, { method: 'POST', headers: { authorization: `Bearer ${TEST_DEV_KEY}`, ...headers }, body: body as string | Uint8Array<ArrayBuffer> })
}

describe('OTLP/JSON golden requests → our items', () => {
  it.each(otlpExamples().map((e) => [e.file, e] as const))('%s', (_file, example) => {
    const mapped = otlpToItems(example.signal, example.request, 1_764_064_900_000)
    expect(mapped.ok).toBe(true)
    if (!mapped.ok) return
    const items = mapped.items.flatMap((m) => (m.ok ? [m.item] : []))
    if (typeof example.expect.items === 'number') expect(items.length).toBe(example.expect.items)
    else expect(items).toEqual(example.expect.items)
  })
})

describe('POST /v1/traces, /v1/metrics, /v1/logs with the golden requests (OTLP/JSON)', () => {
  it.each(otlpExamples().map((e) => [e.file, e] as const))('%s: partial_success counts the refused items, the others go to their topic', async (_file, example) => {
    const { app, producer } = testApp()
    const res = await post(app, `/v1/${example.signal}`, JSON.stringify(example.request), { 'content-type': 'application/json', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    const body = (await res.json()) as { partialSuccess?: Record<string, string> }
    expect(body.partialSuccess?.[rejectedKey[example.signal]]).toBe(String(example.expect.rejected))
    expect(body.partialSuccess?.errorMessage).toMatch(/refused: #\d/)
    const total = (typeof example.expect.items === 'number' ? example.expect.items : example.expect.items.length) + (example.signal === 'metrics' ? example.expect.rejected : 0)
    const produced = producer.items()
    expect(produced.length).toBe(total - example.expect.rejected)
    expect(producer.sent.map((s) => s.topic)).toEqual([`telemetry.${categoryOf[example.signal]}`])
    const type = typeForCategory(categoryOf[example.signal])!
    for (const m of produced) {
      expect(type.enrichedSchema.safeParse(JSON.parse(m.value)).success).toBe(true)
      expect(m.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/)
    }
  })
})

function sdkSpans() {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'unit-svc' }), spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  const tracer = provider.getTracer('unit', '1.0.0')
  const root = tracer.startSpan('root', { kind: 1 })
  const child = tracer.startSpan('child', { attributes: { n: 7, ok: true, list: ['a', 'b'] } }, undefinedContextWithParent(root))
  child.addEvent('step', { at: 'middle' })
  child.setStatus({ code: 2, message: 'boom' })
  child.end()
  root.end()
  return exporter.getFinishedSpans()
}

// a context whose active span is `parent`, without registering a global context manager
function undefinedContextWithParent(parent: { spanContext(): unknown }) {
  const key = Symbol.for('OpenTelemetry Context Key SPAN')
  const map = new Map<symbol, unknown>([[key, parent]])
  const ctx = { getValue: (k: symbol) => map.get(k), setValue: () => ctx, deleteValue: () => ctx }
  return ctx as never
}

function sdkLogs() {
  const exporter = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'unit-svc' }), processors: [new SimpleLogRecordProcessor({ exporter })] })
  provider.getLogger('unit').emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'disk almost full', attributes: { 'disk.free': 12 } })
  return exporter.getFinishedLogRecords()
}

describe('protobuf and JSON from the OpenTelemetry JS serializers give the same items', () => {
  const strip = (v: string) => {
    const { backend_id: _b, ...rest } = JSON.parse(v) as Record<string, unknown>
    return rest
  }
  it.each([
    ['traces', () => ({ pb: ProtobufTraceSerializer.serializeRequest(sdkSpans())!, json: JsonTraceSerializer.serializeRequest(sdkSpans())! })],
    ['logs', () => ({ pb: ProtobufLogsSerializer.serializeRequest(sdkLogs())!, json: JsonLogsSerializer.serializeRequest(sdkLogs())! })],
  ] as const)('%s', async (signal, make) => {
    const { pb, json } = make()
    const a = testApp()
    const b = testApp()
    const resPb = await post(a.app, `/v1/${signal}`, gzipSync(pb), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })
    const resJson = await post(b.app, `/v1/${signal}`, json, { 'content-type': 'application/json' })
    expect(resPb.status).toBe(200)
    expect(resPb.headers.get('content-type')).toBe('application/x-protobuf')
    expect(decodeResponse(signal, new Uint8Array(await resPb.arrayBuffer()))).toEqual({})
    expect(resJson.status).toBe(200)
    const fromPb = a.producer.items().map((m) => strip(m.value))
    const fromJson = b.producer.items().map((m) => strip(m.value))
    expect(fromPb.length).toBeGreaterThan(0)
    // the two requests were made separately, so ids and times differ: compare the shape and the constant fields
    const constant = (o: Record<string, unknown>) => ({ ...o, trace_id: 'x', span_id: 'x', parent_span_id: (o.parent_span_id ? 'x' : ''), start_time_unix_nano: 'x', end_time_unix_nano: 'x', time_unix_nano: 'x', observed_time_unix_nano: 'x', received_at: 0, request_id: 'x', events: Array.isArray(o.events) ? (o.events as object[]).map((e) => ({ ...e, time_unix_nano: 'x' })) : undefined })
    expect(fromPb.map(constant)).toEqual(fromJson.map(constant))
    if (signal === 'traces') {
      const child = fromPb.find((s) => s.name === 'child')!
      expect(child).toMatchObject({ service: 'unit-svc', status_code: 'error', status_message: 'boom', attributes: { n: 7, ok: true, list: ['a', 'b'] } })
      const root = fromPb.find((s) => s.name === 'root')!
      expect(child.parent_span_id).toBe(root.span_id)
      expect(child.trace_id).toBe(root.trace_id)
      expect(String(child.trace_id)).toMatch(/^[0-9a-f]{32}$/)
    } else {
      expect(fromPb[0]).toMatchObject({ service: 'unit-svc', severity_number: 13, severity_text: 'WARN', body: 'disk almost full', attributes: { 'disk.free': 12 } })
    }
  })
})

describe('OTLP refusals', () => {
  it('numbers each refusal by its place in the request, whether mapping or validation refused it', async () => {
    const { app } = testApp()
    const point = (value: number, time: string) => ({ timeUnixNano: time, asDouble: value })
    const request = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                { name: 'latency', summary: { dataPoints: [{}] } },
                { name: 'queue', gauge: { dataPoints: [point(1, '1764064900000000000'), point(2, '12'), point(3, '1764064900000000000')] } },
              ],
            },
          ],
        },
      ],
    }
    const res = await post(app, '/v1/metrics', JSON.stringify(request), { 'content-type': 'application/json' })
    const body = (await res.json()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } }
    expect(body.partialSuccess.rejectedDataPoints).toBe('2')
    expect(body.partialSuccess.errorMessage).toMatch(/^2 of 4 metric points refused: #0: metric "latency": summary points are not supported.*; #2: metric point: time_unix_nano: /)
  })

  it('400 with a google.rpc.Status (protobuf) for bytes that are not the message', async () => {
    const { app, producer } = testApp()
    const res = await post(app, '/v1/traces', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf' })
    expect(res.status).toBe(400)
    const status = decodeStatus(new Uint8Array(await res.arrayBuffer()))
    expect(status.code).toBe(3)
    expect(status.message).toMatch(/not a valid protobuf ExportTraceServiceRequest/)
    expect(producer.sent).toEqual([])
  })

  it.each([
    ['malformed JSON', '{"resourceSpans": [', /malformed JSON/],
    ['wrong top-level type', '{"resourceSpans": 5}', /resourceSpans must be an array/],
    ['not an object', '[1,2]', /ExportTraceServiceRequest object/],
  ])('400 with a JSON Status for %s', async (_label, body, message) => {
    const { app } = testApp()
    const res = await post(app, '/v1/traces', body, { 'content-type': 'application/json' })
    expect(res.status).toBe(400)
    const status = (await res.json()) as { code: number; message: string }
    expect(status.code).toBe(3)
    expect(status.message).toMatch(message)
  })

  it('415 for another content type', async () => {
    const { app } = testApp()
    const res = await post(app, '/v1/logs', 'hello', { 'content-type': 'text/plain' })
    expect(res.status).toBe(415)
    expect(((await res.json()) as { message: string }).message).toMatch(/application\/x-protobuf or application\/json/)
  })

  it('413 past LIMIT_OTLP_ITEMS_PER_REQUEST', async () => {
    const { app } = testApp({ limits: { otlpItemsPerRequest: 1 } })
    const example = otlpExamples().find((e) => e.signal === 'traces')!
    const res = await post(app, '/v1/traces', JSON.stringify(example.request), { 'content-type': 'application/json' })
    expect(res.status).toBe(413)
    expect(((await res.json()) as { message: string }).message).toMatch(/3 spans, limit 1 \(LIMIT_OTLP_ITEMS_PER_REQUEST\)/)
  })

  it('503 + Retry-After with UNAVAILABLE when Kafka does not acknowledge, in the request encoding', async () => {
    const producer = new RecordingProducer()
    producer.failWith = new Error('broker down')
    const { app } = testApp({ producer })
    const res = await post(app, '/v1/traces', ProtobufTraceSerializer.serializeRequest(sdkSpans())!, { 'content-type': 'application/x-protobuf' })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(decodeStatus(new Uint8Array(await res.arrayBuffer()))).toMatchObject({ code: 14 })
  })

  it('a 100,000-level nested attribute value is refused as too deep, not a crash', async () => {
    const { app, producer } = testApp({ limits: { bodyBytes: 16 * 1048576, decompressedBytes: 16 * 1048576 } })
    const deep = '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(100_000) + '{"stringValue":"x"}' + '}]}}'.repeat(100_000)
    const body = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1764064800000000000","body":{"stringValue":"b"},"attributes":[{"key":"deep","value":${deep}}]}]}]}]}`
    const res = await post(app, '/v1/logs', body, { 'content-type': 'application/json' })
    expect(res.status).toBe(200)
    const answer = (await res.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } }
    expect(answer.partialSuccess.rejectedLogRecords).toBe('1')
    expect(answer.partialSuccess.errorMessage).toMatch(/LIMIT_PROPERTY_DEPTH/)
    expect(producer.sent).toEqual([])
  })

  it('an empty export request is answered 200 with an empty response, logged as a warning and counted', async () => {
    const { app, producer, metrics, logLines } = testApp()
    const res = await post(app, '/v1/metrics', '{}', { 'content-type': 'application/json' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({})
    expect(producer.sent).toEqual([])
    const warning = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'OTLP request with no items: nothing stored')
    expect(warning).toMatchObject({ level: 'warn', signal: 'metrics', hint: 'an OTLP/JSON body has resourceMetrics at its top level' })
    expect(await metrics.registry.metrics()).toContain('gateway_otlp_empty_requests_total{signal="metrics"} 1')
  })

  it('a golden example wrapper posted instead of its body decodes to no items: the warning says so', async () => {
    const { app, producer, metrics, logLines } = testApp()
    const wrapper = readFileSync(`${import.meta.dirname}/../../schemas/examples/otlp-traces.json`, 'utf8')
    expect((await post(app, '/v1/traces', wrapper, { 'content-type': 'application/json' })).status).toBe(200)
    expect(producer.sent).toEqual([])
    expect(logLines.some((l) => l.includes('OTLP request with no items'))).toBe(true)
    expect(await metrics.registry.metrics()).toContain('gateway_otlp_empty_requests_total{signal="traces"} 1')
  })
})

describe('OTLP and write keys', () => {
  it('refuses an export without a write key (auth covers the OTLP routes too)', async () => {
    const { app, producer } = testApp()
    const res = await app.request('/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans":[]}' })
    expect(res.status).toBe(401)
    expect(producer.sent).toEqual([])
  })
})

describe('OTLP routes: self-tracing', () => {
  it.each(otlpExamples().map((e) => [e.signal, e] as const))('POST /v1/%s records the request span with decode/validate/enrich/produce children', async (signal, example) => {
    const spans: Record<string, unknown>[] = []
    const selfTracer = createSelfTracer({ config: { sampleRatio: 1, topicTemplate: 'telemetry.{category}' }, service: 'telemetry-gateway', send: async (_t, m) => void spans.push(...m.map((x) => JSON.parse(x.value) as Record<string, unknown>)), flushMs: 60_000 })
    const { app, producer } = testApp({ selfTracer })
    const res = await post(app, `/v1/${signal}`, JSON.stringify(example.request), { 'content-type': 'application/json', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })
    expect(res.status).toBe(200)
    await selfTracer.close()
    const gatewaySpan = producer.sent[0]!.messages[0]!.headers.traceparent!.split('-')[2]
    expect(spans.find((s) => s.span_id === gatewaySpan)).toMatchObject({ name: `POST /v1/${signal}`, parent_span_id: '00f067aa0ba902b7', kind: 'server' })
    expect(spans.filter((s) => s.parent_span_id === gatewaySpan).map((s) => s.name)).toEqual(['decode', 'validate', 'enrich', 'produce'])
  })
})
