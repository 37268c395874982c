// A log record: client shape (an item of /v1/batch with category "logs", and what an OTLP log record
// becomes), enriched Kafka shape, topic, key, columns and row mapper.
import { z } from 'zod'
import { acceptLogRecordFast } from './logRecordFastAccept.ts'
import { nsToMs, unixNano } from './time.ts'
import { dateTimeText, hexSpanId, hexTraceId, idField, jsonObject, storedJsonObject, scopeSchema, serverFields, serviceOf, type TelemetryType, serverColumns, serverFieldValues, serverRowValues, duplicateInRequest, TYPED_SCHEMA_VERSION } from './telemetryType.ts'

export const clientLogRecordSchema = z.strictObject(
  {
    id: z.string().min(1).max(128).optional(),
    time_unix_nano: unixNano,
    observed_time_unix_nano: unixNano.optional(),
    severity_number: z.number().int().min(0).max(24).optional(),
    severity_text: z.string().max(32).optional(),
    /** a string, or any JSON value (stored as JSON text) */
    body: z.unknown().optional(),
    event_name: z.string().max(256).optional(),
    trace_id: hexTraceId.optional(),
    span_id: hexSpanId.optional(),
    service: z.string().min(1).max(256).optional(),
    attributes: jsonObject.optional(),
    resource_attributes: jsonObject.optional(),
    scope: scopeSchema.optional(),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}: custom data belongs in attributes` : 'each log record must be a JSON object') },
)
export type ClientLogRecord = z.output<typeof clientLogRecordSchema>

export const enrichedLogRecordSchema = z.object({
  ...serverFields,
  record_id: z.string(),
  time_unix_nano: z.string().regex(/^\d+$/),
  observed_time_unix_nano: z.string().regex(/^\d+$/),
  severity_number: z.number().int(),
  severity_text: z.string(),
  body: z.string(),
  event_name: z.string(),
  trace_id: z.string(),
  span_id: z.string(),
  service: z.string(),
  attributes: storedJsonObject,
  resource_attributes: storedJsonObject,
  scope_name: z.string(),
})
export type EnrichedLogRecord = z.output<typeof enrichedLogRecordSchema>

/** Columns of table `logs` in DDL order; schemas/clickhouse/004_logs.sql must match. */
export const logsTable = {
  name: 'logs',
  columns: {
    time: "DateTime('UTC')",
    time_unix_nano: 'UInt64',
    observed_time_unix_nano: 'UInt64',
    service: 'String',
    severity_number: 'UInt8',
    severity_text: 'String',
    body: 'String',
    event_name: 'String',
    trace_id: 'String',
    span_id: 'String',
    attributes: 'String',
    resource_attributes: 'String',
    scope_name: 'String',
    record_id: 'String',
    ...serverColumns,
  },
} as const

export const logRecordType: TelemetryType<ClientLogRecord, EnrichedLogRecord> = {
  category: 'logs',
  noun: 'log record',
  messagePrefix: 'log record: ',
  schemaVersion: TYPED_SCHEMA_VERSION,
  clientSchema: clientLogRecordSchema,
  fastAccept: acceptLogRecordFast,
  itemId: (item) => idField(item, 'id'),
  attributeObjects: (r) => [['attributes', r.attributes ?? {}], ['resource_attributes', r.resource_attributes ?? {}]],
  uniqueKey: (r) => r.id ?? '',
  duplicateMessage: duplicateInRequest('log record'),
  enrich: (r, facts) => ({
    ok: true,
    value: {
      ...serverFieldValues(r, facts),
      record_id: r.id ?? '',
      time_unix_nano: r.time_unix_nano,
      observed_time_unix_nano: r.observed_time_unix_nano ?? (BigInt(facts.receivedAt) * 1_000_000n).toString(),
      severity_number: r.severity_number ?? 0,
      severity_text: r.severity_text ?? '',
      body: r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body),
      event_name: r.event_name ?? '',
      trace_id: r.trace_id ?? '',
      span_id: r.span_id ?? '',
      service: serviceOf(r, facts.appId),
      attributes: r.attributes ?? {},
      resource_attributes: r.resource_attributes ?? {},
      scope_name: r.scope?.name ?? '',
    },
  }),
  enrichedSchema: enrichedLogRecordSchema,
  partitionKey: (r) => r.service,
  table: logsTable,
  toRow: (r) => ({
    time: dateTimeText(nsToMs(r.time_unix_nano)),
    time_unix_nano: r.time_unix_nano,
    observed_time_unix_nano: r.observed_time_unix_nano,
    service: r.service,
    severity_number: r.severity_number,
    severity_text: r.severity_text,
    body: r.body,
    event_name: r.event_name,
    trace_id: r.trace_id,
    span_id: r.span_id,
    attributes: JSON.stringify(r.attributes),
    resource_attributes: JSON.stringify(r.resource_attributes),
    scope_name: r.scope_name,
    record_id: r.record_id,
    ...serverRowValues(r),
  }),
}
