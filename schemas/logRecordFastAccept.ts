// The validation shortcut of log records (schemas/fastAccept.ts says what a shortcut may do): the checks of
// clientLogRecordSchema and the item limits in one walk, for the common valid record; false sends the
// record through the schema, which words the refusal.
import { boundedJson, boundedString, isCanonicalUnixNano, isPlainRecord, isSpanId, isTraceId, keyBound, type ItemLimits } from './fastAccept.ts'
import { otlpItemFieldBound } from './spanFastAccept.ts'

/** true only for a log record clientLogRecordSchema accepts unchanged, within LIMIT_EVENT_BYTES and the property limits. */
export function acceptLogRecordFast(record: unknown, limits: ItemLimits): boolean {
  if (!isPlainRecord(record)) return false
  let bytes = 2
  let hasTime = false
  for (const key in record) {
    const v = record[key]
    let size: number
    switch (key) {
      case 'time_unix_nano':
        size = isCanonicalUnixNano(v) ? 21 : -1
        hasTime = true
        break
      case 'observed_time_unix_nano':
        size = isCanonicalUnixNano(v) ? 21 : -1
        break
      case 'id':
        size = boundedString(v, 1, 128)
        break
      case 'severity_number':
        size = typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 24 ? 2 : -1
        break
      case 'severity_text':
        size = boundedString(v, 0, 32)
        break
      case 'body':
        size = boundedJson(v)
        break
      case 'event_name':
        size = boundedString(v, 0, 256)
        break
      case 'trace_id':
        size = isTraceId(v) ? 34 : -1
        break
      case 'span_id':
        size = isSpanId(v) ? 18 : -1
        break
      default:
        // service, attributes, resource_attributes, scope; anything else is refused (-1)
        size = otlpItemFieldBound(key, v, limits)
    }
    if (size < 0) return false
    bytes += keyBound(key) + size
  }
  return hasTime && bytes <= limits.eventBytes
}
