// OTLP/HTTP protobuf traces → span items in one pass over the bytes: no protobufjs message objects, no
// KeyValue / AnyValue wrappers, no second walk (otlpProto.ts decode + otlpToItems.ts map cost ≈ 9 µs a span).
// It makes exactly the items the general path makes, for the requests an SDK sends: fields in the usual order,
// each singular message once, one value per AnyValue, known fields with their own wire types, shallow values.
// Anything else — and every malformed body — answers null, and the general path decodes the request, so its
// items and refusals (and protobufjs's error messages) stay the only ones. gateway/test/spansFromProtobuf.test.ts
// holds the two paths to the same items on the golden requests, generated ones and byte-mutated variants.
import protobuf from 'protobufjs'
import { spanKinds, statusCodes } from '../../../schemas/span.ts'
import type { OtlpItem } from './otlpToItems.ts'
import { bytesBase64, longText } from './wireValues.ts'

const readStrict = protobuf.util.utf8.readStrict
// Buffer's own hex slicer: a flat string straight from the bytes (the id checks and JSON.stringify then read
// it without flattening the 16 pieces a table loop concatenates)
const slice = Buffer.prototype as unknown as { hexSlice(this: Buffer, start: number, end: number): string }
const Long = protobuf.util.Long as unknown as { fromBits(low: number, high: number, unsigned: boolean): { low: number; high: number; unsigned: boolean } }

/** Thrown (one instance) when the request leaves the common shape: the caller then takes the general path. */
class NotCommon extends Error {}
const NOT_COMMON = new NotCommon('not the common shape')

/** AnyValue nesting beyond this takes the general path (its mapper truncates at 32 levels, protobufjs refuses past 100). */
const MAX_DEPTH = 24

// The cursor over the body: module state, as the walk is synchronous and never re-entered.
let buf: Buffer = Buffer.alloc(0)
let pos = 0
let view = new DataView(buf.buffer)

/** The request's span items, or null when the general path must decode it (see the top of this file). */
export function spansFromProtobuf(body: Uint8Array): OtlpItem[] | null {
  buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  pos = 0
  view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const items: OtlpItem[] = []
  try {
    const end = body.length
    while (pos < end) {
      const tag = readTag(end)
      if (tag !== ((1 << 3) | 2)) throw NOT_COMMON
      readResourceSpans(subEnd(end), items)
    }
    return items
  } catch {
    return null // NOT_COMMON, or strict UTF-8 refusing a string: the general path decodes and words it
  } finally {
    buf = Buffer.alloc(0)
    view = new DataView(buf.buffer)
  }
}

function readResourceSpans(end: number, items: OtlpItem[]) {
  let resourceAttributes: Record<string, unknown> | undefined
  let common: { service: string; resource_attributes: Record<string, unknown> } | undefined
  let seenScopes = false
  while (pos < end) {
    const tag = readTag(end)
    if (tag === ((1 << 3) | 2)) {
      // resource after scope spans, or twice (protobufjs merges): the general path
      if (resourceAttributes !== undefined || seenScopes) throw NOT_COMMON
      resourceAttributes = readResource(subEnd(end))
    } else if (tag === ((2 << 3) | 2)) {
      if (common === undefined) common = commonOf(resourceAttributes ?? {})
      seenScopes = true
      readScopeSpans(subEnd(end), common, items)
    } else if (tag === ((3 << 3) | 2)) readString(end) // schema_url
    else throw NOT_COMMON
  }
}

function commonOf(resourceAttributes: Record<string, unknown>) {
  const name = resourceAttributes['service.name']
  return { service: typeof name === 'string' && name ? name : 'unknown_service', resource_attributes: resourceAttributes }
}

function readResource(end: number): Record<string, unknown> {
  const attributes: Record<string, unknown> = {}
  while (pos < end) {
    const tag = readTag(end)
    if (tag === ((1 << 3) | 2)) readKeyValue(subEnd(end), attributes, 1)
    else if (tag === ((2 << 3) | 0)) readVarint32(end) // dropped_attributes_count
    else throw NOT_COMMON
  }
  return attributes
}

type Scope = { name: string; version?: string } | undefined

function readScopeSpans(end: number, common: { service: string; resource_attributes: Record<string, unknown> }, items: OtlpItem[]) {
  let scope: Scope
  let seenScope = false
  let seenSpans = false
  while (pos < end) {
    const tag = readTag(end)
    if (tag === ((1 << 3) | 2)) {
      if (seenScope || seenSpans) throw NOT_COMMON
      seenScope = true
      scope = readScope(subEnd(end))
    } else if (tag === ((2 << 3) | 2)) {
      seenSpans = true
      items.push({ ok: true, item: readSpan(subEnd(end), common, scope) })
    } else if (tag === ((3 << 3) | 2)) readString(end) // schema_url
    else throw NOT_COMMON
  }
}

