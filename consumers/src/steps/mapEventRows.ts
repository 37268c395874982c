// Map step of the loader: Kafka message value in, ClickHouse row out. Pure: no Kafka or ClickHouse here.
// A value that cannot be mapped is a returned outcome (dead-letter with the reason), never an exception.
import { describeIssues } from '../../../schemas/envelope.ts'
import { dateTimeText } from '../../../schemas/telemetryType.ts'
import { enrichedEventSchema, type EnrichedEvent, type EventRow } from '../../../schemas/event.ts'

export type MapOutcome = { ok: true; row: EventRow } | { ok: false; reason: string }

export function mapEventRow(value: Buffer | null): MapOutcome {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty message value' }
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch (err) {
    return { ok: false, reason: `value is not JSON: ${(err as Error).message}` }
  }
  const parsed = enrichedEventSchema.safeParse(json)
  if (!parsed.success) return { ok: false, reason: `value does not match the event schema: ${describeIssues(parsed.error)}` }
  try {
    return { ok: true, row: toEventRow(parsed.data) }
  } catch (err) {
    // e.g. a time beyond what Date can represent (> year 275760): JS refuses it, so dead-letter it
    return { ok: false, reason: `value cannot be mapped to a row: ${(err as Error).message}` }
  }
}

export function toEventRow(e: EnrichedEvent): EventRow {
  return {
    backend_id: e.backend_id,
    event_id: e.event_id,
    app_id: e.app_id,
    category: e.category,
    name: e.name,
    timestamp: clickHouseDateTime(e.timestamp),
    timestamp_ms: e.timestamp,
    client_timestamp_ms: e.client_timestamp,
    received_at: clickHouseDateTime(e.received_at),
    received_at_ms: e.received_at,
    sent_at_ms: e.sent_at ?? 0,
    time_correction: e.time_correction,
    ip: e.ip,
    country: e.country,
    region: e.region,
    city: e.city,
    properties: JSON.stringify(e.properties),
    trace_id: e.trace_id,
    span_id: e.span_id,
    sdk_name: e.sdk_name,
    sdk_version: e.sdk_version,
    device_id: e.device_id,
    context: JSON.stringify(e.context),
    request_id: e.request_id,
  }
}

/** The DateTime text form every ClickHouse version parses (one definition, in schemas/). */
export const clickHouseDateTime = dateTimeText
