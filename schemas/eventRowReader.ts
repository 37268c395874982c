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

// a subset of zod's z.uuid() (as enrichedEventCommon.ts): anything else goes the full way
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const TIME_CORRECTIONS: ReadonlySet<string> = new Set(timeCorrections)
// a backslash (an escape) or a raw control character (invalid in JSON, never in canonical JSON) anywhere
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NOT_PLAIN = /[\u0000-\u001f\\]/
const MAX_DEPTH = 32
const MAX_KEYS = 64

// the scan's state (one value at a time; nothing here is kept between calls)
let src = ''
let pos = 0
// the keys of the objects being scanned (start/end offsets), to refuse a doubled key
const keyStarts: number[] = []
const keyEnds: number[] = []
let keyCount = 0

// the value's kinds (numbers: the field loop below switches on them)
const UUID_TEXT = 0
const FILLED = 1
const TEXT = 2
const COUNT = 3
const COUNT_OR_NULL = 4
const CORRECTION = 5
const OBJECT = 6
// the gateway's field order (enrichedEventSchema's): the text before each value, and the value's kind
const FIELDS: ReadonlyArray<readonly [prefix: string, kind: number]> = [
  ['{"schema_version":1,"backend_id":"', UUID_TEXT],
  [',"event_id":"', FILLED],
  [',"app_id":"', FILLED],
  [',"category":"', FILLED],
  [',"name":"', FILLED],
  [',"timestamp":', COUNT],
  [',"client_timestamp":', COUNT],
  [',"received_at":', COUNT],
  [',"sent_at":', COUNT_OR_NULL],
  [',"time_correction":"', CORRECTION],
  [',"ip":"', TEXT],
  [',"country":"', TEXT],
  [',"region":"', TEXT],
  [',"city":"', TEXT],
  [',"properties":', OBJECT],
  [',"trace_id":"', TEXT],
  [',"span_id":"', TEXT],
  [',"sdk_name":"', TEXT],
  [',"sdk_version":"', TEXT],
  [',"device_id":"', TEXT],
  [',"context":', OBJECT],
  [',"request_id":"', TEXT],
]
const PREFIXES = FIELDS.map((f) => f[0])
const KINDS = Int32Array.from(FIELDS, (f) => f[1])
const values: Array<string | number> = new Array<string | number>(KINDS.length).fill(0)

/**
 * toEventRow(enrichedEventSchema.parse(JSON.parse(value))) for the common gateway-written value, read
 * straight from its bytes; undefined for anything else (the caller then takes the full path).
 */
export function readCommonEventRow(value: Buffer): EventRow | undefined {
  src = value.toString('utf8')
  pos = 0
  if (NOT_PLAIN.test(src) || !readFields() || pos !== src.length - 1 || src.charCodeAt(pos) !== 0x7d) {
    src = ''
    return undefined
  }
  src = ''
  const v = values as [string, string, string, string, string, number, number, number, number, string, string, string, string, string, string, string, string, string, string, string, string, string]
  return {
    backend_id: v[0],
    event_id: v[1],
    app_id: v[2],
    category: v[3],
    name: v[4],
    timestamp: dateTimeText(v[5]),
    timestamp_ms: v[5],
    client_timestamp_ms: v[6],
    received_at: dateTimeText(v[7]),
    received_at_ms: v[7],
    sent_at_ms: v[8],
    time_correction: v[9],
    ip: v[10],
    country: v[11],
    region: v[12],
    city: v[13],
    properties: v[14],
    trace_id: v[15],
    span_id: v[16],
    sdk_name: v[17],
    sdk_version: v[18],
    device_id: v[19],
    context: v[20],
    request_id: v[21],
  }
}

function readFields(): boolean {
  for (let f = 0; f < KINDS.length; f++) {
    const prefix = PREFIXES[f]!
    if (!src.startsWith(prefix, pos)) return false
    pos += prefix.length
    const kind = KINDS[f]!
    let v: string | number | undefined
    if (kind === COUNT) v = count()
    else if (kind === OBJECT) v = objectText()
    else if (kind === COUNT_OR_NULL) v = src.startsWith('null', pos) ? ((pos += 4), 0) : count()
    else {
      v = stringRest()
      if (v === undefined || (kind === UUID_TEXT && !UUID.test(v)) || (kind === FILLED && v === '') || (kind === CORRECTION && !TIME_CORRECTIONS.has(v))) return false
    }
    if (v === undefined) return false
    values[f] = v
  }
  return true
}

/** The rest of a string whose opening quote was read (no escapes: NOT_PLAIN refused them). */
function stringRest(): string | undefined {
  const end = src.indexOf('"', pos)
  if (end < 0) return undefined
  const s = src.slice(pos, end)
  pos = end + 1
  return s
}

/** A non-negative integer as JSON.stringify writes it, at most 15 digits (always a safe integer). */
function count(): number | undefined {
  const start = pos
  let n = 0
  let c = src.charCodeAt(pos)
  while (c >= 0x30 && c <= 0x39) {
    n = n * 10 + (c - 0x30)
    c = src.charCodeAt(++pos)
  }
  const digits = pos - start
  if (digits === 0 || digits > 15 || (digits > 1 && src.charCodeAt(start) === 0x30)) return undefined
  return n
}

/** The text of a JSON object, if it is exactly what JSON.stringify(JSON.parse(text)) gives. */
function objectText(): string | undefined {
  const start = pos
  keyCount = 0
  return src.charCodeAt(pos) === 0x7b && canonicalObject(1) ? src.slice(start, pos) : undefined
}

function canonicalValue(depth: number): boolean {
  const c = src.charCodeAt(pos)
  if (c === 0x22) {
    const end = src.indexOf('"', pos + 1)
    pos = end + 1
    return end > 0
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
    const end = src.indexOf('"', start)
    const first = src.charCodeAt(start)
    // JSON.parse puts integer-like keys first ("2" before "b"): a digit-led key could be reordered
    if (end < 0 || (first >= 0x30 && first <= 0x39) || src.charCodeAt(end + 1) !== 0x3a) return false
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
