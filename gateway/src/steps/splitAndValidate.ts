// Step 2 of every ingest route: (for /v1/batch, check the envelope as a whole, then) validate every item on
// its own with its type's declaration (schemas/telemetryTypes.ts) — events, spans, metric points and log
// records alike, with the same guards. Per-item results are returned values, never exceptions: one bad item
// never costs the others, and no value, however hostile, escapes as a 500.
import type { z } from 'zod'
import type { Limits } from '../../../common/config.ts'
import type { PartReason } from '../../../schemas/codes.ts'
import { batchEnvelopeSchema, describeIssues, type BatchEnvelope } from '../../../schemas/envelope.ts'
import { jsonBytesAtMost } from '../../../schemas/fastAccept.ts'
import type { TelemetryType } from '../../../schemas/telemetryType.ts'
import { formatBytes } from '../format.ts'

export type EnvelopeResult = { ok: true; envelope: BatchEnvelope } | { ok: false; status: 400 | 413; message: string; wrongMeta: boolean }

export type Rejected = { index: number; id: string; ok: false; reason: PartReason; message: string }
/** A valid item in its type's client shape (the type's clientSchema output). */
export type Validated = { index: number; id: string; ok: true; item: unknown }
export type ValidationOutcome = Validated | Rejected

export function checkEnvelope(json: unknown, limits: Limits): EnvelopeResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, status: 400, message: 'body must be a JSON object {"meta": {...}, "data": [...]}', wrongMeta: false }
  }
  const parsed = safeParse(batchEnvelopeSchema, json)
  if (parsed === 'threw') return { ok: false, status: 400, message: unvalidatable(batchEnvelopeSchema, json), wrongMeta: false }
  if (!parsed.success) {
    const wrongMeta = parsed.error.issues.some((i) => i.path[0] === 'meta')
    return { ok: false, status: 400, message: describeIssues(parsed.error), wrongMeta }
  }
  const count = parsed.data.data.length
  if (count > limits.eventsPerBatch) {
    return {
      ok: false,
      status: 413,
      message: `batch has ${count} events, limit ${limits.eventsPerBatch} (LIMIT_EVENTS_PER_BATCH)`,
      wrongMeta: false,
    }
  }
  // meta.context is copied into every event written to Kafka, so it obeys the limits of one event's
  // properties: unchecked, a 6 KB gzip body with a 5 MB context made 500 copies (2.5 GB), and a few
  // thousand nesting levels made JSON.stringify throw (answered 500).
  const context = parsed.data.meta.context
  if (context) {
    const shape = measureProperties(context, limits.propertyDepth + 1)
    if (shape.depth > limits.propertyDepth) {
      return { ok: false, status: 400, message: `meta.context nests ${shape.depth > limits.propertyDepth + 1 ? `more than ${limits.propertyDepth + 1}` : shape.depth} levels deep, limit ${limits.propertyDepth} (LIMIT_PROPERTY_DEPTH)`, wrongMeta: true }
    }
    const bytes = Buffer.byteLength(JSON.stringify(context))
    if (bytes > limits.eventBytes) {
      return { ok: false, status: 413, message: `meta.context is ${formatBytes(bytes)}, limit ${formatBytes(limits.eventBytes)} (LIMIT_EVENT_BYTES)`, wrongMeta: true }
    }
  }
  return { ok: true, envelope: parsed.data }
}

export function splitAndValidate(data: unknown[], type: TelemetryType, limits: Limits): ValidationOutcome[] {
  const acceptedKeys = new Set<string>()
  return data.map((item, index): ValidationOutcome => {
    const outcome = validateOne(item, index, type, limits)
    if (!outcome.ok) return outcome
    const key = type.uniqueKey(outcome.item)
    if (key === '') return outcome
    if (acceptedKeys.has(key)) return reject(index, outcome.id, 'DUPLICATE_ID', type.duplicateMessage(key))
    acceptedKeys.add(key)
    return outcome
  })
}

