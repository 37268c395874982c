// The validation shortcut of spans (schemas/fastAccept.ts says what a shortcut may do): the checks of
// clientSpanSchema and the item limits in one walk over the span, for the common valid span; false sends
// the span through the schema, which words the refusal.
import { boundedObject, boundedProperties, sharedPropertiesBound, boundedString, decimalAtLeast, isCanonicalUnixNano, isPlainRecord, isSpanId, isTraceId, keyBound, stringBound, type ItemLimits } from './fastAccept.ts'

const SPAN_KINDS = new Set(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'])
const STATUS_CODES = new Set(['unset', 'ok', 'error'])

/** true only for a span clientSpanSchema accepts unchanged, within LIMIT_EVENT_BYTES and the property limits. */
export function acceptSpanFast(span: unknown, limits: ItemLimits): boolean {
  if (!isPlainRecord(span)) return false
  let bytes = 2
  let required = 0
  for (const key in span) {
    const v = span[key]
    let size: number
    switch (key) {
      case 'trace_id':
        size = isTraceId(v) ? 34 : -1
        required |= 1
        break
      case 'span_id':
        size = isSpanId(v) ? 18 : -1
        required |= 2
        break
      case 'parent_span_id':
        size = v === '' || isSpanId(v) ? 18 : -1
        break
      case 'name':
        size = boundedString(v, 1, 1024)
        required |= 4
        break
      case 'kind':
        size = typeof v === 'string' && SPAN_KINDS.has(v) ? 13 : -1
        break
      case 'start_time_unix_nano':
      case 'end_time_unix_nano':
        size = isCanonicalUnixNano(v) ? 21 : -1
        required |= key === 'start_time_unix_nano' ? 8 : 16
        break
      case 'status':
        size = statusBound(v)
        break
      case 'events':
        size = eventsBound(v, limits)
        break
      case 'links':
        size = linksBound(v)
        break
      default:
        // service, attributes, resource_attributes, scope; anything else is refused (-1)
        size = otlpItemFieldBound(key, v, limits)
    }
    if (size < 0) return false
    bytes += keyBound(key) + size
  }
  if (required !== 31 || !decimalAtLeast(span.end_time_unix_nano as string, span.start_time_unix_nano as string)) return false
  return bytes <= limits.eventBytes
}

function statusBound(v: unknown): number {
  if (!isPlainRecord(v) || typeof v.code !== 'string' || !STATUS_CODES.has(v.code)) return -1
  let bytes = 2 + keyBound('code') + 7
  for (const key in v) {
    if (key === 'code') continue
    if (key !== 'message' || typeof v.message !== 'string' || v.message.length > 4096) return -1
    bytes += keyBound(key) + stringBound(v.message)
  }
  return bytes
}

/** scopeSchema: its JSON length bound, or -1. */
/**
 * The fields every OTLP item (span, metric point, log record) has, in the one shape the mapper gives them: their
 * JSON length bound, or -1 (also for a key that is none of them, which the item's schema does not allow).
 */
export function otlpItemFieldBound(key: string, v: unknown, limits: ItemLimits): number {
  switch (key) {
    case 'service':
      return boundedString(v, 1, 256)
    case 'attributes':
      return boundedProperties(v, limits)
    case 'resource_attributes':
      return sharedPropertiesBound(v, limits)
    case 'scope':
      return scopeBound(v)
    default:
      return -1
  }
}

export function scopeBound(v: unknown): number {
  if (!isPlainRecord(v)) return -1
  const name = boundedString(v.name, 0, 256)
  if (name < 0) return -1
  let bytes = 2 + keyBound('name') + name
  for (const key in v) {
    if (key === 'name') continue
    const version = key === 'version' ? boundedString(v.version, 0, 128) : -1
    if (version < 0) return -1
    bytes += keyBound(key) + version
  }
  return bytes
}

function eventsBound(v: unknown, limits: ItemLimits): number {
  if (!Array.isArray(v) || v.length > 256) return -1
  let bytes = 2
  for (const e of v) {
    if (!isPlainRecord(e) || !isCanonicalUnixNano(e.time_unix_nano)) return -1
    const name = boundedString(e.name, 0, 1024)
    if (name < 0) return -1
    bytes += 3 + keyBound('name') + name + keyBound('time_unix_nano') + 21
    for (const key in e) {
      if (key === 'name' || key === 'time_unix_nano') continue
      const attributes = key === 'attributes' ? boundedProperties(e.attributes, limits) : -1
      if (attributes < 0) return -1
      bytes += keyBound(key) + attributes
    }
  }
  return bytes
}

function linksBound(v: unknown): number {
  if (!Array.isArray(v) || v.length > 128) return -1
  let bytes = 2
  for (const l of v) {
    if (!isPlainRecord(l) || !isTraceId(l.trace_id) || !isSpanId(l.span_id)) return -1
    bytes += 3 + keyBound('trace_id') + 34 + keyBound('span_id') + 18
    for (const key in l) {
      if (key === 'trace_id' || key === 'span_id') continue
      const attributes = key === 'attributes' ? boundedObject(l.attributes) : -1
      if (attributes < 0) return -1
      bytes += keyBound(key) + attributes
    }
  }
  return bytes
}