function readScope(end: number): Scope {
  let name: string | undefined
  let version: string | undefined
  while (pos < end) {
    const tag = readTag(end)
    if (tag === ((1 << 3) | 2)) name = nonEmpty(readString(end))
    else if (tag === ((2 << 3) | 2)) version = nonEmpty(readString(end))
    else if (tag === ((3 << 3) | 2)) readKeyValue(subEnd(end), {}, 1) // scope attributes: not kept, but checked
    else if (tag === ((4 << 3) | 0)) readVarint32(end)
    else throw NOT_COMMON
  }
  if (!name) return undefined
  return version ? { name, version } : { name }
}

type SpanFields = {
  traceId: string | undefined
  spanId: string | undefined
  parentSpanId: string | undefined
  name: string | undefined
  kind: number
  start: string | undefined
  end: string | undefined
  statusCode: number
  statusMessage: string | undefined
  seenStatus: boolean
  attributes: Record<string, unknown>
  events: unknown[]
  links: unknown[]
}

function readSpan(end: number, common: { service: string; resource_attributes: Record<string, unknown> }, scope: Scope): Record<string, unknown> {
  const s: SpanFields = { traceId: undefined, spanId: undefined, parentSpanId: undefined, name: undefined, kind: 0, start: undefined, end: undefined, statusCode: 0, statusMessage: undefined, seenStatus: false, attributes: {}, events: [], links: [] }
  while (pos < end) readSpanField(readTag(end), end, s)
  const item: Record<string, unknown> = {
    trace_id: s.traceId,
    span_id: s.spanId,
    parent_span_id: s.parentSpanId ?? '',
    name: s.name,
    kind: s.kind === 0 ? 'unspecified' : (spanKinds[s.kind] ?? s.kind),
    start_time_unix_nano: s.start,
    end_time_unix_nano: s.end,
    status: statusOf(s),
    attributes: s.attributes,
    events: s.events,
    links: s.links,
    service: common.service,
    resource_attributes: common.resource_attributes,
  }
  if (scope) item.scope = scope
  // the general path leaves absent fields out (the schema then names them)
  if (s.traceId === undefined || s.spanId === undefined || s.name === undefined || s.start === undefined || s.end === undefined) {
    for (const k of Object.keys(item)) if (item[k] === undefined) delete item[k]
  }
  return item
}

function statusOf(s: SpanFields) {
  const code = s.statusCode === 0 ? 'unset' : (statusCodes[s.statusCode] ?? s.statusCode)
  return s.statusMessage ? { code, message: s.statusMessage } : { code }
}

/** One field of a Span; a repeated scalar field's last value wins and an empty one is absent (as protobufjs decodes). */
function readSpanField(tag: number, end: number, s: SpanFields) {
  switch (tag) {
    case (1 << 3) | 2: s.traceId = readId(end); return
    case (2 << 3) | 2: s.spanId = readId(end); return
    case (3 << 3) | 2: readString(end); return // trace_state
    case (4 << 3) | 2: s.parentSpanId = readId(end); return
    case (16 << 3) | 5: skipFixed(end, 4); return // flags
    case (5 << 3) | 2: s.name = nonEmpty(readString(end)); return
    case (6 << 3) | 0: s.kind = readVarint32(end) | 0; return
    case (7 << 3) | 1: s.start = readNanos(end); return
    case (8 << 3) | 1: s.end = readNanos(end); return
    case (9 << 3) | 2: readKeyValue(subEnd(end), s.attributes, 1); return
    case (11 << 3) | 2: s.events.push(readEvent(subEnd(end))); return
    case (13 << 3) | 2: s.links.push(readLink(subEnd(end))); return
    case (10 << 3) | 0:
    case (12 << 3) | 0:
    case (14 << 3) | 0: readVarint32(end); return // dropped counts
    case (15 << 3) | 2: {
      if (s.seenStatus) throw NOT_COMMON // protobufjs merges a second status
      s.seenStatus = true
      readStatus(subEnd(end), s)
      return
    }
    default: throw NOT_COMMON
  }
}

function readStatus(end: number, s: SpanFields) {
  while (pos < end) {
    const tag = readTag(end)
    if (tag === ((2 << 3) | 2)) s.statusMessage = nonEmpty(readString(end))
    else if (tag === ((3 << 3) | 0)) s.statusCode = readVarint32(end) | 0
    else throw NOT_COMMON
  }
}

