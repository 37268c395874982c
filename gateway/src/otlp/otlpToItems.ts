// OTLP → our own items: spans, metric points and log records in the client shapes of schemas/span.ts,
// metricPoint.ts and logRecord.ts, which then pass the same validation as /v1/batch items. The request is an
// OTLP/JSON body or the messages otlpProto.ts decoded from protobuf, read as they are (wireValues.ts: a
// field counts only as an own property, int64 Longs and bytes converted here), so both encodings take one
// mapper and no copy. Pure. Never throws: an item it cannot map is an outcome with the reason (counted in
// partial_success), the rest go on.
import { temporalities } from '../../../schemas/metricPoint.ts'
import { spanKinds, statusCodes } from '../../../schemas/span.ts'
import type { SignalKind } from './otlpProto.ts'
import { bytesBase64, bytesHex, field, isLong, longText } from './wireValues.ts'

export type OtlpItem = { ok: true; item: Record<string, unknown> } | { ok: false; message: string }
export type OtlpMapping = { ok: true; items: OtlpItem[] } | { ok: false; message: string }

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !isLong(v)
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
/** A field of a message or JSON object, present only as an own property (wireValues.ts). */
const get = field
/** A nested message field, or undefined. */
const obj = (o: Obj, key: string): Obj | undefined => {
  const v = get(o, key)
  return isObj(v) ? v : undefined
}

// our enum names are OTLP's, in OTLP's numeric order (schemas/span.ts, metricPoint.ts)

/** The top-level list of each request, and its name in messages. */
const topLevel = { traces: 'resourceSpans', metrics: 'resourceMetrics', logs: 'resourceLogs' } as const

export function otlpToItems(kind: SignalKind, request: unknown, receivedAtMs: number): OtlpMapping {
  if (!isObj(request)) return { ok: false, message: `body must be an Export${kindName(kind)}ServiceRequest object` }
  const list = get(request, topLevel[kind])
  if (list !== undefined && !Array.isArray(list)) return { ok: false, message: `${topLevel[kind]} must be an array` }
  const items: OtlpItem[] = []
  for (const resourceEntry of arr(list)) {
    if (!isObj(resourceEntry)) continue
    const resource = obj(resourceEntry, 'resource')
    const resourceAttributes = attributes(resource ? get(resource, 'attributes') : undefined)
    const service = typeof resourceAttributes['service.name'] === 'string' && resourceAttributes['service.name'] ? (resourceAttributes['service.name'] as string) : 'unknown_service'
    const common = { service, resource_attributes: resourceAttributes }
    if (kind === 'traces') {
      for (const scopeEntry of arr(get(resourceEntry, 'scopeSpans'))) {
        if (!isObj(scopeEntry)) continue
        const scope = scopeOf(get(scopeEntry, 'scope'))
        for (const span of arr(get(scopeEntry, 'spans'))) items.push(mapSpan(span, common, scope))
      }
    } else if (kind === 'metrics') {
      for (const scopeEntry of arr(get(resourceEntry, 'scopeMetrics'))) {
        if (!isObj(scopeEntry)) continue
        const scope = scopeOf(get(scopeEntry, 'scope'))
        for (const metric of arr(get(scopeEntry, 'metrics'))) items.push(...mapMetric(metric, common, scope))
      }
    } else {
      for (const scopeEntry of arr(get(resourceEntry, 'scopeLogs'))) {
        if (!isObj(scopeEntry)) continue
        const scope = scopeOf(get(scopeEntry, 'scope'))
        for (const record of arr(get(scopeEntry, 'logRecords'))) items.push(mapLogRecord(record, common, scope, receivedAtMs))
      }
    }
  }
  return { ok: true, items }
}

function kindName(kind: SignalKind) {
  return kind === 'traces' ? 'Trace' : kind === 'metrics' ? 'Metrics' : 'Logs'
}

function scopeOf(scope: unknown): Obj | undefined {
  if (!isObj(scope)) return undefined
  const name = str(get(scope, 'name'))
  if (!name) return undefined
  const version = str(get(scope, 'version'))
  return version ? { name, version } : { name }
}

