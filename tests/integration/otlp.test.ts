// The real OpenTelemetry JS SDK and its OTLP/HTTP exporters (protobuf and JSON) → gateway → Kafka →
// consumer → ClickHouse; then the shipped queries over what landed. Set KEEP_TEST_DATABASE=1 to keep the
// run's database (it_<id>) for a look afterwards.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { SpanKind, type Span } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPMetricExporter as MetricsJson } from '@opentelemetry/exporter-metrics-otlp-http'
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto'
import { OTLPTraceExporter as TracesJson } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto'
import type { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base'
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace'
import { bindQuery, shippedQueries } from '../../schemas/queries/catalog.ts'
import { countRows, integrationConfig, pipelineForTests, queryRows, repoRoot, runId, waitFor, INTEGRATION_DEV_KEY } from './harness.ts'

const id = runId()
const config = integrationConfig(id)
const authHeaders = { Authorization: `Bearer ${INTEGRATION_DEV_KEY}` }
const running = pipelineForTests(config)

const count = (sql: string) => countRows(config, sql)

// A context whose active span is `parent`, without registering a global context manager.
function withParent(parent: Span) {
  const key = Symbol.for('OpenTelemetry Context Key SPAN')
  const ctx = { getValue: (k: symbol) => (k === key ? parent : undefined), setValue: () => ctx, deleteValue: () => ctx }
  return ctx as never
}

/** root (server) → child → grandchild (error), plus a second child: four spans of one trace. */
function makeTrace(provider: TracerProvider): string {
  const tracer = provider.getTracer('it', '1.0.0')
  const root = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER })
  const child = tracer.startSpan('load cart', {}, withParent(root))
  const grandchild = tracer.startSpan('SELECT carts', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } }, withParent(child))
  grandchild.addEvent('retry', { attempt: 2 })
  grandchild.setStatus({ code: 2, message: 'statement timeout' })
  grandchild.end()
  child.end()
  const second = tracer.startSpan('render', {}, withParent(root))
  second.end()
  root.setStatus({ code: 1 })
  root.end()
  return root.spanContext().traceId
}