function readEvent(end: number) {
  let time: string | undefined
  let name: string | undefined
  const attributes: Record<string, unknown> = {}
  while (pos < end) {
    const tag = readTag(end)
    if (tag === ((1 << 3) | 1)) time = readNanos(end)
    else if (tag === ((2 << 3) | 2)) name = nonEmpty(readString(end))
    else if (tag === ((3 << 3) | 2)) readKeyValue(subEnd(end), attributes, 1)
    else if (tag === ((4 << 3) | 0)) readVarint32(end)
    else throw NOT_COMMON
  }
  return { name: name ?? '', time_unix_nano: time, attributes }
}

function readLink(end: number) {
  let traceId: string | undefined
  let spanId: string | undefined
  const attributes: Record<string, unknown> = {}
  while (pos < end) {
    const tag = readTag(end)
    if (tag === ((1 << 3) | 2)) traceId = readId(end)
    else if (tag === ((2 << 3) | 2)) spanId = readId(end)
    else if (tag === ((3 << 3) | 2)) readString(end)
    else if (tag === ((4 << 3) | 2)) readKeyValue(subEnd(end), attributes, 1)
    else if (tag === ((5 << 3) | 0)) readVarint32(end)
    else if (tag === ((6 << 3) | 5)) skipFixed(end, 4)
    else throw NOT_COMMON
  }
  return { trace_id: traceId, span_id: spanId, attributes }
}

// ---- attributes and values (otlpToItems.ts attributes / anyValue, read from the bytes) -------------------

/** One KeyValue into `out` (`depth`: the value's, as otlpToItems counts it); a KeyValue without a key is left out. */
function readKeyValue(end: number, out: Record<string, unknown>, depth: number) {
  let key: string | undefined
  let value: unknown = null
  let seenValue = false
  while (pos < end) {
    const tag = readTag(end)
    if (tag === ((1 << 3) | 2)) key = nonEmpty(readKey(end))
    else if (tag === ((2 << 3) | 2)) {
      if (seenValue) throw NOT_COMMON // protobufjs merges a second value
      seenValue = true
      value = readAnyValue(subEnd(end), depth)
    } else throw NOT_COMMON
  }
  if (key !== undefined) out[key] = value
}

/** AnyValue → its JSON value; an empty one is null; more than one of its oneof fields: the general path. */
function readAnyValue(end: number, depth: number): unknown {
  if (depth > MAX_DEPTH) throw NOT_COMMON
  let value: unknown = null
  let seen = false
  while (pos < end) {
    const tag = readTag(end)
    if (seen) throw NOT_COMMON
    seen = true
    switch (tag) {
      case (1 << 3) | 2: value = readString(end); break
      case (2 << 3) | 0: value = readVarint32(end) !== 0; break
      case (3 << 3) | 0: value = readInt64(end); break
      case (4 << 3) | 1: value = readDouble(end); break
      case (5 << 3) | 2: value = readArrayValue(subEnd(end), depth); break
      case (6 << 3) | 2: value = readKeyValueList(subEnd(end), depth); break
      case (7 << 3) | 2: value = readBase64(end); break
      default: throw NOT_COMMON
    }
  }
  return value
}

function readArrayValue(end: number, depth: number): unknown[] {
  const values: unknown[] = []
  while (pos < end) {
    if (readTag(end) !== ((1 << 3) | 2)) throw NOT_COMMON
    values.push(readAnyValue(subEnd(end), depth + 1))
  }
  return values
}

function readKeyValueList(end: number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  while (pos < end) {
    if (readTag(end) !== ((1 << 3) | 2)) throw NOT_COMMON
    readKeyValue(subEnd(end), out, depth + 2)
  }
  return out
}

// ---- wire values ----------------------------------------------------------------------------------------

/** A length-delimited field's end, within the enclosing message's. */
function subEnd(end: number): number {
  const length = readVarint32(end)
  const to = pos + length
  if (to > end) throw NOT_COMMON
  return to
}

/** A tag with a field number above 0 and a wire type of proto3 (groups take the general path). */
function readTag(end: number): number {
  const tag = readVarint32(end)
  if (tag >>> 3 === 0 || (tag & 7) === 3 || (tag & 7) === 4) throw NOT_COMMON
  return tag
}

/** A varint of at most 5 bytes whose value fits 32 bits (longer or wider ones take the general path). */
function readVarint32(end: number): number {
  let value = 0
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw NOT_COMMON
    const b = buf[pos++]!
    if (shift === 28) {
      if (b > 15) throw NOT_COMMON
      return (value | (b << 28)) >>> 0
    }
    value |= (b & 127) << shift
    if (b < 128) return value >>> 0
  }
  throw NOT_COMMON
}

