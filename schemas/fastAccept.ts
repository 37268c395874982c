// Upper bounds of JSON lengths (jsonBytesAtMost, for every item's size check) and the shortcut of validation
// for typed items (TelemetryType.fastAccept): checks that vouch for an item
// without zod, so the common valid item costs one walk. They only ever say "certainly valid, within every
// limit, and the schema would return it unchanged"; anything else (false) takes the full path
// (gateway/src/steps/splitAndValidate.ts), which finds and words the refusal. So a shortcut can be stricter
// than the schema, never looser: gateway/test/fastAccept.test.ts holds each one against its schema.
import { MAX_TIME_NS, MIN_TIME_NS } from './time.ts'

/** The limits of one item (common/config.ts Limits). */
export type ItemLimits = { eventBytes: number; propertyDepth: number; propertyKeys: number }

/** A JSON object z.record takes as it is and copies unchanged: a plain object without the keys it treats apart. */
export function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype && !Object.hasOwn(v, '__proto__') && !Object.hasOwn(v, 'constructor')
}

/** At most the UTF-8 length of a string as JSON: every UTF-16 unit as a \uXXXX escape at worst, and the quotes. */
export const stringBound = (s: string) => 2 + 6 * s.length
/** At most the length of a key as JSON: "key": and the comma after the member. */
export const keyBound = (key: string) => 4 + 6 * key.length
/** The longest JSON number text: 25 characters ("-0.0000012345678901234567"; the exponent form "-1.2345678901234567e-308" is 24). */
const NUMBER_BOUND = 25

/** Deeper than this, jsonBytesAtMost leaves the answer to the exact measure (JSON.stringify gives up on a few thousand levels). */
const BOUND_DEPTH = 64

/**
 * An upper bound of an item's JSON length without building the JSON (the same bounds as measureJsonObject:
 * stringBound, keyBound, NUMBER_BOUND; true/false/null at most 5; brackets and commas counted), for the event
 * size check of gateway/src/steps/splitAndValidate.ts. Anything but JSON's own values (arrays and plain objects of strings, numbers,
 * booleans, null), or deeper than BOUND_DEPTH, answers `limit + 1`: the caller then measures it exactly.
 * Stops as soon as the bound passes `limit`.
 */
export function jsonBytesAtMost(item: unknown, limit: number): number {
  let bound = 0
  const stack: unknown[] = [item]
  const depths: number[] = [1]
  while (stack.length > 0) {
    const node = stack.pop()
    const depth = depths.pop()!
    if (typeof node === 'string') bound += stringBound(node)
    else if (typeof node === 'number') bound += NUMBER_BOUND
    else if (typeof node === 'boolean' || node === null) bound += 5
    else if (typeof node !== 'object' || depth > BOUND_DEPTH) return limit + 1
    else if (Array.isArray(node)) {
      bound += 2 + node.length
      for (let i = 0; i < node.length; i++) {
        stack.push(node[i])
        depths.push(depth + 1)
      }
    } else if (Object.getPrototypeOf(node) === Object.prototype) {
      bound += 2
      for (const k in node) {
        bound += keyBound(k)
        stack.push((node as Record<string, unknown>)[k])
        depths.push(depth + 1)
      }
    } else return limit + 1
    if (bound > limit) return limit + 1
  }
  return bound
}

/**
 * A JSON object's shape for the property limits, as measureProperties counts it (the object is level 1,
 * each nested object or array one more; keys at every level), and at most its JSON length. null when
 * it is deeper than `depthLimit` or holds what JSON does not (the full path then decides).
 */
export function measureJsonObject(value: Record<string, unknown>, depthLimit: number): { bytes: number; depth: number; keys: number } | null {
  const shape = { bytes: 0, depth: 0, keys: 0 }
  return walk(value, 1, depthLimit, shape) ? shape : null
}