describe.each([
  ['protobuf', 'gzip'],
  ['json', 'none'],
] as const)('the OpenTelemetry JS SDK exporting OTLP/%s', (encoding, compressionName) => {
  const compression = compressionName as CompressionAlgorithm
  const service = `it-${encoding}-svc`
  const resource = resourceFromAttributes({ 'service.name': service, 'service.instance.id': `${id}-1` })

  it('gets its spans into ClickHouse, one trace findable by id and printed as a tree', async () => {
    const url = `${running.gateway.url}/v1/traces`
    const exporter = encoding === 'protobuf' ? new TracesProto({ url, compression, headers: authHeaders }) : new TracesJson({ url, compression, headers: authHeaders })
    const copy = new InMemorySpanExporter() // what the SDK itself recorded, to compare with what landed
    const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter }), new SimpleSpanProcessor({ exporter: copy })] })
    const traceId = makeTrace(provider)
    await provider.forceFlush()
    const recordedSpans = copy.getFinishedSpans() // shutdown empties the in-memory copy
    await provider.shutdown()

    await waitFor('4 spans', async () => (await count(`SELECT count() AS n FROM spans FINAL WHERE trace_id = '${traceId}'`)) === 4)
    const rows = await queryRows<Record<string, string>>(config, `SELECT name, service, kind, status_code, status_message, parent_span_id, span_id, toString(start_time_unix_nano) AS start_ns, toString(end_time_unix_nano) AS end_ns, toString(duration_ns) AS dur, events, attributes FROM spans FINAL WHERE trace_id = '${traceId}' ORDER BY start_time_unix_nano`)
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]))
    expect(byName['GET /cart']).toMatchObject({ service, kind: 'server', status_code: 'ok', parent_span_id: '' })
    expect(byName['load cart']!.parent_span_id).toBe(byName['GET /cart']!.span_id)
    expect(byName['SELECT carts']).toMatchObject({ kind: 'client', status_code: 'error', status_message: 'statement timeout', parent_span_id: byName['load cart']!.span_id })
    expect(JSON.parse(byName['SELECT carts']!.attributes!)).toEqual({ 'db.system': 'postgresql' })
    expect(JSON.parse(byName['SELECT carts']!.events!)[0]).toMatchObject({ name: 'retry', attributes: { attempt: 2 } })
    // nanoseconds kept exactly: the SDK's own [seconds, nanoseconds] times, end times sub-millisecond (hrtime)
    const ns = (t: [number, number]) => (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString()
    const recorded = Object.fromEntries(recordedSpans.map((s) => [s.spanContext().spanId, s]))
    for (const r of rows) {
      expect(r.start_ns).toBe(ns(recorded[r.span_id!]!.startTime))
      expect(r.end_ns).toBe(ns(recorded[r.span_id!]!.endTime))
      expect(r.dur).toBe((BigInt(r.end_ns!) - BigInt(r.start_ns!)).toString())
    }
    expect(rows.some((r) => !r.end_ns!.endsWith('000000'))).toBe(true)
    // the lookup table holds them too
    // (waited for, not read once: in one full run on a loaded machine spans FINAL had the 4 while this had none yet;
    // cause not found — an insert retried after its request timed out would do it — so a lasting 0 still fails)
    await waitFor('4 spans in spans_by_trace', async () => (await count(`SELECT count() AS n FROM spans_by_trace FINAL WHERE trace_id = '${traceId}'`)) === 4, 30_000).catch(() => {})
    expect(await count(`SELECT count() AS n FROM spans_by_trace FINAL WHERE trace_id = '${traceId}'`)).toBe(4)

    const { stdout } = await promisify(execFile)(process.execPath, [`${repoRoot}scripts/query.ts`, 'trace', `trace_id=${traceId}`], { env: { ...process.env, CLICKHOUSE_DATABASE: config.clickhouse.database } })
    const lines = stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^trace ${traceId}: 4 spans, \\d+\\.\\d{3} ms$`))
    expect(lines.slice(1).map((l) => l.replace(/ {2}\d+\.\d{3} ms {2}\+\d+\.\d{3} ms/, ''))).toEqual([
      `GET /cart  [${service}, server]  ok`,
      `  load cart  [${service}, internal]`,
      `    SELECT carts  [${service}, client]  ERROR: statement timeout`,
      `  render  [${service}, internal]`,
    ])
  })

  it('gets its metrics into ClickHouse and the per-minute rollup', async () => {
    const url = `${running.gateway.url}/v1/metrics`
    const exporter = encoding === 'protobuf' ? new MetricsProto({ url, compression, headers: authHeaders }) : new MetricsJson({ url, compression, headers: authHeaders })
    const provider = new MeterProvider({ resource, readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 600_000 })] })
    const meter = provider.getMeter('it-runtime')
    meter.createObservableGauge('nodejs.eventloop.delay.p99', { unit: 's' }).addCallback((r) => r.observe(0.042))
    meter.createObservableGauge('v8js.memory.heap.used', { unit: 'By' }).addCallback((r) => {
      r.observe(30 * 1048576, { 'v8js.heap.space.name': 'old_space' })
      r.observe(2 * 1048576, { 'v8js.heap.space.name': 'new_space' })
    })
    meter.createObservableGauge('process.cpu.utilization', { unit: '1' }).addCallback((r) => r.observe(0.125, { 'process.cpu.state': 'user' }))
    meter.createCounter('it.requests').add(5, { route: '/cart' })
    const histogram = meter.createHistogram('it.duration', { unit: 'ms' })
    for (const v of [3, 7, 40, 200]) histogram.record(v)
    await provider.shutdown() // collects and exports once

    await waitFor('metric points', async () => (await count(`SELECT count() AS n FROM metric_points FINAL WHERE service = '${service}'`)) >= 6)
    const points = await queryRows<Record<string, unknown>>(config, `SELECT metric_name, metric_type, value, count, sum, bucket_counts, attributes, is_monotonic FROM metric_points FINAL WHERE service = '${service}' ORDER BY metric_name, attributes`)
    const byName = (n: string) => points.filter((p) => p.metric_name === n)
    expect(byName('nodejs.eventloop.delay.p99')).toMatchObject([{ metric_type: 'gauge', value: 0.042, attributes: '{}' }])
    expect(byName('it.requests')).toMatchObject([{ metric_type: 'sum', value: 5, is_monotonic: 1, attributes: '{"route":"/cart"}' }])
    const h = byName('it.duration')[0]!
    expect(h).toMatchObject({ metric_type: 'histogram', count: '4', sum: 250 })
    expect((h.bucket_counts as string[]).map(Number).reduce((a, b) => a + b, 0)).toBe(4)

    // the rollup, through the shipped queries
    const run = async (name: string, values: Record<string, string>) => queryRows<Record<string, unknown>>(config, bindQuery(shippedQueries().find((q) => q.name === name)!, values))
    // the view writes the rollup after the raw part becomes visible: wait for it too
    const series = await waitFor('the rollup', async () => {
      const rows = await run('metric_series', { name: 'v8js.memory.heap.used', service, from: '-1h', to: 'now', step: '300' })
      return rows.length === 2 ? rows : null
    })
    expect(series.map((r) => r.last_of_step).sort()).toEqual([2 * 1048576, 30 * 1048576])
    const runtime = await waitFor('node_runtime', async () => {
      const rows = await run('node_runtime', { service, from: '-1h', to: 'now', step: '3600' })
      return rows.length === 1 && rows[0]!.cpu_percent !== 0 && rows[0]!.heap_used_mb === 32 ? rows : null
    }, 10_000).catch(async () => run('node_runtime', { service, from: '-1h', to: 'now', step: '3600' }))
    expect(runtime).toHaveLength(1)
    expect(runtime[0]).toMatchObject({ service, eventloop_delay_p99_ms: 42, heap_used_mb: 32, cpu_percent: 12.5 })
  })

  it('gets its logs into ClickHouse', async () => {
    const url = `${running.gateway.url}/v1/logs`
    const exporter = encoding === 'protobuf' ? new LogsProto({ url, compression, headers: authHeaders }) : new LogsJson({ url, compression, headers: authHeaders })
    const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] })
    const logger = provider.getLogger('it')
    logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'cart load failed', attributes: { 'cart.id': 42 } })
    logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: { msg: 'ready', port: 8080 } })
    await provider.forceFlush()
    await provider.shutdown()

    await waitFor('2 log records', async () => (await count(`SELECT count() AS n FROM logs FINAL WHERE service = '${service}'`)) === 2)
    const logs = await queryRows<Record<string, unknown>>(config, `SELECT severity_number, severity_text, body, attributes FROM logs FINAL WHERE service = '${service}' ORDER BY time_unix_nano`)
    expect(logs[0]).toMatchObject({ severity_number: 17, severity_text: 'ERROR', body: 'cart load failed', attributes: '{"cart.id":42}' })
    expect(JSON.parse(String(logs[1]!.body))).toEqual({ msg: 'ready', port: 8080 })
  })
})

describe('a request with some invalid spans', () => {
  function spansWithTwoInvalid(service: string): { spans: ReadableSpan[]; valid: string[] } {
    const exporter = new InMemorySpanExporter()
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor({ exporter })] })
    const tracer = provider.getTracer('it')
    const ok1 = tracer.startSpan('valid one')
    ok1.end()
    // before 2000-01-01 and after 2100-01-01: both refused by the span schema
    const old = tracer.startSpan('from 1990', { startTime: new Date('1990-01-01T00:00:00Z') })
    old.end(new Date('1990-01-01T00:00:01Z'))
    const future = tracer.startSpan('from 2150', { startTime: new Date('2150-01-01T00:00:00Z') })
    future.end(new Date('2150-01-01T00:00:01Z'))
    const ok2 = tracer.startSpan('valid two')
    ok2.end()
    return { spans: exporter.getFinishedSpans(), valid: [ok1.spanContext().spanId, ok2.spanContext().spanId] }
  }

  it.each([
    ['protobuf', 'application/x-protobuf', ProtobufTraceSerializer],
    ['json', 'application/json', JsonTraceSerializer],
  ] as const)('gets an OTLP partial_success with the rejected count (%s); the valid ones land', async (encoding, contentType, serializer) => {
    const service = `it-partial-${encoding}`
    const { spans, valid } = spansWithTwoInvalid(service)
    const res = await fetch(`${running.gateway.url}/v1/traces`, { method: 'POST', headers: { 'content-type': contentType, ...authHeaders }, body: serializer.serializeRequest(spans)! as Uint8Array<ArrayBuffer> })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(contentType)
    const answer = serializer.deserializeResponse(new Uint8Array(await res.arrayBuffer()))
    expect(Number(answer.partialSuccess?.rejectedSpans)).toBe(2)
    expect(answer.partialSuccess?.errorMessage).toMatch(/^2 of 4 spans refused: #1 \(\w{16}\): span: start_time_unix_nano: must be between 2000-01-01/)
    expect(answer.partialSuccess?.errorMessage).toMatch(/; #2 \(\w{16}\): span: start_time_unix_nano: must be between/)

    await waitFor('the 2 valid spans', async () => (await count(`SELECT count() AS n FROM spans FINAL WHERE service = '${service}'`)) === 2)
    const landed = await queryRows<{ span_id: string }>(config, `SELECT span_id FROM spans FINAL WHERE service = '${service}' ORDER BY span_id`)
    expect(landed.map((r) => r.span_id)).toEqual([...valid].sort())
  })
})

describe('spans, metrics and logs in our own envelope (/v1/batch)', () => {
  it('land in the same tables as OTLP ones', async () => {
    const traceId = '5b8efff798038103d269b633813fc60c'
    const now = BigInt(Date.now()) * 1_000_000n
    const post = (category: string, data: unknown[]) =>
      fetch(`${running.gateway.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders }, body: JSON.stringify({ meta: { app_id: `it-envelope-${id}`, category }, data }) })
    const spans = await post('spans', [{ trace_id: traceId, span_id: 'aaaaaaaaaaaaaaa1', name: 'op', start_time_unix_nano: String(now), end_time_unix_nano: String(now + 1_500_000n) }])
    const metrics = await post('metrics', [{ name: 'it.envelope.gauge', type: 'gauge', time_unix_nano: String(now), value: 7 }])
    const logs = await post('logs', [{ time_unix_nano: String(now), body: 'hello', trace_id: traceId }])
    expect([spans.status, metrics.status, logs.status]).toEqual([200, 200, 200])
    await waitFor('envelope items', async () => {
      const n = await count(`SELECT (SELECT count() FROM spans FINAL WHERE app_id = 'it-envelope-${id}') + (SELECT count() FROM metric_points FINAL WHERE app_id = 'it-envelope-${id}') + (SELECT count() FROM logs FINAL WHERE app_id = 'it-envelope-${id}') AS n`)
      return n === 3
    })
    expect(await count(`SELECT count() AS n FROM spans FINAL WHERE trace_id = '${traceId}' AND duration_ns = 1500000`)).toBe(1)
  })
})
