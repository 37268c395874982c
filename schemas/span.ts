// A span: one declaration of its client shape (an item of /v1/batch with category "spans", and what an
// OTLP span becomes), its enriched Kafka shape, topic, key, ClickHouse columns and row mapper.
import { z } from 'zod'
import { acceptSpanFast } from './spanFastAccept.ts'
import { nsToMs, unixNano } from './time.ts'
import { dateTimeText, hexSpanId, hexTraceId, idField, jsonObject, storedJsonObject, scopeSchema, serverFields, serviceOf, type TelemetryType, serverColumns, serverFieldValues, serverRowValues, duplicateInRequest, TYPED_SCHEMA_VERSION } from './telemetryType.ts'

export const spanKinds = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const
export const statusCodes = ['unset', 'ok', 'error'] as const

const spanEventSchema = z.strictObject({ name: z.string().max(1024), time_unix_nano: unixNano, attributes: jsonObject.optional() })
const spanLinkSchema = z.strictObject({ trace_id: hexTraceId, span_id: hexSpanId, attributes: jsonObject.optional() })

export const clientSpanSchema = z
  .strictObject(
    {
      trace_id: hexTraceId,
      span_id: hexSpanId,
      parent_span_id: z.union([hexSpanId, z.literal('')]).optional(),
      name: z.string().min(1, 'must not be empty').max(1024),
      kind: z.enum(spanKinds).optional(),
      start_time_unix_nano: unixNano,
      end_time_unix_nano: unixNano,
      status: z.strictObject({ code: z.enum(statusCodes), message: z.string().max(4096).optional() }).optional(),
      service: z.string().min(1).max(256).optional(),
      attributes: jsonObject.optional(),
      resource_attributes: jsonObject.optional(),
      events: z.array(spanEventSchema).max(256).optional(),
      links: z.array(spanLinkSchema).max(128).optional(),
      scope: scopeSchema.optional(),
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}: custom data belongs in attributes` : 'each span must be a JSON object') },
  )
  .refine((s) => BigInt(s.end_time_unix_nano) >= BigInt(s.start_time_unix_nano), {
    message: 'end_time_unix_nano must not be before start_time_unix_nano',
    path: ['end_time_unix_nano'],
  })
export type ClientSpan = z.output<typeof clientSpanSchema>

export const enrichedSpanSchema = z.object({
  ...serverFields,
  trace_id: z.string(),
  span_id: z.string(),
  parent_span_id: z.string(),
  service: z.string(),
  name: z.string(),
  kind: z.enum(spanKinds),
  start_time_unix_nano: z.string().regex(/^\d+$/),
  end_time_unix_nano: z.string().regex(/^\d+$/),
  status_code: z.enum(statusCodes),
  status_message: z.string(),
  attributes: storedJsonObject,
  resource_attributes: storedJsonObject,
  events: z.array(z.object({ name: z.string(), time_unix_nano: z.string(), attributes: jsonObject.optional() })),
  links: z.array(z.object({ trace_id: z.string(), span_id: z.string(), attributes: jsonObject.optional() })),
  scope_name: z.string(),
  scope_version: z.string(),
})
export type EnrichedSpan = z.output<typeof enrichedSpanSchema>

/** Columns of table `spans` in DDL order; schemas/clickhouse/002_spans.sql must match (tests check). */
export const spansTable = {
  name: 'spans',
  columns: {
    trace_id: 'String',
    span_id: 'String',
    parent_span_id: 'String',
    service: 'String',
    name: 'String',
    kind: 'String',
    start_time: "DateTime('UTC')",
    start_time_unix_nano: 'UInt64',
    end_time_unix_nano: 'UInt64',
    duration_ns: 'UInt64',
    status_code: 'String',
    status_message: 'String',
    attributes: 'String',
    resource_attributes: 'String',
    events: 'String',
    links: 'String',
    scope_name: 'String',
    scope_version: 'String',
    ...serverColumns,
  },
} as const

export const spanType: TelemetryType<ClientSpan, EnrichedSpan> = {
  category: 'spans',
  noun: 'span',
  messagePrefix: 'span: ',
  schemaVersion: TYPED_SCHEMA_VERSION,
  clientSchema: clientSpanSchema,
  fastAccept: acceptSpanFast,
  itemId: (item) => idField(item, 'span_id'),
  attributeObjects: (s) => [['attributes', s.attributes ?? {}], ['resource_attributes', s.resource_attributes ?? {}], ...(s.events ?? []).map((e, i): [string, Record<string, unknown>] => [`events.${i}.attributes`, e.attributes ?? {}])],
  uniqueKey: (s) => `${s.trace_id}/${s.span_id}`,
  duplicateMessage: duplicateInRequest('span'),
  enrich: (s, facts) => ({
    ok: true,
    value: {
      ...serverFieldValues(s, facts),
      trace_id: s.trace_id,
      span_id: s.span_id,
      parent_span_id: s.parent_span_id ?? '',
      service: serviceOf(s, facts.appId),
      name: s.name,
      kind: s.kind ?? 'internal',
      start_time_unix_nano: s.start_time_unix_nano,
      end_time_unix_nano: s.end_time_unix_nano,
      status_code: s.status?.code ?? 'unset',
      status_message: s.status?.message ?? '',
      attributes: s.attributes ?? {},
      resource_attributes: s.resource_attributes ?? {},
      events: s.events ?? [],
      links: s.links ?? [],
      scope_name: s.scope?.name ?? '',
      scope_version: s.scope?.version ?? '',
    },
  }),
  enrichedSchema: enrichedSpanSchema,
  // one trace's spans share a partition, so they arrive in one order and mostly in one insert
  partitionKey: (s) => s.trace_id,
  table: spansTable,
  toRow: (s) => ({
    trace_id: s.trace_id,
    span_id: s.span_id,
    parent_span_id: s.parent_span_id,
    service: s.service,
    name: s.name,
    kind: s.kind,
    start_time: dateTimeText(nsToMs(s.start_time_unix_nano)),
    start_time_unix_nano: s.start_time_unix_nano,
    end_time_unix_nano: s.end_time_unix_nano,
    duration_ns: (BigInt(s.end_time_unix_nano) - BigInt(s.start_time_unix_nano)).toString(),
    status_code: s.status_code,
    status_message: s.status_message,
    attributes: JSON.stringify(s.attributes),
    resource_attributes: JSON.stringify(s.resource_attributes),
    events: JSON.stringify(s.events),
    links: JSON.stringify(s.links),
    scope_name: s.scope_name,
    scope_version: s.scope_version,
    ...serverRowValues(s),
  }),
}
