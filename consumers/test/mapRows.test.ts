// The loader's one map step (steps/mapRows.ts) over every type, on what the gateway produces for the golden
// examples, and on poison values.
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../common/config.ts'
import { batchExamples, poisonMessages } from '../../schemas/examples/index.ts'
import { eventsTable } from '../../schemas/event.ts'
import { canonicalJson } from '../../schemas/metricPoint.ts'
import { dateTimeText } from '../../schemas/telemetryType.ts'
import { telemetryTypes, typeForCategory } from '../../schemas/telemetryTypes.ts'
import { batchItems } from '../../gateway/src/batchItems.ts'
import { createGeoLookup } from '../../gateway/src/geo.ts'
import { checkEnvelope } from '../../gateway/src/steps/splitAndValidate.ts'
import { mapRow, routeForTopic } from '../src/steps/mapRows.ts'

const config = loadConfig({})
const receivedAt = 1_764_064_900_000
const geo = createGeoLookup()

/** What the gateway would write to Kafka for an example batch: its type and the accepted items' values. */
function kafkaValuesFor(request: unknown) {
  const env = checkEnvelope(request, config.limits)
  if (!env.ok) throw new Error(env.message)
  const { type, outcomes } = batchItems(env.envelope, config.limits, { receivedAt, clientIp: '81.2.69.142', geo })
  return { type, values: outcomes.flatMap((o) => (o.ok ? [Buffer.from(JSON.stringify(o.item))] : [])) }
}
const rowsOf = (file: string) => {
  const { type, values } = kafkaValuesFor(batchExamples().find((e) => e.file === file)!.request)
  return values.map((v) => mapRow(type, v)).map((o) => (o.ok ? (o.row as Record<string, unknown>) : {}))
}

describe('mapRow on what the gateway produces for the golden examples', () => {
  it('the examples cover every type of the registry', () => {
    const tables = new Set(batchExamples().map((e) => typeForCategory(String(e.request.meta.category)).table.name))
    expect([...tables].sort()).toEqual(telemetryTypes.map((t) => t.table.name).sort())
  })

  it.each(batchExamples().map((e) => [e.file, e] as const))('%s: every accepted item maps to a full row of its table', (_file, example) => {
    const { type, values } = kafkaValuesFor(example.request)
    expect(values.length).toBe(example.expect.parts.filter((c) => c === 0).length)
    for (const value of values) {
      const out = mapRow(type, value)
      expect(out.ok).toBe(true)
      if (!out.ok) continue
      // every declared column except the server-filled inserted_at, nothing else
      expect(Object.keys(out.row).sort()).toEqual(Object.keys(type.table.columns).filter((c) => c !== 'inserted_at').sort())
      expect((out.row as { backend_id: string }).backend_id).toBe(JSON.parse(value.toString()).backend_id)
    }
  })

  it('events: times as DateTime text and ms, properties as JSON text', () => {
    const { type, values } = kafkaValuesFor(batchExamples().find((e) => e.file === 'valid-batch.json')!.request)
    const event = JSON.parse(values[0]!.toString())
    const mapped = mapRow(type, values[0]!)
    const row = (mapped.ok ? mapped.row : {}) as Record<string, unknown>
    expect(row).toMatchObject({ timestamp: dateTimeText(event.timestamp), timestamp_ms: event.timestamp, backend_id: event.backend_id })
    expect(JSON.parse(String(row.properties))).toEqual(event.properties)
  })

  it('events: keeps the clock-skew correction of the node-service example', () => {
    // sent_at 1764064890000 vs received 1764064900000: +10 s
    expect(rowsOf('node-service-batch.json')[0]).toMatchObject({ time_correction: 'clock_skew', timestamp_ms: 1764064889000 + 10_000 })
  })

  it('spans keep nanoseconds exactly and compute the duration without floating point', () => {
    const rows = rowsOf('spans-batch.json')
    expect(rows[0]).toMatchObject({
      start_time: '2025-11-25 10:00:00',
      start_time_unix_nano: '1764064800000000000',
      end_time_unix_nano: '1764064800120500000',
      duration_ns: '120500000',
      service: 'checkout-api', // from resource service.name
      kind: 'server',
      status_code: 'ok',
      app_id: 'checkout-api',
    })
    expect(JSON.parse(String(rows[0]!.attributes))).toEqual({ 'http.route': '/cart', 'http.response.status_code': 200 })
    expect(rows[1]).toMatchObject({ parent_span_id: 'eee19b7ec3c1b174', service: 'checkout-api', kind: 'internal', status_code: 'unset' })
    expect(JSON.parse(String(rows[1]!.events))).toEqual([{ name: 'cache miss', time_unix_nano: '1764064800002100000', attributes: { key: 'cart:42' } }])
    expect(rows[2]).toMatchObject({ service: 'postgres', status_code: 'error', status_message: 'statement timeout', duration_ns: '92000000' })
  })

  it('metric points: histogram value is the mean, attributes are canonical JSON', () => {
    const rows = rowsOf('metrics-batch.json')
    expect(rows.find((r) => r.metric_type === 'histogram')).toMatchObject({ count: 10, sum: 250.5, value: 25.05, bucket_counts: [2, 5, 3], explicit_bounds: [10, 50], temporality: 'cumulative' })
    expect(rows.find((r) => r.metric_type === 'sum')).toMatchObject({ value: 1234, is_monotonic: 1, start_time_unix_nano: '1764064700000000000' })
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}')
  })

  it('log records: a structured body is stored as JSON text, trace ids kept', () => {
    const rows = rowsOf('logs-batch.json')
    expect(rows[0]).toMatchObject({ severity_number: 17, body: 'cart load failed: statement timeout', trace_id: '5b8efff798038103d269b633813fc60c', time: '2025-11-25 10:00:00' })
    expect(JSON.parse(String(rows[1]!.body))).toEqual({ msg: 'started', port: 8080 })
  })
})

describe('mapRow on poison messages: dead-lettered with the reason, for every type', () => {
  const cases = telemetryTypes.flatMap((type) => poisonMessages.map((p) => [type.noun, p.label, type, p] as const))
  it.each(cases)('%s: %s', (noun, _label, type, poison) => {
    const out = mapRow(type, poison.value === null ? null : Buffer.from(poison.value))
    expect(out.ok).toBe(false)
    if (out.ok) return
    // the fixture's reasons name the event schema; every other type names its own
    expect(out.reason).toContain(poison.reason.replace('the event schema', `the ${noun} schema`))
  })
})

describe('routeForTopic', () => {
  it.each([
    ['telemetry.{category}', 'telemetry.spans', 'spans'],
    ['telemetry.{category}', 'telemetry.metrics', 'metric_points'],
    ['telemetry.{category}', 'telemetry.logs', 'logs'],
    ['telemetry.{category}', 'telemetry.web', eventsTable.name],
    ['to_analyzer__0.{category}', 'to_analyzer__0.spans', 'spans'],
    ['{category}-events', 'logs-events', 'logs'],
    ['telemetry.{category}', 'telemetry.spans.old', eventsTable.name],
    ['telemetry.{category}', 'other.spans', eventsTable.name],
  ])('%s: %s → table %s', (template, topic, table) => {
    expect(routeForTopic(template, topic).table).toBe(table)
  })

  it('reserved categories name their type; every other category is a generic event', () => {
    expect(['spans', 'metrics', 'logs', 'web', 'node.runtime'].map((c) => typeForCategory(c).noun)).toEqual(['span', 'metric point', 'log record', 'event', 'event'])
  })
})