/** int64 AnyValue: a number when it is a safe integer, else its decimal text (otlpToItems.ts anyValue). */
function readInt64(end: number): number | string {
  let lo = 0
  let hi = 0
  let i = 0
  for (; ; i++) {
    if (pos >= end || i > 9) throw NOT_COMMON
    const b = buf[pos++]!
    if (i < 4) lo |= (b & 127) << (7 * i)
    else if (i === 4) {
      lo |= (b & 15) << 28
      hi |= (b & 127) >> 4
    } else hi |= (b & 127) << (7 * i - 32)
    if (b < 128) break
  }
  if (i === 9 && buf[pos - 1]! > 1) throw NOT_COMMON
  lo >>>= 0
  hi >>>= 0
  if (hi === 0) return lo
  if (hi === 0xffffffff && lo >= 0x80000000) return lo - 4294967296
  const text = longText(Long.fromBits(lo | 0, hi | 0, false))
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : text
}

/** fixed64 nanoseconds as decimal text; 0 is absent (as protobufjs decodes it). */
function readNanos(end: number): string | undefined {
  if (pos + 8 > end) throw NOT_COMMON
  const lo = view.getUint32(pos, true)
  const hi = view.getUint32(pos + 4, true)
  pos += 8
  if (lo === 0 && hi === 0) return undefined
  return hi === 0 ? String(lo) : longText({ low: lo | 0, high: hi | 0, unsigned: true })
}

function readDouble(end: number): number {
  if (pos + 8 > end) throw NOT_COMMON
  const v = view.getFloat64(pos, true)
  pos += 8
  return v
}

function skipFixed(end: number, n: number) {
  if (pos + n > end) throw NOT_COMMON
  pos += n
}

/**
 * A string field (strict UTF-8, as protobufjs reads it: invalid bytes throw, the general path words them).
 * Its JS loop beats Buffer's native latin1Slice on the short keys and values of attributes (measured).
 */
function readString(end: number): string {
  const to = subEnd(end)
  const s = readStrict(buf, pos, to)
  pos = to
  return s
}

// Attribute keys recur on every span (the same dozen semantic-convention names): the string made for a key's
// bytes is kept in a small direct-mapped table, so a recurring key costs a byte comparison instead of a
// UTF-8 decode, and the property store gets the string V8 already interned instead of hashing a new one.
const KEY_SLOTS = 512
const MAX_CACHED_KEY = 64
const keyBytes: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(KEY_SLOTS).fill(undefined)
const keyTexts: string[] = new Array<string>(KEY_SLOTS).fill('')

/** An attribute key: readString, through the table of recurring keys. */
function readKey(end: number): string {
  const to = subEnd(end)
  const n = to - pos
  if (n === 0 || n > MAX_CACHED_KEY) {
    const s = readStrict(buf, pos, to)
    pos = to
    return s
  }
  const slot = keySlot(n, buf[pos]!, buf[pos + 1]! | 0, buf[pos + (n >> 1)]!, buf[to - 2]!, buf[to - 1]!)
  const cached = keyBytes[slot]
  if (cached !== undefined && cached.length === n && sameBytes(cached, pos)) {
    pos = to
    return keyTexts[slot]!
  }
  const s = readStrict(buf, pos, to) // throws on invalid UTF-8 before anything is kept
  keyBytes[slot] = new Uint8Array(buf.subarray(pos, to)) // a copy: the table must not hold on to the body
  keyTexts[slot] = s
  pos = to
  return s
}

/** A slot from the length and five of the key's bytes (the semantic-convention names differ in them). */
function keySlot(n: number, a: number, b: number, c: number, d: number, e: number): number {
  let h = n
  h = (h * 31 + a) | 0
  h = (h * 31 + b) | 0
  h = (h * 31 + c) | 0
  h = (h * 31 + d) | 0
  h = (h * 31 + e) | 0
  return (h ^ (h >>> 9)) & (KEY_SLOTS - 1)
}

function sameBytes(cached: Uint8Array, at: number): boolean {
  for (let i = 0; i < cached.length; i++) if (cached[i] !== buf[at + i]) return false
  return true
}

/** An id: bytes as lowercase hex; empty is absent. */
function readId(end: number): string | undefined {
  const to = subEnd(end)
  const out = to === pos ? undefined : slice.hexSlice.call(buf, pos, to)
  pos = to
  return out
}

function readBase64(end: number): string {
  const to = subEnd(end)
  const s = bytesBase64(buf.subarray(pos, to))
  pos = to
  return s
}

const nonEmpty = (s: string) => (s === '' ? undefined : s)