function mapSpan(span: unknown, common: Obj, scope: Obj | undefined): OtlpItem {
  if (!isObj(span)) return { ok: false, message: 'span is not an object' }
  const status = obj(span, 'status') ?? {}
  const kind = get(span, 'kind')
  const statusCode = get(status, 'code')
  const statusMessage = str(get(status, 'message'))
  const item: Obj = {
    trace_id: idText(get(span, 'traceId')),
    span_id: idText(get(span, 'spanId')),
    parent_span_id: idText(get(span, 'parentSpanId')) ?? '',
    name: get(span, 'name'),
    kind: kind === undefined ? 'unspecified' : (enumName(kind, spanKinds, 'SPAN_KIND_') ?? kind),
    start_time_unix_nano: nanos(get(span, 'startTimeUnixNano')),
    end_time_unix_nano: nanos(get(span, 'endTimeUnixNano')),
    status: statusMessage ? { code: enumName(statusCode, statusCodes, 'STATUS_CODE_') ?? statusCode ?? 'unset', message: statusMessage } : { code: enumName(statusCode, statusCodes, 'STATUS_CODE_') ?? statusCode ?? 'unset' },
    attributes: attributes(get(span, 'attributes')),
    events: mapObjects(get(span, 'events'), (e) => ({ name: str(get(e, 'name')) ?? '', time_unix_nano: nanos(get(e, 'timeUnixNano')), attributes: attributes(get(e, 'attributes')) })),
    links: mapObjects(get(span, 'links'), (l) => ({ trace_id: idText(get(l, 'traceId')), span_id: idText(get(l, 'spanId')), attributes: attributes(get(l, 'attributes')) })),
    service: common.service,
    resource_attributes: common.resource_attributes,
  }
  if (scope) item.scope = scope
  return { ok: true, item: dropUndefined(item) }
}

function mapMetric(metric: unknown, common: { service: string; resource_attributes: Obj }, scope: Obj | undefined): OtlpItem[] {
  if (!isObj(metric)) return [{ ok: false, message: 'metric is not an object' }]
  const unit = str(get(metric, 'unit'))
  const description = str(get(metric, 'description'))
  const base: Obj = {
    name: get(metric, 'name'),
    ...(unit ? { unit } : {}),
    ...(description ? { description: description.slice(0, 1024) } : {}),
    ...common,
    ...(scope ? { scope } : {}),
  }
  const name = str(get(metric, 'name')) ?? '(no name)'
  const gauge = obj(metric, 'gauge')
  if (gauge) return arr(get(gauge, 'dataPoints')).map((p) => numberPoint(p, { ...base, type: 'gauge' }))
  const sum = obj(metric, 'sum')
  if (sum) {
    const extra = { type: 'sum', temporality: enumName(get(sum, 'aggregationTemporality'), temporalities, 'AGGREGATION_TEMPORALITY_') ?? 'unspecified', is_monotonic: get(sum, 'isMonotonic') === true }
    return arr(get(sum, 'dataPoints')).map((p) => numberPoint(p, { ...base, ...extra }))
  }
  const h = obj(metric, 'histogram')
  if (h) {
    const temporality = enumName(get(h, 'aggregationTemporality'), temporalities, 'AGGREGATION_TEMPORALITY_') ?? 'unspecified'
    return arr(get(h, 'dataPoints')).map((p) => histogramPoint(p, { ...base, type: 'histogram', temporality }))
  }
  // a refusal quotes the name at most 100 characters long: the answer's message is capped, and the reason must fit
  const shown = name.length > 100 ? `${name.slice(0, 100)}…` : name
  for (const unsupported of ['exponentialHistogram', 'summary']) {
    const points = obj(metric, unsupported)
    if (points) {
      const n = Math.max(1, arr(get(points, 'dataPoints')).length)
      return Array.from({ length: n }, () => ({ ok: false as const, message: `metric "${shown}": ${unsupported} points are not supported (gauge, sum and histogram are)` }))
    }
  }
  return [{ ok: false, message: `metric "${shown}" has no gauge, sum or histogram data` }]
}

function numberPoint(p: unknown, base: Obj): OtlpItem {
  if (!isObj(p)) return { ok: false, message: 'data point is not an object' }
  const asDouble = get(p, 'asDouble')
  const asInt = get(p, 'asInt')
  const value = asDouble !== undefined ? toNumber(asDouble) : asInt !== undefined ? toNumber(asInt) : undefined
  return {
    ok: true,
    item: dropUndefined({ ...base, time_unix_nano: nanos(get(p, 'timeUnixNano')), start_time_unix_nano: optionalNanos(get(p, 'startTimeUnixNano')), value, attributes: attributes(get(p, 'attributes')) }),
  }
}