function validateOne(item: unknown, index: number, type: TelemetryType, limits: Limits): ValidationOutcome {
  const id = type.itemId(item)
  // the type's shortcut vouches for the common valid item in one walk; all else is checked and worded below
  if (type.fastAccept?.(item, limits)) return { index, id, ok: true, item }
  // the exact size only when a cheap bound of it passes the limit (a JSON.stringify per item was 5 % of the gateway)
  const bytes = jsonBytesAtMost(item, limits.eventBytes) <= limits.eventBytes ? 0 : jsonBytes(item)
  if (bytes > limits.eventBytes) {
    return reject(index, id, 'EVENT_TOO_LARGE', `${type.noun} is ${formatBytes(bytes)}, limit ${formatBytes(limits.eventBytes)} (LIMIT_EVENT_BYTES)`)
  }
  let data = type.parseCommon?.(item)
  if (data === undefined) {
    const parsed = safeParse(type.clientSchema, item)
    if (parsed === 'threw') return reject(index, id, 'INVALID_EVENT', `${type.messagePrefix}${unvalidatable(type.clientSchema, item)}`)
    if (!parsed.success) return reject(index, id, 'INVALID_EVENT', `${type.messagePrefix}${describeIssues(parsed.error)}`)
    data = parsed.data
  }
  for (const [field, value] of type.attributeObjects(data)) {
    const shape = measureProperties(value, limits.propertyDepth + 1)
    if (shape.depth > limits.propertyDepth) {
      const depth = shape.depth > limits.propertyDepth + 1 ? `more than ${limits.propertyDepth + 1}` : shape.depth
      return reject(index, id, 'PROPERTIES_TOO_DEEP', `${type.messagePrefix}${field} nest ${depth} levels deep, limit ${limits.propertyDepth} (LIMIT_PROPERTY_DEPTH)`)
    }
    if (shape.keys > limits.propertyKeys) {
      return reject(index, id, 'TOO_MANY_PROPERTIES', `${type.messagePrefix}${field} hold ${shape.keys} keys, limit ${limits.propertyKeys} (LIMIT_PROPERTY_KEYS)`)
    }
  }
  if (bytes < 0) return reject(index, id, 'EVENT_TOO_LARGE', `${type.messagePrefix}${unmeasurable(item)}`)
  return { index, id, ok: true, item: data }
}

/**
 * UTF-8 length of the item as JSON, or -1 when JSON.stringify gives up (it throws RangeError on a few
 * thousand nesting levels, which a 1 MB body can hold): such an item is then refused by the schema or the
 * depth check below, instead of the error escaping as a 500.
 */
function jsonBytes(item: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(item) ?? '')
  } catch {
    return -1
  }
}

/** "meta.app_id: cannot be validated: ...": the path of the first field whose own schema throws (see safeParse). */
function unvalidatable(schema: z.ZodType, item: unknown): string {
  return `${throwingPath(schema, item) || 'item'}: cannot be validated: holds a hostile value (such as {"length": ...} where a string or an array belongs)`
}

function throwingPath(schema: z.ZodType, value: unknown): string {
  const shape = (schema as { shape?: Record<string, z.ZodType> }).shape
  if (!shape || !isObject(value)) return ''
  const field = Object.keys(shape).find((k) => Object.hasOwn(value, k) && safeParse(shape[k]!, value[k]) === 'threw')
  if (field === undefined) return ''
  const inner = throwingPath(unwrapOptional(shape[field]!), value[field])
  return inner ? `${field}.${inner}` : field
}

const unwrapOptional = (schema: z.ZodType): z.ZodType => (schema as { unwrap?: () => z.ZodType }).unwrap?.() ?? schema

/** "body: cannot be measured as JSON ...": the first field JSON.stringify gives up on. */
function unmeasurable(item: unknown): string {
  const field = isObject(item) ? Object.keys(item).find((k) => jsonBytes(item[k]) < 0) : undefined
  return `${field ?? 'item'}: cannot be measured as JSON (nested too deep) (LIMIT_EVENT_BYTES)`
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * zod's length checks (min/max) also run on a value of the wrong type and compare its `length` as a number:
 * `{"length": [[[...]]]}` (thousands of levels) overflows the stack in Array#toString, `{"length":
 * {"toString": 1}}` throws TypeError. safeParse then throws instead of returning; such a value is refused
 * like any other invalid one instead of escaping as a 500.
 */
function safeParse<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> | 'threw' {
  try {
    return schema.safeParse(value)
  } catch {
    return 'threw'
  }
}

function reject(index: number, id: string, reason: PartReason, message: string): Rejected {
  return { index, id, ok: false, reason, message }
}

/**
 * Depth (the properties object is level 1; each nested object or array adds one) and the total number of
 * keys at every level. Stops descending past `depthCap` so a hostile 10,000-level document costs little.
 */
export function measureProperties(value: Record<string, unknown>, depthCap: number): { depth: number; keys: number } {
  let maxDepth = 0
  let keys = 0
  // two stacks rather than one of [node, depth] pairs: no array per nested value
  const nodes: unknown[] = [value]
  const depths: number[] = [1]
  while (nodes.length > 0) {
    const node = nodes.pop()
    const depth = depths.pop()!
    if (depth > maxDepth) maxDepth = depth
    if (depth > depthCap) continue
    if (Array.isArray(node)) {
      for (const child of node) {
        if (typeof child === 'object' && child !== null) {
          nodes.push(child)
          depths.push(depth + 1)
        }
      }
    } else {
      for (const k in node as Record<string, unknown>) {
        keys++
        const child = (node as Record<string, unknown>)[k]
        if (typeof child === 'object' && child !== null) {
          nodes.push(child)
          depths.push(depth + 1)
        }
      }
    }
  }
  return { depth: maxDepth, keys }
}
