// What every typed telemetry item (span, metric point, log record) declares, next to its zod schema:
// the category that names its topic, how the gateway enriches it, its Kafka key, its ClickHouse table and
// the pure mapper from the Kafka value to a table row. schemas/telemetryTypes.ts lists them.
import { z } from 'zod'

export const TYPED_SCHEMA_VERSION = 1

/** Facts of one request that every item of it gets (the gateway fills them in enrich). */
export type ItemFacts = {
  requestId: string
  receivedAt: number
  /** meta.app_id for /v1/batch; for OTLP the item's service name */
  appId: string
}

/** Fields the gateway adds to every typed item. */
export const serverFields = {
  schema_version: z.literal(TYPED_SCHEMA_VERSION),
  backend_id: z.uuid(),
  app_id: z.string(),
  received_at: z.number().int().nonnegative(),
  request_id: z.string(),
}

type ServerFields = { backend_id: string; app_id: string; received_at: number; request_id: string }

/** The values of serverFields for one item; OTLP requests have no app, so their items belong to their service. */
export function serverFieldValues(item: Parameters<typeof serviceOf>[0], facts: ItemFacts, backendId: string) {
  return {
    schema_version: TYPED_SCHEMA_VERSION,
    backend_id: backendId,
    app_id: facts.appId || serviceOf(item, facts.appId),
    received_at: facts.receivedAt,
    request_id: facts.requestId,
  } as const
}

/** The ClickHouse columns of serverFields, last in every typed table (inserted_at is filled by ClickHouse). */
export const serverColumns = {
  app_id: 'String',
  backend_id: 'UUID',
  received_at: "DateTime('UTC')",
  request_id: 'String',
  inserted_at: "DateTime('UTC')",
} as const

/** The row values of serverColumns for one enriched item. */
export function serverRowValues(e: ServerFields) {
  return { app_id: e.app_id, backend_id: e.backend_id, received_at: dateTimeText(e.received_at), request_id: e.request_id }
}

export type TableDeclaration = { name: string; columns: Record<string, string> }

export type TelemetryType<Client = unknown, Enriched extends { backend_id: string } = { backend_id: string }> = {
  /** the /v1/batch category and the {category} of its Kafka topic */
  category: string
  /** what one item is, for messages ("span", "metric point", "log record") */
  noun: string
  clientSchema: z.ZodType<Client, unknown>
  /** the id echoed in a /v1/batch part (before validation, so it is best effort) */
  itemId(item: unknown): string
  /** the JSON objects held by an item, checked against LIMIT_PROPERTY_DEPTH / LIMIT_PROPERTY_KEYS */
  attributeObjects(item: Client): Record<string, unknown>[]
  /** a second id that must be unique in one request (spans: trace_id/span_id); '' when none */
  uniqueKey(item: Client): string
  enrich(item: Client, facts: ItemFacts, backendId: string): Enriched
  enrichedSchema: z.ZodType<Enriched, unknown>
  partitionKey(item: Enriched): string
  table: TableDeclaration
  /** pure: enriched item (the Kafka value) → ClickHouse row (JSONEachRow) */
  toRow(item: Enriched): Record<string, string | number | string[] | number[]>
}

/** 'YYYY-MM-DD hh:mm:ss' in UTC: the DateTime text form every ClickHouse version parses. */
export function dateTimeText(ms: number): string {
  // A loader batch holds mostly the same few seconds, and a row formats two times (client time, server time):
  // two remembered seconds save the formatting for most rows.
  const second = Math.floor(ms / 1000)
  if (second === recent[0].second) return recent[0].text
  if (second === recent[1].second) return recent[1].text
  const text = new Date(second * 1000).toISOString().slice(0, 19).replace('T', ' ')
  recent[1] = recent[0]
  recent[0] = { second, text }
  return text
}
const recent: [{ second: number; text: string }, { second: number; text: string }] = [
  { second: NaN, text: '' },
  { second: NaN, text: '' },
]

export const hexTraceId = z.string().regex(/^(?!0{32})[0-9a-f]{32}$/, 'must be 32 lowercase hex characters, not all zero')
export const hexSpanId = z.string().regex(/^(?!0{16})[0-9a-f]{16}$/, 'must be 16 lowercase hex characters, not all zero')
export const jsonObject = z.record(z.string(), z.unknown(), { error: 'must be a JSON object' })
/**
 * A JSON object inside an enriched item (a Kafka value): the gateway checked its contents, the loader only
 * stores it as text, so only its shape is checked here. (z.record rebuilds the object key by key: about half
 * of the loader's validation time.)
 */
export const storedJsonObject = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { error: 'must be a JSON object' })
export const scopeSchema = z.strictObject({ name: z.string().max(256), version: z.string().max(128).optional() })

export function idField(item: unknown, field: string): string {
  if (typeof item === 'object' && item !== null && field in item) {
    const v = (item as Record<string, unknown>)[field]
    if (typeof v === 'string') return v.slice(0, 128)
  }
  return ''
}

/** The service an item belongs to: its own `service`, else resource attribute service.name, else the app. */
export function serviceOf(item: { service?: string | undefined; resource_attributes?: Record<string, unknown> | undefined }, appId: string): string {
  if (item.service) return item.service
  const fromResource = item.resource_attributes?.['service.name']
  return typeof fromResource === 'string' && fromResource !== '' ? fromResource : appId
}
