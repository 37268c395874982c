// The validation shortcut of metric points (schemas/fastAccept.ts says what a shortcut may do): the checks of
// clientMetricPointSchema (its histogram / value rules included) and the item limits in one walk, for the
// common valid point; false sends the point through the schema, which words the refusal.
import { boundedString, isCanonicalUnixNano, isPlainRecord, keyBound, type ItemLimits } from './fastAccept.ts'
import { otlpItemFieldBound } from './spanFastAccept.ts'

const METRIC_TYPES = new Set(['gauge', 'sum', 'histogram'])
const TEMPORALITIES = new Set(['unspecified', 'delta', 'cumulative'])
/** The longest JSON number text. */
const NUMBER = 24

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** true only for a metric point clientMetricPointSchema accepts unchanged, within LIMIT_EVENT_BYTES and the property limits. */
export function acceptMetricPointFast(point: unknown, limits: ItemLimits): boolean {
  if (!isPlainRecord(point)) return false
  let bytes = 2
  let hasTime = false
  for (const key in point) {
    const v = point[key]
    let size: number
    switch (key) {
      case 'id':
        size = boundedString(v, 1, 128)
        break
      case 'name':
        size = boundedString(v, 1, 256)
        break
      case 'type':
        size = typeof v === 'string' && METRIC_TYPES.has(v) ? 11 : -1
        break
      case 'unit':
        size = boundedString(v, 0, 64)
        break
      case 'description':
        size = boundedString(v, 0, 1024)
        break
      case 'time_unix_nano':
        size = isCanonicalUnixNano(v) ? 21 : -1
        hasTime = true
        break
      case 'start_time_unix_nano':
        size = isCanonicalUnixNano(v) ? 21 : -1
        break
      case 'value':
      case 'sum':
      case 'min':
      case 'max':
        size = isFiniteNumber(v) ? NUMBER : -1
        break
      case 'temporality':
        size = typeof v === 'string' && TEMPORALITIES.has(v) ? 13 : -1
        break
      case 'is_monotonic':
        size = typeof v === 'boolean' ? 5 : -1
        break
      case 'count':
        size = isCount(v) ? NUMBER : -1
        break
      case 'bucket_counts':
        size = Array.isArray(v) && v.length <= 512 && v.every(isCount) ? 2 + v.length * (NUMBER + 1) : -1
        break
      case 'explicit_bounds':
        size = Array.isArray(v) && v.length <= 511 && v.every(isFiniteNumber) ? 2 + v.length * (NUMBER + 1) : -1
        break
      default:
        // service, attributes, resource_attributes, scope; anything else is refused (-1)
        size = otlpItemFieldBound(key, v, limits)
    }
    if (size < 0) return false
    bytes += keyBound(key) + size
  }
  return hasTime && typeof point.name === 'string' && typeof point.type === 'string' && followsTypeRules(point) && bytes <= limits.eventBytes
}

/** The schema's superRefine: a histogram point has count (and bucket_counts fitting explicit_bounds), not value; the others have value. */
function followsTypeRules(p: Record<string, unknown>): boolean {
  if (p.type !== 'histogram') return p.value !== undefined
  if (p.count === undefined || p.value !== undefined) return false
  const buckets = (p.bucket_counts as unknown[] | undefined) ?? []
  const bounds = (p.explicit_bounds as unknown[] | undefined) ?? []
  return buckets.length === 0 || buckets.length === bounds.length + 1
}
