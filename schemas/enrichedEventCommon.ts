// The consumer's shortcut of enrichedEventSchema (event.ts) for the common valid Kafka value, as
// parseCommonClientEvent is the gateway's for client events: zod's object walk and its UUID regexp were about
// a sixth of the loader's CPU per row (loadtest/README.md "Consumer cost"). consumers/test/enrichedEventCommon.test.ts
// holds the two to the same answers.
import { timeCorrections, type EnrichedEvent } from './event.ts'

// a subset of zod's z.uuid() (which also takes upper case and the nil/max UUIDs): anything else goes to zod
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const TIME_CORRECTIONS: ReadonlySet<unknown> = new Set(timeCorrections)

const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const text = (v: unknown): v is string => typeof v === 'string'
const filled = (v: unknown): v is string => typeof v === 'string' && v.length > 0
const object = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * What enrichedEventSchema.parse gives for the common valid value (the schema's fields in its order, unknown
 * fields left out, properties and context the parsed objects themselves, as zod's z.custom passes them), or
 * undefined for anything else: zod then decides and words the dead letter's reason.
 */
export function parseCommonEnrichedEvent(value: unknown): EnrichedEvent | undefined {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return undefined
  const e = value as Record<string, unknown>
  const { backend_id, timestamp, client_timestamp, received_at, sent_at, properties, context } = e
  if (e.schema_version !== 1 || typeof backend_id !== 'string' || !UUID.test(backend_id)) return undefined
  if (!filled(e.event_id) || !filled(e.app_id) || !filled(e.category) || !filled(e.name)) return undefined
  if (!count(timestamp) || !count(client_timestamp) || !count(received_at) || !(sent_at === null || count(sent_at))) return undefined
  if (!TIME_CORRECTIONS.has(e.time_correction) || !object(properties) || !object(context)) return undefined
  if (!text(e.ip) || !text(e.country) || !text(e.region) || !text(e.city) || !text(e.trace_id) || !text(e.span_id)) return undefined
  if (!text(e.sdk_name) || !text(e.sdk_version) || !text(e.device_id) || !text(e.request_id)) return undefined
  return {
    schema_version: 1,
    backend_id,
    event_id: e.event_id,
    app_id: e.app_id,
    category: e.category,
    name: e.name,
    timestamp,
    client_timestamp,
    received_at,
    sent_at,
    time_correction: e.time_correction as EnrichedEvent['time_correction'],
    ip: e.ip,
    country: e.country,
    region: e.region,
    city: e.city,
    properties,
    trace_id: e.trace_id,
    span_id: e.span_id,
    sdk_name: e.sdk_name,
    sdk_version: e.sdk_version,
    device_id: e.device_id,
    context,
    request_id: e.request_id,
  }
}
