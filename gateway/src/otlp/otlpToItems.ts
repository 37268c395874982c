// OTLP (its JSON shape: what OTLP/JSON bodies are, and what otlpProto.ts makes of protobuf) → our own items:
// spans, metric points and log records in the client shapes of schemas/span.ts, metricPoint.ts and
// logRecord.ts, which then pass the same validation as /v1/batch items. Pure. Never throws: an item it
// cannot map is an outcome with the reason (counted in partial_success), the rest go on.
import { temporalities } from '../../../schemas/metricPoint.ts'
import { spanKinds, statusCodes } from '../../../schemas/span.ts'
import type { SignalKind } from './otlpProto.ts'

export type OtlpItem = { ok: true; item: Record<string, unknown> } | { ok: false; message: string }
export type OtlpMapping = { ok: true; items: OtlpItem[] } | { ok: false; message: string }

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

// our enum names are OTLP's, in OTLP's numeric order (schemas/span.ts, metricPoint.ts)

/** The top-level list of each request, and its name in messages. */
const topLevel = { traces: 'resourceSpans', metrics: 'resourceMetrics', logs: 'resourceLogs' } as const

export function otlpToItems(kind: SignalKind, request: unknown, receivedAtMs: number): OtlpMapping {
  if (!isObj(request)) return { ok: false, message: `body must be an Export${kindName(kind)}ServiceRequest object` }
  const list = request[topLevel[kind]]
  if (list !== undefined && !Array.isArray(list)) return { ok: false, message: `${topLevel[kind]} must be an array` }
  const items: OtlpItem[] = []
  for (const resourceEntry of arr(list)) {
    if (!isObj(resourceEntry)) continue
    const resourceAttributes = attributes(isObj(resourceEntry.resource) ? resourceEntry.resource.attributes : undefined)
    const service = typeof resourceAttributes['service.name'] === 'string' && resourceAttributes['service.name'] ? (resourceAttributes['service.name'] as string) : 'unknown_service'
    const common = { service, resource_attributes: resourceAttributes }
    if (kind === 'traces') {
      for (const scopeEntry of arr(resourceEntry.scopeSpans)) {
        if (!isObj(scopeEntry)) continue
        const scope = scopeOf(scopeEntry.scope)
        for (const span of arr(scopeEntry.spans)) items.push(mapSpan(span, common, scope))
      }
    } else if (kind === 'metrics') {
      for (const scopeEntry of arr(resourceEntry.scopeMetrics)) {
        if (!isObj(scopeEntry)) continue
        const scope = scopeOf(scopeEntry.scope)
        for (const metric of arr(scopeEntry.metrics)) items.push(...mapMetric(metric, common, scope))
      }
    } else {
      for (const scopeEntry of arr(resourceEntry.scopeLogs)) {
        if (!isObj(scopeEntry)) continue
        const scope = scopeOf(scopeEntry.scope)
        for (const record of arr(scopeEntry.logRecords)) items.push(mapLogRecord(record, common, scope, receivedAtMs))
      }
    }
  }
  return { ok: true, items }
}

function kindName(kind: SignalKind) {
  return kind === 'traces' ? 'Trace' : kind === 'metrics' ? 'Metrics' : 'Logs'
}

function scopeOf(scope: unknown): Obj | undefined {
  if (!isObj(scope) || !str(scope.name)) return undefined
  return str(scope.version) ? { name: scope.name, version: scope.version } : { name: scope.name }
}

function mapSpan(span: unknown, common: Obj, scope: Obj | undefined): OtlpItem {
  if (!isObj(span)) return { ok: false, message: 'span is not an object' }
  const status = isObj(span.status) ? span.status : {}
  const item: Obj = {
    trace_id: idText(span.traceId),
    span_id: idText(span.spanId),
    parent_span_id: idText(span.parentSpanId) ?? '',
    name: span.name,
    kind: span.kind === undefined ? 'unspecified' : (enumName(span.kind, spanKinds, 'SPAN_KIND_') ?? span.kind),
    start_time_unix_nano: nanos(span.startTimeUnixNano),
    end_time_unix_nano: nanos(span.endTimeUnixNano),
    status: { code: enumName(status.code, statusCodes, 'STATUS_CODE_') ?? status.code ?? 'unset', ...(str(status.message) ? { message: status.message } : {}) },
    attributes: attributes(span.attributes),
    events: arr(span.events).filter(isObj).map((e) => ({ name: str(e.name) ?? '', time_unix_nano: nanos(e.timeUnixNano), attributes: attributes(e.attributes) })),
    links: arr(span.links).filter(isObj).map((l) => ({ trace_id: idText(l.traceId), span_id: idText(l.spanId), attributes: attributes(l.attributes) })),
    ...common,
    ...(scope ? { scope } : {}),
  }
  return { ok: true, item: dropUndefined(item) }
}

