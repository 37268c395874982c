// The consumer's shortcut from a Kafka value's bytes to its events row, for the common value exactly as the
// gateway writes it (JSON.stringify of the enriched event: the schema's fields in its order, no whitespace,
// no escapes): one scan of the text instead of JSON.parse, the shortcut's copy, the row object and two
// JSON.stringify. properties and context go to the row as the value's own text, which is what
// JSON.stringify(JSON.parse(text)) would give only when the text is canonical, so that is checked as the
// scan goes. Anything else (another field order, whitespace, an escape, a number JSON.stringify would write
// differently, a doubled key...) answers undefined and takes the full path (JSON.parse + the schema check),
// which decides and words the dead letter's reason. consumers/test/eventRowReader.test.ts holds it to that
// path's rows. JSON.parse, the objects it builds and their garbage were half of the loader's CPU per row
// (loadtest/README.md "Consumer cost").
import { dateTimeText } from './telemetryType.ts'
import { timeCorrections, type EventRow } from './event.ts'

// The fixed parts of the value, in the gateway's field order (enrichedEventSchema's), each matched where the
// previous one ended (sticky): a string field holds no quote, backslash (escape) or control character (JSON
// refuses those raw), a count is a non-negative integer of at most 15 digits (always safe, written by
// JSON.stringify as is), the UUID a subset of zod's z.uuid(), as enrichedEventCommon.ts. properties and
// context, between them, are scanned by canonicalObject below.
const TEXT = '([^"\\\\\\u0000-\\u001f]*)'
const FILLED = '([^"\\\\\\u0000-\\u001f]+)'
const COUNT = '(0|[1-9][0-9]{0,14})'
/** The literal text before each capture, and after the last, so the captures' places are known too. */
type Part = readonly [literalBefore: string, capture: string]
const sticky = (parts: readonly Part[], after: string) => new RegExp(parts.map(([l, c]) => literal(l) + c).join('') + literal(after), 'y')
const literal = (text: string) => text.replace(/[{}]/g, '\\$&')
const HEAD_PARTS: readonly Part[] = [
  ['{"schema_version":1,"backend_id":"', '([0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})'],
  ['","event_id":"', FILLED],
  ['","app_id":"', FILLED],
  ['","category":"', FILLED],
  ['","name":"', FILLED],
  ['","timestamp":', COUNT],
  [',"client_timestamp":', COUNT],
  [',"received_at":', COUNT],
  [',"sent_at":', '(null|0|[1-9][0-9]{0,14})'],
  [',"time_correction":"', `(${timeCorrections.join('|')})`],
  ['","ip":"', TEXT],
  ['","country":"', TEXT],
  ['","region":"', TEXT],
  ['","city":"', TEXT],
]
const MIDDLE_PARTS: readonly Part[] = [
  [',"trace_id":"', TEXT],
  ['","span_id":"', TEXT],
  ['","sdk_name":"', TEXT],
  ['","sdk_version":"', TEXT],
  ['","device_id":"', TEXT],
]
const TAIL_PARTS: readonly Part[] = [[',"request_id":"', TEXT]]
const HEAD = sticky(HEAD_PARTS, '","properties":')
const MIDDLE = sticky(MIDDLE_PARTS, '","context":')
const TAIL = sticky(TAIL_PARTS, '"}$')
// V8 makes a substring of 13 characters or more a slice that keeps its whole source text alive: the rows
// wait for their insert, long enough to be copied into the old generation, so such fields are decoded again
// from the bytes as strings of their own (loadtest/README.md "Consumer cost, second round")
const SLICE_MIN_LENGTH = 13
// the rest of a string inside properties or context (after its opening quote), to its closing quote
// eslint-disable-next-line no-control-regex -- raw control characters are what JSON refuses in a string
const STRING_REST = /[^"\\\u0000-\u001f]*"/y
const MAX_DEPTH = 32
const MAX_KEYS = 64

// the scan's state (one value at a time; nothing here is kept between calls)
let src = ''
let pos = 0
let bytes: Buffer = Buffer.alloc(0)
// one byte per character: the text's offsets are the bytes' offsets
let oneBytePerChar = false
// the keys of the objects being scanned (start/end offsets), to refuse a doubled key
const keyStarts: number[] = []
const keyEnds: number[] = []
let keyCount = 0

/**
 * toEventRow(enrichedEventSchema.parse(JSON.parse(value))) for the common gateway-written value, read
 * straight from its bytes; undefined for anything else (the caller then takes the full path).
 */
export function readCommonEventRow(value: Buffer): EventRow | undefined {
  src = value.toString('utf8')
  bytes = value
  oneBytePerChar = value.length === src.length
  pos = 0
  const row = readRow()
  src = ''
  bytes = EMPTY
  return row
}

function readRow(): EventRow | undefined {
  const head = matchAt(HEAD, HEAD_PARTS)
  const properties = head && objectText()
  const middle = properties && matchAt(MIDDLE, MIDDLE_PARTS)
  const context = middle && objectText()
  const tail = context && matchAt(TAIL, TAIL_PARTS)
  if (!tail) return undefined
  const h = head as unknown as string[]
  const m = middle as unknown as string[]
  const timestamp = +h[6]!
  const receivedAt = +h[8]!
  return {
    backend_id: h[1]!,
    event_id: h[2]!,
    app_id: h[3]!,
    category: h[4]!,
    name: h[5]!,
    timestamp: dateTimeText(timestamp),
    timestamp_ms: timestamp,
    client_timestamp_ms: +h[7]!,
    received_at: dateTimeText(receivedAt),
    received_at_ms: receivedAt,
    sent_at_ms: h[9] === 'null' ? 0 : +h[9]!,
    time_correction: h[10]!,
    ip: h[11]!,
    country: h[12]!,
    region: h[13]!,
    city: h[14]!,
    properties,
    trace_id: m[1]!,
    span_id: m[2]!,
    sdk_name: m[3]!,
    sdk_version: m[4]!,
    device_id: m[5]!,
    context,
    request_id: tail[1]!,
  }
}

/** The sticky expression's match where the scan is, its long captures made strings of their own. */
function matchAt(re: RegExp, parts: readonly Part[]): RegExpExecArray | null {
  let at = pos
  re.lastIndex = at
  const m = re.exec(src)
  if (m === null) return null
  pos = re.lastIndex
  if (oneBytePerChar) {
    for (let i = 0; i < parts.length; i++) {
      at += parts[i]![0].length
      const length = m[i + 1]!.length
      if (length >= SLICE_MIN_LENGTH) m[i + 1] = bytes.toString('utf8', at, at + length)
      at += length
    }
  }
  return m
}

const EMPTY = Buffer.alloc(0)

/** The text of a JSON object, if it is exactly what JSON.stringify(JSON.parse(text)) gives. */
function objectText(): string | undefined {
  const start = pos
  keyCount = 0
  if (src.charCodeAt(pos) !== 0x7b || !canonicalObject(1)) return undefined
  return oneBytePerChar && pos - start >= SLICE_MIN_LENGTH ? bytes.toString('utf8', start, pos) : src.slice(start, pos)
}

function canonicalValue(depth: number): boolean {
  const c = src.charCodeAt(pos)
  if (c === 0x22) {
    STRING_REST.lastIndex = pos + 1
    if (!STRING_REST.test(src)) return false
    pos = STRING_REST.lastIndex
    return true
  }
  if (c === 0x7b) return depth < MAX_DEPTH && canonicalObject(depth + 1)
  if (c === 0x5b) return depth < MAX_DEPTH && canonicalArray(depth + 1)
  if (c === 0x74) return word('true')
  if (c === 0x66) return word('false')
  if (c === 0x6e) return word('null')
  return canonicalNumber()
}

function word(w: string): boolean {
  if (!src.startsWith(w, pos)) return false
  pos += w.length
  return true
}

function canonicalObject(depth: number): boolean {
  pos++
  if (src.charCodeAt(pos) === 0x7d) return ++pos > 0
  const firstKey = keyCount
  for (;;) {
    if (src.charCodeAt(pos) !== 0x22) return false
    const start = pos + 1
    STRING_REST.lastIndex = start
    if (!STRING_REST.test(src)) return false
    const end = STRING_REST.lastIndex - 1
    const first = src.charCodeAt(start)
    // JSON.parse puts integer-like keys first ("2" before "b"): a digit-led key could be reordered
    if ((first >= 0x30 && first <= 0x39) || src.charCodeAt(end + 1) !== 0x3a) return false
    // a doubled key keeps its first place and its last value in JSON.parse's object
    if (keyCount - firstKey >= MAX_KEYS || isDoubled(firstKey, start, end)) return false
    keyStarts[keyCount] = start
    keyEnds[keyCount++] = end
    pos = end + 2
    if (!canonicalValue(depth)) return false
    const c = src.charCodeAt(pos++)
    if (c === 0x7d) {
      keyCount = firstKey
      return true
    }
    if (c !== 0x2c) return false
  }
}

function isDoubled(firstKey: number, start: number, end: number): boolean {
  const length = end - start
  for (let k = firstKey; k < keyCount; k++) {
    if (keyEnds[k]! - keyStarts[k]! !== length) continue
    if (src.startsWith(src.slice(start, end), keyStarts[k]!)) return true
  }
  return false
}

function canonicalArray(depth: number): boolean {
  pos++
  if (src.charCodeAt(pos) === 0x5d) return ++pos > 0
  for (;;) {
    if (!canonicalValue(depth)) return false
    const c = src.charCodeAt(pos++)
    if (c === 0x5d) return true
    if (c !== 0x2c) return false
  }
}

/**
 * A number JSON.stringify writes back the same: no exponent, no "-0", no trailing fraction zero, and at most
 * 15 significant digits (a decimal of ≤ 15 digits is the shortest text of its double), not below 1e-6
 * (JSON.stringify writes those with an exponent).
 */
function canonicalNumber(): boolean {
  const negative = src.charCodeAt(pos) === 0x2d
  let p = negative ? pos + 1 : pos
  const intStart = p
  while (isDigit(src.charCodeAt(p))) p++
  const intDigits = p - intStart
  const zeroInt = intDigits === 1 && src.charCodeAt(intStart) === 0x30
  if (intDigits === 0 || (intDigits > 1 && src.charCodeAt(intStart) === 0x30)) return false
  let significant = zeroInt ? 0 : intDigits
  if (src.charCodeAt(p) === 0x2e) {
    const fracStart = ++p
    while (isDigit(src.charCodeAt(p))) p++
    if (p === fracStart || src.charCodeAt(p - 1) === 0x30) return false
    let firstNonZero = fracStart
    if (zeroInt) while (src.charCodeAt(firstNonZero) === 0x30) firstNonZero++
    if (firstNonZero - fracStart > 5) return false
    significant += p - firstNonZero
  } else if (zeroInt && negative) return false
  const c = src.charCodeAt(p)
  if (significant > 15 || c === 0x65 || c === 0x45) return false
  pos = p
  return true
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39
