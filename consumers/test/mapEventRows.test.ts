import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../common/config.ts'
import { batchExamples, poisonMessages } from '../../schemas/examples/index.ts'
import { eventsTable } from '../../schemas/event.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import { createGeoLookup } from '../../gateway/src/geo.ts'
import { enrichEvents } from '../../gateway/src/steps/enrichEvent.ts'
import { checkEnvelope, splitAndValidate } from '../../gateway/src/steps/splitAndValidate.ts'
import { clickHouseDateTime, mapEventRow } from '../src/steps/mapEventRows.ts'

const config = loadConfig({})
const receivedAt = 1_764_064_900_000

/** What the gateway would write to Kafka for an example batch. */
function kafkaValuesFor(request: unknown): Buffer[] {
  const env = checkEnvelope(request, config.limits)
  if (!env.ok) throw new Error(env.message)
  const validated = splitAndValidate(env.envelope.data, config.limits)
  const enriched = enrichEvents(validated, { requestId: 'r', receivedAt, clientIp: '81.2.69.142', meta: env.envelope.meta, maxFutureMs: 86_400_000, ipAnonymization: 'off' }, createGeoLookup())
  return enriched.flatMap((o) => (o.ok ? [Buffer.from(JSON.stringify(o.event))] : []))
}

describe('mapEventRow on what the gateway produces for the golden examples', () => {
  // spans / metrics / logs examples go to their own tables: mapTelemetryRows.test.ts
  const eventExamples = batchExamples().filter((e) => !typeForCategory(String(e.request.meta.category)))
  it.each(eventExamples.map((e) => [e.file, e] as const))('%s', (_file, example) => {
    const values = kafkaValuesFor(example.request)
    expect(values.length).toBe(example.expect.parts.filter((c) => c === 0).length)
    for (const value of values) {
      const out = mapEventRow(value)
      expect(out.ok).toBe(true)
      if (!out.ok) continue
      const event = JSON.parse(value.toString())
      // every declared column except the server-filled inserted_at, nothing else
      expect(Object.keys(out.row).sort()).toEqual(Object.keys(eventsTable.columns).filter((c) => c !== 'inserted_at').sort())
      expect(out.row.backend_id).toBe(event.backend_id)
      expect(out.row.timestamp).toBe(clickHouseDateTime(event.timestamp))
      expect(out.row.timestamp_ms).toBe(event.timestamp)
      expect(JSON.parse(String(out.row.properties))).toEqual(event.properties)
    }
  })

  it('keeps the clock-skew correction of the node-service example', () => {
    const example = batchExamples().find((e) => e.file === 'node-service-batch.json')!
    const out = mapEventRow(kafkaValuesFor(example.request)[0]!)
    expect(out.ok && out.row.time_correction).toBe('clock_skew')
    // sent_at 1764064890000 vs received 1764064900000: +10 s
    expect(out.ok && out.row.timestamp_ms).toBe(1764064889000 + 10_000)
  })
})

describe('mapEventRow on poison messages', () => {
  it.each(poisonMessages.map((p) => [p.label, p] as const))('%s → dead letter', (_label, p) => {
    const out = mapEventRow(p.value === null ? null : Buffer.from(p.value))
    expect(out.ok).toBe(false)
    if (!out.ok) expect(out.reason).toContain(p.reason)
  })
})

describe('clickHouseDateTime', () => {
  it.each([
    [0, '1970-01-01 00:00:00'],
    [1764064800999, '2025-11-25 10:00:00'],
  ])('%i → %s', (ms, text) => expect(clickHouseDateTime(ms)).toBe(text))
})