function mapMetric(metric: unknown, common: Obj, scope: Obj | undefined): OtlpItem[] {
  if (!isObj(metric)) return [{ ok: false, message: 'metric is not an object' }]
  const base: Obj = {
    name: metric.name,
    ...(str(metric.unit) ? { unit: metric.unit } : {}),
    ...(str(metric.description) ? { description: (metric.description as string).slice(0, 1024) } : {}),
    ...common,
    ...(scope ? { scope } : {}),
  }
  const name = str(metric.name) ?? '(no name)'
  if (isObj(metric.gauge)) return arr(metric.gauge.dataPoints).map((p) => numberPoint(p, { ...base, type: 'gauge' }))
  if (isObj(metric.sum)) {
    const sum = metric.sum
    const extra = { type: 'sum', temporality: enumName(sum.aggregationTemporality, temporalities, 'AGGREGATION_TEMPORALITY_') ?? 'unspecified', is_monotonic: sum.isMonotonic === true }
    return arr(sum.dataPoints).map((p) => numberPoint(p, { ...base, ...extra }))
  }
  if (isObj(metric.histogram)) {
    const h = metric.histogram
    const temporality = enumName(h.aggregationTemporality, temporalities, 'AGGREGATION_TEMPORALITY_') ?? 'unspecified'
    return arr(h.dataPoints).map((p) => histogramPoint(p, { ...base, type: 'histogram', temporality }))
  }
  // a refusal quotes the name at most 100 characters long: the answer's message is capped, and the reason must fit
  const shown = name.length > 100 ? `${name.slice(0, 100)}…` : name
  for (const unsupported of ['exponentialHistogram', 'summary']) {
    if (isObj(metric[unsupported])) {
      const n = Math.max(1, arr((metric[unsupported] as Obj).dataPoints).length)
      return Array.from({ length: n }, () => ({ ok: false as const, message: `metric "${shown}": ${unsupported} points are not supported (gauge, sum and histogram are)` }))
    }
  }
  return [{ ok: false, message: `metric "${shown}" has no gauge, sum or histogram data` }]
}

function numberPoint(p: unknown, base: Obj): OtlpItem {
  if (!isObj(p)) return { ok: false, message: 'data point is not an object' }
  const value = p.asDouble !== undefined ? toNumber(p.asDouble) : p.asInt !== undefined ? toNumber(p.asInt) : undefined
  return {
    ok: true,
    item: dropUndefined({ ...base, time_unix_nano: nanos(p.timeUnixNano), start_time_unix_nano: optionalNanos(p.startTimeUnixNano), value, attributes: attributes(p.attributes) }),
  }
}

function histogramPoint(p: unknown, base: Obj): OtlpItem {
  if (!isObj(p)) return { ok: false, message: 'data point is not an object' }
  return {
    ok: true,
    item: dropUndefined({
      ...base,
      time_unix_nano: nanos(p.timeUnixNano),
      start_time_unix_nano: optionalNanos(p.startTimeUnixNano),
      count: toNumber(p.count ?? 0),
      sum: p.sum === undefined ? undefined : toNumber(p.sum),
      min: p.min === undefined ? undefined : toNumber(p.min),
      max: p.max === undefined ? undefined : toNumber(p.max),
      bucket_counts: arr(p.bucketCounts).map(toNumber),
      explicit_bounds: arr(p.explicitBounds).map(toNumber),
      attributes: attributes(p.attributes),
    }),
  }
}

