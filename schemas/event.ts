// The generic telemetry event: the one declaration of its client shape, its enriched (Kafka) shape, its
// topic, its ClickHouse columns and row mapper. Its registry entry (with its enrich) is eventType.ts.
import { z } from 'zod'
import { epochMsOrRfc3339, MAX_TIME_MS, MIN_TIME_MS } from './time.ts'
import { dateTimeText, hexSpanId, hexTraceId, SPAN_ID, storedJsonObject, TRACE_ID } from './telemetryType.ts'

export const EVENT_SCHEMA_VERSION = 1

// ---- client shape: one item of `data` in POST /v1/batch --------------------------------------------
export const clientEventSchema = z.strictObject(
  {
    id: z.string().min(1, 'must not be empty').max(128),
    name: z.string().min(1, 'must not be empty').max(256),
    timestamp: epochMsOrRfc3339,
    ip: z.string().max(64).optional(),
    properties: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).optional(),
    trace_id: hexTraceId.optional(),
    span_id: hexSpanId.optional(),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}: custom data belongs in properties` : 'each event must be a JSON object') },
)
export type ClientEvent = z.output<typeof clientEventSchema>

const CLIENT_EVENT_FIELDS = new Set(Object.keys(clientEventSchema.shape))

/**
 * The common valid event (epoch-ms timestamp, every field of its own type and length) without zod: what
 * clientEventSchema.parse gives for it (the fields in the schema's order; properties is the parsed object
 * itself, zod's copy of it has the same keys), or undefined for anything else, which zod then decides and
 * words. zod's object and record walks were half of the validate step; gateway/test/fastClientEvent.test.ts
 * holds the two to the same answers.
 */
export function parseCommonClientEvent(item: unknown): ClientEvent | undefined {
  if (typeof item !== 'object' || item === null || Object.getPrototypeOf(item) !== Object.prototype) return undefined
  const e = item as Record<string, unknown>
  for (const k in e) if (!CLIENT_EVENT_FIELDS.has(k) || e[k] === undefined) return undefined
  const { id, name, timestamp, ip, properties, trace_id, span_id } = e
  if (typeof id !== 'string' || id.length < 1 || id.length > 128) return undefined
  if (typeof name !== 'string' || name.length < 1 || name.length > 256) return undefined
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < MIN_TIME_MS || timestamp > MAX_TIME_MS) return undefined
  if (ip !== undefined && (typeof ip !== 'string' || ip.length > 64)) return undefined
  if (properties !== undefined && !isOwnKeysObject(properties)) return undefined
  if (trace_id !== undefined && (typeof trace_id !== 'string' || !TRACE_ID.test(trace_id))) return undefined
  if (span_id !== undefined && (typeof span_id !== 'string' || !SPAN_ID.test(span_id))) return undefined
  const event: ClientEvent = { id, name, timestamp }
  if (ip !== undefined) event.ip = ip as string
  if (properties !== undefined) event.properties = properties as Record<string, unknown>
  if (trace_id !== undefined) event.trace_id = trace_id as string
  if (span_id !== undefined) event.span_id = span_id as string
  return event
}

/** A JSON object whose keys zod's record copies one for one (it drops an own "__proto__"). */
function isOwnKeysObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype && !Object.hasOwn(v, '__proto__')
}

// ---- enriched shape: the Kafka message value written by the gateway, read by the consumer -----------
export const timeCorrections = ['none', 'clock_skew', 'future_replaced'] as const

export const enrichedEventSchema = z.object({
  schema_version: z.literal(EVENT_SCHEMA_VERSION),
  backend_id: z.uuid(),
  event_id: z.string().min(1),
  app_id: z.string().min(1),
  category: z.string().min(1),
  name: z.string().min(1),
  timestamp: z.number().int().nonnegative(),
  client_timestamp: z.number().int().nonnegative(),
  received_at: z.number().int().nonnegative(),
  sent_at: z.number().int().nonnegative().nullable(),
  time_correction: z.enum(timeCorrections),
  ip: z.string(),
  country: z.string(),
  region: z.string(),
  city: z.string(),
  properties: storedJsonObject,
  trace_id: z.string(),
  span_id: z.string(),
  sdk_name: z.string(),
  sdk_version: z.string(),
  device_id: z.string(),
  context: storedJsonObject,
  request_id: z.string(),
})
export type EnrichedEvent = z.output<typeof enrichedEventSchema>

// ---- topic ------------------------------------------------------------------------------------------
/** `telemetry.{category}` -> `telemetry.web`; the seed's `to_analyzer__0.{category}` works the same way. */
export function topicFor(template: string, category: string): string {
  return template.replaceAll('{category}', category)
}

/** The topics a template can produce, as a RegExp, so consumers can find every category's topic. */
export function topicPattern(template: string): RegExp {
  const [before, after] = template.split('{category}') as [string, string]
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`^${esc(before)}[A-Za-z0-9_.-]{1,64}${esc(after)}$`)
}

// ---- ClickHouse -------------------------------------------------------------------------------------
/** Columns of table `events`, in DDL order. schemas/clickhouse/001_events.sql must match (tests check). */
export const eventsTable = {
  name: 'events',
  columns: {
    backend_id: 'UUID',
    event_id: 'String',
    app_id: 'String',
    category: 'String',
    name: 'String',
    timestamp: "DateTime('UTC')",
    timestamp_ms: 'UInt64',
    client_timestamp_ms: 'UInt64',
    received_at: "DateTime('UTC')",
    received_at_ms: 'UInt64',
    sent_at_ms: 'UInt64',
    time_correction: 'String',
    ip: 'String',
    country: 'String',
    region: 'String',
    city: 'String',
    properties: 'String',
    trace_id: 'String',
    span_id: 'String',
    sdk_name: 'String',
    sdk_version: 'String',
    device_id: 'String',
    context: 'String',
    request_id: 'String',
    inserted_at: "DateTime('UTC')",
  },
} as const

export type EventColumn = keyof (typeof eventsTable)['columns']
/** One row for JSONEachRow. DateTime columns are sent as epoch seconds; inserted_at is filled by ClickHouse. */
export type EventRow = Record<Exclude<EventColumn, 'inserted_at'>, string | number>

/** Pure: enriched event (the Kafka value) → its row of table events. */
export function toEventRow(e: EnrichedEvent): EventRow {
  return {
    backend_id: e.backend_id,
    event_id: e.event_id,
    app_id: e.app_id,
    category: e.category,
    name: e.name,
    timestamp: dateTimeText(e.timestamp),
    timestamp_ms: e.timestamp,
    client_timestamp_ms: e.client_timestamp,
    received_at: dateTimeText(e.received_at),
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
