// What every kind of item declares, next to its zod schema: the category that names its topic, how the
// gateway validates and enriches it, its Kafka key, its ClickHouse table and the pure mapper from the Kafka
// value to a table row. The generic event (event.ts), span, metric point and log record are the entries of
// the registry, schemas/telemetryTypes.ts; the gateway's and the consumer's steps read only this shape.
import { z } from 'zod'
import { uuidv7 } from '../common/ids.ts'
import type { PartReason } from './codes.ts'
import type { BatchMeta } from './envelope.ts'
import type { ItemLimits } from './fastAccept.ts'

export const TYPED_SCHEMA_VERSION = 1

/** The category of the type that takes every category no other type reserves (the generic event). */
export const ANY_CATEGORY = '*'

export type Place = { country: string; region: string; city: string }

/** Facts of one request that enrich gives its items. */
export type RequestFacts = {
  requestId: string
  receivedAt: number
  /** meta.app_id for /v1/batch; for OTLP the write key's app ('' for a key of every app: items then belong to their service) */
  appId: string
  /** meta.category for /v1/batch; the type's own for OTLP */
  category: string
  /** /v1/batch's meta; null for OTLP and for the pipeline's own spans */
  meta: BatchMeta | null
  /** the client's address (clientAddress.ts), '' when unknown */
  clientIp: string
  /** MAX_FUTURE_MS: a client time further ahead is replaced by the receive time */
  maxFutureMs: number
  /** IP → place (the gateway's geo lookup, asked once per distinct IP of the request) */
  geo: (ip: string) => Place
  /** IP_ANONYMIZATION, applied after the geo lookup */
  anonymizeIp: (ip: string) => string
}

const NOWHERE: Place = Object.freeze({ country: '', region: '', city: '' })

/** Facts of items the pipeline records itself (its own spans): no client, no geo. */
export function serverSideFacts(facts: Pick<RequestFacts, 'requestId' | 'receivedAt' | 'appId' | 'category'>): RequestFacts {
  return { ...facts, meta: null, clientIp: '', maxFutureMs: 0, geo: () => NOWHERE, anonymizeIp: (ip) => ip }
}

/** The server's id of an item: a UUID v7 of the receive time (sorts by arrival). */
export function newBackendId(facts: Pick<RequestFacts, 'receivedAt'>): string {
  return uuidv7(facts.receivedAt)
}

/** What enrich makes of a valid item: the Kafka value, or a refusal it found (e.g. an event's bad ip). */
export type EnrichResult<Enriched> = { ok: true; value: Enriched } | { ok: false; reason: PartReason; message: string }

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
export function serverFieldValues(item: Parameters<typeof serviceOf>[0], facts: RequestFacts) {
  return {
    schema_version: TYPED_SCHEMA_VERSION,
    backend_id: newBackendId(facts),
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
  /** the /v1/batch category and the {category} of its Kafka topic; ANY_CATEGORY: every category no other type reserves */
  category: string
  /** what one item is, for messages ("event", "span", "metric point", "log record") */
  noun: string
  /** how refusal messages of one item start: '' for events (the README's messages), "span: " for the others */
  messagePrefix: string
  /** the Kafka header schema-version of its records */
  schemaVersion: number
  clientSchema: z.ZodType<Client, unknown>
  /**
   * Optional shortcut of validation (fastAccept.ts): true only for an item clientSchema accepts unchanged
   * and within the item limits, so it skips the schema; false sends it through the full checks.
   */
  fastAccept?(item: unknown, limits: ItemLimits): boolean
  /** optional, for types whose items are not vouched for whole by fastAccept: clientSchema's output for the common valid item without zod, undefined for anything else (zod then decides); the item limits are then checked by the step */
  parseCommon?(item: unknown): Client | undefined
  /** the id echoed in a /v1/batch part (before validation, so it is best effort) */
  itemId(item: unknown): string
  /** the JSON objects held by an item, by field name, checked against LIMIT_PROPERTY_DEPTH / LIMIT_PROPERTY_KEYS */
  attributeObjects(item: Client): Array<[field: string, value: Record<string, unknown>]>
  /** an id that must be unique in one request (events: id; spans: trace_id/span_id); '' when none */
  uniqueKey(item: Client): string
  /** the refusal message of a repeated uniqueKey */
  duplicateMessage(key: string): string
  /** the Kafka value of a valid item: server id and times, the request's facts (and for events geo and clock-skew correction) */
  enrich(item: Client, facts: RequestFacts): EnrichResult<Enriched>
  enrichedSchema: z.ZodType<Enriched, unknown>
  /** optional shortcut of the consumer's check: enrichedSchema's output for the common valid Kafka value without zod, undefined for anything else (zod then decides) */
  parseCommonEnriched?(value: unknown): Enriched | undefined
  partitionKey(item: Enriched): string
  table: TableDeclaration
  /** pure: enriched item (the Kafka value) → ClickHouse row (JSONEachRow) */
  toRow(item: Enriched): Record<string, string | number | string[] | number[]>
}

/** duplicateMessage of the typed items: "span <trace>/<span> already appears earlier in this request". */
export const duplicateInRequest = (noun: string) => (key: string) => `${noun} ${key} already appears earlier in this request`

/** 'YYYY-MM-DD hh:mm:ss' in UTC: the DateTime text form every ClickHouse version parses. */
export function dateTimeText(ms: number): string {
  // The loader formats two times per row, of many different seconds but few days: the day's text is
  // remembered and the time of day put together from a table (Date + toISOString per row cost ~1 µs each).
  const second = Math.floor(ms / 1000)
  const day = Math.floor(second / 86_400)
  if (!(day >= 0 && day < MAX_DAY)) return new Date(second * 1000).toISOString().slice(0, 19).replace('T', ' ')
  let dayText = dayTexts.get(day)
  if (dayText === undefined) {
    if (dayTexts.size >= 1_000) dayTexts.clear()
    dayText = new Date(day * 86_400_000).toISOString().slice(0, 11).replace('T', ' ')
    dayTexts.set(day, dayText)
  }
  let rest = second - day * 86_400
  const hours = Math.floor(rest / 3_600)
  rest -= hours * 3_600
  const minutes = Math.floor(rest / 60)
  return dayText + TWO_DIGITS[hours]! + ':' + TWO_DIGITS[minutes]! + ':' + TWO_DIGITS[rest - minutes * 60]!
}
/** days before 10000-01-01: toISOString writes four-digit years up to there */
const MAX_DAY = Date.UTC(10_000, 0, 1) / 86_400_000
const dayTexts = new Map<number, string>()
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'))

export const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/
export const SPAN_ID = /^(?!0{16})[0-9a-f]{16}$/
export const hexTraceId = z.string().regex(TRACE_ID, 'must be 32 lowercase hex characters, not all zero')
export const hexSpanId = z.string().regex(SPAN_ID, 'must be 16 lowercase hex characters, not all zero')
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