function mapLogRecord(r: unknown, common: Obj, scope: Obj | undefined, receivedAtMs: number): OtlpItem {
  if (!isObj(r)) return { ok: false, message: 'log record is not an object' }
  // time_unix_nano 0 means unknown: the observed time stands in, else the receive time
  const time = nonZero(nanos(r.timeUnixNano)) ?? nonZero(nanos(r.observedTimeUnixNano)) ?? (BigInt(receivedAtMs) * 1_000_000n).toString()
  const item: Obj = {
    time_unix_nano: time,
    observed_time_unix_nano: nonZero(nanos(r.observedTimeUnixNano)),
    severity_number: r.severityNumber === undefined ? undefined : toNumber(r.severityNumber),
    severity_text: str(r.severityText) || undefined,
    body: r.body === undefined ? undefined : anyValue(r.body),
    event_name: str(r.eventName) || undefined,
    trace_id: idText(r.traceId) || undefined,
    span_id: idText(r.spanId) || undefined,
    attributes: attributes(r.attributes),
    ...common,
    ...(scope ? { scope } : {}),
  }
  return { ok: true, item: dropUndefined(item) }
}

// ---- values -------------------------------------------------------------------------------------------

// Deeper values are cut here (LIMIT_PROPERTY_DEPTH refuses them later anyway), so a hostile, deeply nested
// body cannot exhaust the stack.
const MAX_VALUE_DEPTH = 32

/** KeyValue[] → a plain JSON object. */
export function attributes(list: unknown, depth = 0): Obj {
  const out: Obj = {}
  for (const kv of arr(list)) {
    if (isObj(kv) && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value, depth + 1)
  }
  return out
}

/** AnyValue → JSON value: strings, booleans, numbers (int64 beyond 2^53 kept as a decimal string), arrays, objects, bytes as base64. */
export function anyValue(v: unknown, depth = 0): unknown {
  if (!isObj(v)) return null
  if (depth > MAX_VALUE_DEPTH) return { '(truncated)': `nested deeper than ${MAX_VALUE_DEPTH} levels` }
  if ('stringValue' in v) return scalarText(v.stringValue)
  if ('boolValue' in v) return v.boolValue === true
  if ('intValue' in v) {
    const n = typeof v.intValue === 'number' || typeof v.intValue === 'string' ? Number(v.intValue) : NaN
    return Number.isSafeInteger(n) ? n : scalarText(v.intValue)
  }
  if ('doubleValue' in v) return toNumber(v.doubleValue)
  if ('arrayValue' in v) return arr(isObj(v.arrayValue) ? v.arrayValue.values : undefined).map((x) => anyValue(x, depth + 1))
  if ('kvlistValue' in v) return attributes(isObj(v.kvlistValue) ? v.kvlistValue.values : undefined, depth + 1)
  if ('bytesValue' in v) return scalarText(v.bytesValue)
  return null
}

function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN
}

/** Enum as a number (OTLP/JSON and protobuf) or its proto name → our lower-case name; undefined if unknown. */
function enumName(v: unknown, names: readonly string[], prefix: string): string | undefined {
  if (typeof v === 'number') return names[v]
  if (typeof v === 'string' && v.startsWith(prefix)) {
    const n = v.slice(prefix.length).toLowerCase()
    return names.includes(n) ? n : undefined
  }
  return undefined
}

/** Ids are hex in OTLP/JSON; an empty id is absent. Anything else is passed on for the schema to refuse. */
function idText(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined
  return typeof v === 'string' ? v.toLowerCase() : scalarText(v)
}

function nanos(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v).toString()
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v).toString()
  return v === undefined ? undefined : scalarText(v)
}

/**
 * A wrong-typed value as text for the schema to refuse. Not String(v): on an array nested a few thousand
 * levels deep Array#toString overflows the stack.
 */
function scalarText(v: unknown): string {
  if (Array.isArray(v)) return '(an array)'
  return typeof v === 'object' && v !== null ? '(an object)' : String(v)
}

function optionalNanos(v: unknown): string | undefined {
  return nonZero(nanos(v))
}

function nonZero(ns: string | undefined): string | undefined {
  return ns === undefined || ns === '0' ? undefined : ns
}

function dropUndefined(o: Obj): Obj {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k]
  return o
}
