// A metric point (one data point of a gauge, sum or histogram): client shape (an item of /v1/batch with
// category "metrics", and what each OTLP data point becomes), enriched Kafka shape, topic, key, columns
// and row mapper.
import { z } from 'zod'
import { acceptMetricPointFast } from './metricPointFastAccept.ts'
import { nsToMs, unixNano } from './time.ts'
import { dateTimeText, idField, jsonObject, storedJsonObject, scopeSchema, serverFields, serviceOf, type TelemetryType, serverColumns, serverFieldValues, serverRowValues, duplicateInRequest, TYPED_SCHEMA_VERSION } from './telemetryType.ts'

export const metricTypes = ['gauge', 'sum', 'histogram'] as const
export const temporalities = ['unspecified', 'delta', 'cumulative'] as const

const finite = z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a finite number')
const count = z.number().int('must be a whole number').nonnegative()

export const clientMetricPointSchema = z
  .strictObject(
    {
      id: z.string().min(1).max(128).optional(),
      name: z.string().min(1, 'must not be empty').max(256),
      type: z.enum(metricTypes),
      unit: z.string().max(64).optional(),
      description: z.string().max(1024).optional(),
      service: z.string().min(1).max(256).optional(),
      time_unix_nano: unixNano,
      start_time_unix_nano: unixNano.optional(),
      value: finite.optional(),
      temporality: z.enum(temporalities).optional(),
      is_monotonic: z.boolean().optional(),
      count: count.optional(),
      sum: finite.optional(),
      min: finite.optional(),
      max: finite.optional(),
      bucket_counts: z.array(count).max(512).optional(),
      explicit_bounds: z.array(finite).max(511).optional(),
      attributes: jsonObject.optional(),
      resource_attributes: jsonObject.optional(),
      scope: scopeSchema.optional(),
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}: custom data belongs in attributes` : 'each metric point must be a JSON object') },
  )
  .superRefine((p, ctx) => {
    if (p.type === 'histogram') {
      if (p.count === undefined) ctx.addIssue({ code: 'custom', path: ['count'], message: 'a histogram point needs count' })
      const buckets = p.bucket_counts ?? []
      const bounds = p.explicit_bounds ?? []
      if (buckets.length > 0 && buckets.length !== bounds.length + 1) {
        ctx.addIssue({ code: 'custom', path: ['bucket_counts'], message: `a histogram with ${bounds.length} explicit_bounds needs ${bounds.length + 1} bucket_counts, got ${buckets.length}` })
      }
      if (p.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'a histogram point has count/sum/bucket_counts, not value' })
    } else if (p.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `a ${p.type} point needs value` })
    }
  })
export type ClientMetricPoint = z.output<typeof clientMetricPointSchema>

export const enrichedMetricPointSchema = z.object({
  ...serverFields,
  point_id: z.string(),
  name: z.string(),
  type: z.enum(metricTypes),
  unit: z.string(),
  description: z.string(),
  service: z.string(),
  time_unix_nano: z.string().regex(/^\d+$/),
  start_time_unix_nano: z.string().regex(/^\d+$/),
  value: z.number(),
  temporality: z.enum(temporalities),
  is_monotonic: z.boolean(),
  count: z.number(),
  sum: z.number(),
  min: z.number(),
  max: z.number(),
  bucket_counts: z.array(z.number()),
  explicit_bounds: z.array(z.number()),
  attributes: storedJsonObject,
  resource_attributes: storedJsonObject,
  scope_name: z.string(),
})
export type EnrichedMetricPoint = z.output<typeof enrichedMetricPointSchema>

/** Columns of table `metric_points` in DDL order; schemas/clickhouse/003_metrics.sql must match. */
export const metricPointsTable = {
  name: 'metric_points',
  columns: {
    metric_name: 'String',
    metric_type: 'String',
    unit: 'String',
    service: 'String',
    attributes: 'String',
    resource_attributes: 'String',
    time: "DateTime('UTC')",
    time_unix_nano: 'UInt64',
    start_time_unix_nano: 'UInt64',
    value: 'Float64',
    count: 'UInt64',
    sum: 'Float64',
    min: 'Float64',
    max: 'Float64',
    bucket_counts: 'Array(UInt64)',
    explicit_bounds: 'Array(Float64)',
    temporality: 'String',
    is_monotonic: 'UInt8',
    description: 'String',
    scope_name: 'String',
    point_id: 'String',
    ...serverColumns,
  },
} as const

export const metricPointType: TelemetryType<ClientMetricPoint, EnrichedMetricPoint> = {
  category: 'metrics',
  noun: 'metric point',
  messagePrefix: 'metric point: ',
  schemaVersion: TYPED_SCHEMA_VERSION,
  clientSchema: clientMetricPointSchema,
  fastAccept: acceptMetricPointFast,
  itemId: (item) => idField(item, 'id'),
  attributeObjects: (p) => [['attributes', p.attributes ?? {}], ['resource_attributes', p.resource_attributes ?? {}]],
  uniqueKey: (p) => p.id ?? '',
  duplicateMessage: duplicateInRequest('metric point'),
  enrich: (p, facts) => ({
    ok: true,
    value: {
      ...serverFieldValues(p, facts),
      point_id: p.id ?? '',
      name: p.name,
      type: p.type,
      unit: p.unit ?? '',
      description: p.description ?? '',
      service: serviceOf(p, facts.appId),
      time_unix_nano: p.time_unix_nano,
      start_time_unix_nano: p.start_time_unix_nano ?? '0',
      // a histogram's value is its mean, so one column plots every type
      value: p.type === 'histogram' ? (p.count ? (p.sum ?? 0) / p.count : 0) : p.value!,
      temporality: p.temporality ?? (p.type === 'gauge' ? 'unspecified' : 'cumulative'),
      is_monotonic: p.is_monotonic ?? false,
      count: p.count ?? 0,
      sum: p.sum ?? 0,
      min: p.min ?? 0,
      max: p.max ?? 0,
      bucket_counts: p.bucket_counts ?? [],
      explicit_bounds: p.explicit_bounds ?? [],
      attributes: p.attributes ?? {},
      resource_attributes: p.resource_attributes ?? {},
      scope_name: p.scope?.name ?? '',
    },
  }),
  enrichedSchema: enrichedMetricPointSchema,
  partitionKey: (p) => `${p.service}/${p.name}`,
  table: metricPointsTable,
  toRow: (p) => ({
    metric_name: p.name,
    metric_type: p.type,
    unit: p.unit,
    service: p.service,
    attributes: canonicalJson(p.attributes),
    resource_attributes: canonicalJson(p.resource_attributes),
    time: dateTimeText(nsToMs(p.time_unix_nano)),
    time_unix_nano: p.time_unix_nano,
    start_time_unix_nano: p.start_time_unix_nano,
    value: p.value,
    count: p.count,
    sum: p.sum,
    min: p.min,
    max: p.max,
    bucket_counts: p.bucket_counts,
    explicit_bounds: p.explicit_bounds,
    temporality: p.temporality,
    is_monotonic: p.is_monotonic ? 1 : 0,
    description: p.description,
    scope_name: p.scope_name,
    point_id: p.point_id,
    ...serverRowValues(p),
  }),
}

/** JSON with keys sorted (top level), so the same attributes always give the same text: they are part of the series key. */
export function canonicalJson(obj: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))))
}