function walk(node: unknown, depth: number, depthLimit: number, shape: { bytes: number; depth: number; keys: number }): boolean {
  switch (typeof node) {
    case 'string':
      shape.bytes += stringBound(node)
      return true
    case 'number':
      shape.bytes += NUMBER_BOUND
      return true
    case 'boolean':
      shape.bytes += 5
      return true
    case 'object':
      break
    default:
      return false
  }
  if (node === null) {
    shape.bytes += 4
    return true
  }
  if (depth > depthLimit) return false
  if (depth > shape.depth) shape.depth = depth
  shape.bytes += 2
  if (Array.isArray(node)) {
    for (const child of node) {
      shape.bytes += 1
      if (!walk(child, depth + 1, depthLimit, shape)) return false
    }
    return true
  }
  if (Object.getPrototypeOf(node) !== Object.prototype) return false
  for (const key in node) {
    shape.keys++
    shape.bytes += keyBound(key)
    if (!walk((node as Record<string, unknown>)[key], depth + 1, depthLimit, shape)) return false
  }
  return true
}

/** An attributes-like field within the property limits: its JSON length bound, or -1. */
export function boundedProperties(value: unknown, limits: ItemLimits): number {
  if (!isPlainRecord(value)) return -1
  const shape = measureJsonObject(value, limits.propertyDepth)
  return shape && shape.keys <= limits.propertyKeys ? shape.bytes : -1
}

// the last resource_attributes object measured, its limits and bound
let lastShared: { value: unknown; limits: ItemLimits; bound: number } = { value: undefined, limits: { eventBytes: 0, propertyDepth: 0, propertyKeys: 0 }, bound: -1 }

/**
 * boundedProperties of an object the items of one request share (OTLP's resource attributes: one object for
 * every span, point or record of a resource), measured once for a run of items holding it. Nothing mutates
 * an item between its mapping and its enrichment, so the same object has the same bound. Holds on to the
 * last object until another is measured (one request's at most).
 */
export function sharedPropertiesBound(value: unknown, limits: ItemLimits): number {
  if (value === lastShared.value && limits === lastShared.limits) return lastShared.bound
  const bound = boundedProperties(value, limits)
  if (typeof value === 'object' && value !== null) lastShared = { value, limits, bound }
  return bound
}

/** Deeper than this, an object without a depth limit takes the full path (the walk is recursive). */
const UNLIMITED_DEPTH = 64

/** Any JSON value (z.unknown, such as a log record's body): its JSON length bound, or -1 (also when undefined). */
export function boundedJson(value: unknown): number {
  const shape = { bytes: 0, depth: 0, keys: 0 }
  return walk(value, 1, UNLIMITED_DEPTH, shape) ? shape.bytes : -1
}

/** A JSON object (jsonObject) whose contents are not limited: its JSON length bound, or -1. */
export function boundedObject(value: unknown): number {
  if (!isPlainRecord(value)) return -1
  const shape = measureJsonObject(value, UNLIMITED_DEPTH)
  return shape ? shape.bytes : -1
}

const MIN_NS = MIN_TIME_NS.toString()
const MAX_NS = MAX_TIME_NS.toString()
const CANONICAL_NS = /^[1-9]\d{17,18}$/

/** Epoch nanoseconds in unixNano's range, as the decimal text it would return unchanged. */
export function isCanonicalUnixNano(v: unknown): v is string {
  if (typeof v !== 'string' || !CANONICAL_NS.test(v)) return false
  return v.length === MIN_NS.length ? v >= MIN_NS : v.length === MAX_NS.length ? v <= MAX_NS : false
}

/** a >= b for canonical decimal texts. */
export function decimalAtLeast(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a >= b
}

const HEX_32 = /^[0-9a-f]{32}$/
const HEX_16 = /^[0-9a-f]{16}$/
const ZERO_32 = '0'.repeat(32)
const ZERO_16 = '0'.repeat(16)
/** hexTraceId / hexSpanId without zod. */
export const isTraceId = (v: unknown): v is string => typeof v === 'string' && v.length === 32 && HEX_32.test(v) && v !== ZERO_32
export const isSpanId = (v: unknown): v is string => typeof v === 'string' && v.length === 16 && HEX_16.test(v) && v !== ZERO_16

/** A string of min..max UTF-16 units (zod's min/max), its JSON length bound, or -1. */
export function boundedString(v: unknown, min: number, max: number): number {
  return typeof v === 'string' && v.length >= min && v.length <= max ? stringBound(v) : -1
}
