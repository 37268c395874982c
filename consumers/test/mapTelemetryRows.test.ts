import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../common/config.ts'
import { batchExamples, poisonMessages } from '../../schemas/examples/index.ts'
import { eventsTable } from '../../schemas/event.ts'
import { canonicalJson } from '../../schemas/metricPoint.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import { enrichItems } from '../../gateway/src/steps/enrichItems.ts'
import { checkEnvelope, splitAndValidateItems } from '../../gateway/src/steps/splitAndValidate.ts'
import { mapTypedRow, routeForTopic } from '../src/steps/mapTelemetryRows.ts'

const config = loadConfig({})
const receivedAt = 1_764_064_900_000
const typedExamples = batchExamples().filter((e) => typeForCategory(String(e.request.meta.category)))

/** What the gateway would write to Kafka for a typed example batch. */
function kafkaValuesFor(request: unknown) {
  const env = checkEnvelope(request, config.limits)
  if (!env.ok) throw new Error(env.message)
  const type = typeForCategory(env.envelope.meta.category)!
  const validated = splitAndValidateItems(env.envelope.data, type, config.limits)
  const enriched = enrichItems(validated, type, { requestId: 'r', receivedAt, appId: env.envelope.meta.app_id })
  return { type, values: enriched.flatMap((o) => (o.ok ? [Buffer.from(JSON.stringify(o.event))] : [])) }
}

describe('typed rows from what the gateway produces for the golden examples', () => {
  it('covers spans, metrics and logs', () => {
    expect(typedExamples.map((e) => e.request.meta.category).sort()).toEqual(['logs', 'metrics', 'spans'])
  })

  it.each(typedExamples.map((e) => [e.file, e] as const))('%s: every accepted item maps to a full row of its table', (_file, example) => {
    const { type, values } = kafkaValuesFor(example.request)
    expect(values.length).toBe(example.expect.parts.filter((c) => c === 0).length)
    for (const value of values) {
      const out = mapTypedRow(type, value)
      expect(out.ok).toBe(true)
      if (!out.ok) continue
      expect(Object.keys(out.row).sort()).toEqual(Object.keys(type.table.columns).filter((c) => c !== 'inserted_at').sort())
    }
  })

  it('spans keep nanoseconds exactly and compute the duration without floating point', () => {
    const { type, values } = kafkaValuesFor(typedExamples.find((e) => e.file === 'spans-batch.json')!.request)
    const rows = values.map((v) => mapTypedRow(type, v)).map((o) => (o.ok ? (o.row as Record<string, unknown>) : {}))
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
    const { type, values } = kafkaValuesFor(typedExamples.find((e) => e.file === 'metrics-batch.json')!.request)
    const rows = values.map((v) => mapTypedRow(type, v)).map((o) => (o.ok ? (o.row as Record<string, unknown>) : {}))
    const histogram = rows.find((r) => r.metric_type === 'histogram')!
    expect(histogram).toMatchObject({ count: 10, sum: 250.5, value: 25.05, bucket_counts: [2, 5, 3], explicit_bounds: [10, 50], temporality: 'cumulative' })
    const counter = rows.find((r) => r.metric_type === 'sum')!
    expect(counter).toMatchObject({ value: 1234, is_monotonic: 1, start_time_unix_nano: '1764064700000000000' })
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}')
  })

  it('log records: a structured body is stored as JSON text, trace ids kept', () => {
    const { type, values } = kafkaValuesFor(typedExamples.find((e) => e.file === 'logs-batch.json')!.request)
    const rows = values.map((v) => mapTypedRow(type, v)).map((o) => (o.ok ? (o.row as Record<string, unknown>) : {}))
    expect(rows[0]).toMatchObject({ severity_number: 17, body: 'cart load failed: statement timeout', trace_id: '5b8efff798038103d269b633813fc60c', time: '2025-11-25 10:00:00' })
    expect(JSON.parse(String(rows[1]!.body))).toEqual({ msg: 'started', port: 8080 })
  })

  it.each(poisonMessages.map((p) => [p.label, p] as const))('dead-letters poison value (%s) with a reason', (_label, poison) => {
    const type = typeForCategory('spans')!
    const out = mapTypedRow(type, poison.value === null ? null : Buffer.from(poison.value))
    expect(out.ok).toBe(false)
    if (!out.ok) expect(out.reason.length).toBeGreaterThan(5)
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
  ])('%s: %s → table %s', (template, topic, table) => {
    expect(routeForTopic(template, topic).table).toBe(table)
  })
})