function histogramPoint(p: unknown, base: Obj): OtlpItem {
  if (!isObj(p)) return { ok: false, message: 'data point is not an object' }
  return {
    ok: true,
    item: dropUndefined({
      ...base,
      time_unix_nano: nanos(get(p, 'timeUnixNano')),
      start_time_unix_nano: optionalNanos(get(p, 'startTimeUnixNano')),
      count: toNumber(get(p, 'count') ?? 0),
      sum: optionalNumber(get(p, 'sum')),
      min: optionalNumber(get(p, 'min')),
      max: optionalNumber(get(p, 'max')),
      bucket_counts: arr(get(p, 'bucketCounts')).map(toNumber),
      explicit_bounds: arr(get(p, 'explicitBounds')).map(toNumber),
      attributes: attributes(get(p, 'attributes')),
    }),
  }
}

function mapLogRecord(r: unknown, common: Obj, scope: Obj | undefined, receivedAtMs: number): OtlpItem {
  if (!isObj(r)) return { ok: false, message: 'log record is not an object' }
  // time_unix_nano 0 means unknown: the observed time stands in, else the receive time
  const observed = nonZero(nanos(get(r, 'observedTimeUnixNano')))
  const time = nonZero(nanos(get(r, 'timeUnixNano'))) ?? observed ?? (BigInt(receivedAtMs) * 1_000_000n).toString()
  const severity = get(r, 'severityNumber')
  const body = get(r, 'body')
  const item: Obj = {
    time_unix_nano: time,
    observed_time_unix_nano: observed,
    severity_number: severity === undefined ? undefined : toNumber(severity),
    severity_text: str(get(r, 'severityText')) || undefined,
    body: body === undefined ? undefined : anyValue(body),
    event_name: str(get(r, 'eventName')) || undefined,
    trace_id: idText(get(r, 'traceId')) || undefined,
    span_id: idText(get(r, 'spanId')) || undefined,
    attributes: attributes(get(r, 'attributes')),
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
  if (!Array.isArray(list)) return out
  for (const kv of list) {
    if (!isObj(kv)) continue
    const key = get(kv, 'key')
    if (typeof key === 'string') out[key] = anyValue(get(kv, 'value'), depth + 1)
  }
  return out
}

/** AnyValue → JSON value: strings, booleans, numbers (int64 beyond 2^53 kept as a decimal string), arrays, objects, bytes as base64. */
export function anyValue(v: unknown, depth = 0): unknown {
  if (!isObj(v)) return null
  if (depth > MAX_VALUE_DEPTH) return { '(truncated)': `nested deeper than ${MAX_VALUE_DEPTH} levels` }
  // the first of the oneof's fields present wins (a hostile message may hold several)
  if (Object.hasOwn(v, 'stringValue')) return scalarText(v.stringValue)
  if (Object.hasOwn(v, 'boolValue')) return v.boolValue === true
  if (Object.hasOwn(v, 'intValue')) {
    const int = isLong(v.intValue) ? longText(v.intValue) : v.intValue
    const n = typeof int === 'number' || typeof int === 'string' ? Number(int) : NaN
    return Number.isSafeInteger(n) ? n : scalarText(int)
  }
  if (Object.hasOwn(v, 'doubleValue')) return toNumber(v.doubleValue)
  if (Object.hasOwn(v, 'arrayValue')) {
    const list = obj(v, 'arrayValue')
    return arr(list ? get(list, 'values') : undefined).map((x) => anyValue(x, depth + 1))
  }
  if (Object.hasOwn(v, 'kvlistValue')) {
    const list = obj(v, 'kvlistValue')
    return attributes(list ? get(list, 'values') : undefined, depth + 1)
  }
  if (Object.hasOwn(v, 'bytesValue')) return v.bytesValue instanceof Uint8Array ? bytesBase64(v.bytesValue) : scalarText(v.bytesValue)
  return null
}

function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : isLong(v) ? Number(longText(v)) : NaN
}

function optionalNumber(v: unknown): number | undefined {
  return v === undefined ? undefined : toNumber(v)
}

/** The objects of a repeated field mapped (what is not an object is left out). */
function mapObjects<T>(list: unknown, map: (o: Obj) => T): T[] {
  const out: T[] = []
  if (Array.isArray(list)) for (const o of list) if (isObj(o)) out.push(map(o))
  return out
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

/** Ids are hex in OTLP/JSON, bytes in protobuf; an empty id is absent. Anything else is passed on for the schema to refuse. */
function idText(v: unknown): string | undefined {
  if (v instanceof Uint8Array) return v.length === 0 ? undefined : bytesHex(v)
  if (v === undefined || v === null || v === '') return undefined
  return typeof v === 'string' ? v.toLowerCase() : scalarText(v)
}

function nanos(v: unknown): string | undefined {
  if (isLong(v)) return longText(v)
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
  if (isLong(v)) return longText(v)
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
