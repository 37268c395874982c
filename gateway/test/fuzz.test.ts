// Property-based fuzzing of every ingest route through the real Hono app (unit level: RecordingProducer, no
// Kafka). POST /v1/batch with every kind of item (generic events and the reserved categories spans, metrics,
// logs): whatever arrives — arbitrary JSON, near-valid envelopes with hostile fields, raw bytes, hostile
// headers, compressed and corrupted bodies — it answers 200/206/400/413/415 in the documented JSON shape.
// POST /v1/traces, /v1/metrics, /v1/logs: random and mutated protobuf, OTLP/JSON with hostile values in every
// field — 200 (Export*ServiceResponse) or 400/413 (google.rpc.Status). Never 5xx, never an exception, every
// refusal names its field, and Object.prototype is never touched.
//
// Reproduce a failure with the seed fast-check prints: FUZZ_SEED=<seed> npx vitest run gateway/test/fuzz.test.ts
// Scale the number of cases with FUZZ_SCALE (default 1; e.g. FUZZ_SCALE=10 for a long soak).
import * as fc from 'fast-check'
import * as zlib from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'
import type { z } from 'zod'
import { partCodes } from '../../schemas/codes.ts'
import { enrichedEventSchema } from '../../schemas/event.ts'
import { otlpExamples } from '../../schemas/examples/index.ts'
import { metricTypes, temporalities } from '../../schemas/metricPoint.ts'
import { spanKinds, statusCodes } from '../../schemas/span.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import { MAX_TIME_MS, MAX_TIME_NS, MIN_TIME_MS, MIN_TIME_NS } from '../../schemas/time.ts'
import { decodeResponse, decodeStatus, type SignalKind } from '../src/otlp/otlpProto.ts'
import type { BatchResponse } from '../src/steps/buildResponse.ts'
import { TEST_DEV_KEY, testApp } from './fakes.ts'

// ---- the app under test: one instance for every case (as in production, where state could accumulate) ----

const PEER = '10.0.0.1'
// a valid key and no rate limit: this suite is about the body and headers, not about auth (gateway/test/auth.test.ts)
const harness = testApp({ env: { TRUSTED_PROXIES: `${PEER},10.0.0.2,::1`, RATE_LIMIT_REQUESTS_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' } })
const { app, producer, config, logLines } = harness
const limits = config.limits

/** What @hono/node-server passes as env, so getConnInfo finds a peer and X-Forwarded-For is evaluated. */
type Bindings = { incoming: { socket: { remoteAddress?: string; remotePort: number; remoteFamily: string } } }
const peerOf = (address: string | undefined): Bindings | undefined =>
  address === undefined ? undefined : { incoming: { socket: { remoteAddress: address, remotePort: 40000, remoteFamily: address.includes(':') ? 'IPv6' : 'IPv4' } } }

const scale = Number(process.env.FUZZ_SCALE ?? 1) || 1
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
const runs = (n: number) => Math.max(1, Math.round(n * scale))

let cases = 0
const started = performance.now()
let failures = 0
const byStatus = new Map<number, number>()
const byPartCode = new Map<number, number>()
const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1)

// ---- a JSON AST: objects keep duplicate keys and numbers can be raw tokens (1e400, -0, 2^64, ...) ----------

class Raw {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}
class Obj {
  readonly entries: ReadonlyArray<readonly [string, J]>
  constructor(entries: ReadonlyArray<readonly [string, J]>) {
    this.entries = entries
  }
}
type J = null | boolean | number | string | Raw | Obj | J[]

function render(v: J): string {
  if (v instanceof Raw) return v.text
  if (v instanceof Obj) return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${render(x)}`).join(',')}}`
  if (Array.isArray(v)) return `[${v.map(render).join(',')}]`
  return JSON.stringify(v) ?? 'null'
}

const MISSING = Symbol('missing')
/** An object from [key, value | MISSING] pairs: MISSING drops the field. */
const obj = (pairs: ReadonlyArray<readonly [string, J | typeof MISSING]>, extra: ReadonlyArray<readonly [string, J]> = []) =>
  new Obj([...pairs.filter((p): p is [string, J] => p[1] !== MISSING), ...extra])

// ---- generators -------------------------------------------------------------------------------------------

const huge = (n: number) => 'x'.repeat(n)
const nastyStrings = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'a\udc00b\ud800', '\ufeff', '\u202e', '\u2028\u2029', '💥', 'e\u0301', '\uffff',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  'NaN', 'Infinity', '-Infinity', '-0', '1e308', '1e400', '0x10', 'null', 'true', '{}', '[]', '"', '\\', '\n', '\r\n', '\t',
  '%00', '../../etc/passwd', "'; DROP TABLE events; --", '${jndi:ldap://x/a}', '<script>alert(1)</script>', '{{7*7}}', huge(129), huge(257),
]
const bigStrings = [huge(4096), huge(33_000), huge(100_000)]
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))
/**
 * Strings joined from arbitrary units. (fc.string({ unit: <arbitrary> }) builds a reverse mapping of every
 * value when fast-check asks whether it can shrink it, which cost more than the gateway itself here.)
 */
const joined = (unit: fc.Arbitrary<string>, minLength: number, maxLength: number) => fc.array(unit, { minLength, maxLength }).map((a) => a.join(''))
const anyString = fc.oneof(
  { arbitrary: fc.string({ maxLength: 24 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 24 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }), weight: 1 },
  { arbitrary: joined(fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate), 0, 12), weight: 1 },
  { arbitrary: fc.constantFrom(...nastyStrings), weight: 3 },
)
const rawNumbers = [
  '1e308', '-1e308', '1e400', '-1e400', '1e-400', '-0', '0', '-1', '0.5', '9007199254740993', '123456789012345678901234567890',
  '18446744073709551616', '1764064800000.0', '1.7640648e12', '1764064800000.5', '1E+2', `${MIN_TIME_MS - 1}`, `${MAX_TIME_MS + 1}`,
  `${MIN_TIME_MS}`, `${MAX_TIME_MS}`, '4.9e-324', '1.7976931348623157e308',
].map((t) => new Raw(t))
const numbers: fc.Arbitrary<J> = fc.oneof(
  fc.constantFrom(...rawNumbers),
  fc.integer(),
  fc.double({ noDefaultInfinity: true, noNaN: true }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((b) => new Raw(b.toString())),
)
/** JSON text that is not JSON (raw control characters, NaN, comments...): the whole body becomes malformed. */
const brokenTokens = ['NaN', 'Infinity', 'undefined', "'x'", '"a\u0000b"', '"\n"', '01', '+1', '.5', '1.', '0x1F', '/*c*/1', 'tru', '"\\x41"', '"\\u12"'].map((t) => new Raw(t))

const hostileKey = fc.oneof(
  { arbitrary: fc.string({ maxLength: 8 }), weight: 4 },
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'length', '0', '', 'polluted', 'id', 'name'), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 6 }), weight: 1 },
  { arbitrary: fc.constant('k'), weight: 1 }, // duplicates
)
const deepArray = fc.integer({ min: 2, max: 12_000 }).map((n) => new Raw('['.repeat(n) + ']'.repeat(n)))
const deepObject = fc.integer({ min: 2, max: 12_000 }).map((n) => new Raw('{"a":'.repeat(n) + '1' + '}'.repeat(n)))
const manyKeys = fc.integer({ min: 100, max: 3000 }).map((n) => new Obj(Array.from({ length: n }, (_, i) => [`k${i}`, i] as const)))
/** zod compares a wrong-typed value's `length` as a number: a deep array there once overflowed the stack (500). */
const lengthBomb = deepArray.map((d) => new Obj([['length', d]]))
const protoObject = fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.constantFrom<J>(new Obj([['polluted', true]]), new Obj([['prototype', new Obj([['polluted', 1]])]]), 'x', null, []))
  .map(([k, v]) => new Obj([[k, v], ['polluted', false], [k, v]]))

const { value: smallHostile, object: hostileObject } = fc.letrec<{ value: J; object: J; array: J }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    { arbitrary: fc.oneof(anyString, numbers, fc.boolean(), fc.constant(null)), weight: 8 },
    { arbitrary: tie('object'), weight: 3 },
    { arbitrary: tie('array'), weight: 2 },
    { arbitrary: protoObject, weight: 1 },
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 6 }).map((e) => new Obj(e)),
}))

/** Small hostile values, and now and then a big one (deep, wide, long). */
const bigHostile: fc.Arbitrary<J> = fc.oneof(deepArray, deepObject, lengthBomb, manyKeys, fc.constantFrom(...bigStrings), fc.constantFrom(...brokenTokens))
const hostileJson: fc.Arbitrary<J> = fc.oneof({ arbitrary: smallHostile, weight: 12 }, { arbitrary: bigHostile, weight: 1 })

/**
 * A valid value most of the time, else a hostile one (the field's own edge cases or any hostile JSON) or the
 * field left out: about 5% of fields are broken, so most batches get past the envelope to per-event checks.
 */
function field(valid: fc.Arbitrary<J>, edge?: fc.Arbitrary<J>): fc.Arbitrary<J | typeof MISSING> {
  const hostile = edge ? fc.oneof(edge, hostileJson) : hostileJson
  return fc.oneof({ arbitrary: valid, weight: 38 }, { arbitrary: hostile, weight: 2 }, { arbitrary: fc.constant(MISSING), weight: 1 })
}
/** An optional field: left out, valid, or hostile. */
function optional(valid: fc.Arbitrary<J>, edge?: fc.Arbitrary<J>): fc.Arbitrary<J | typeof MISSING> {
  const hostile = edge ? fc.oneof(edge, hostileJson) : hostileJson
  return fc.oneof({ arbitrary: fc.constant(MISSING), weight: 18 }, { arbitrary: valid, weight: 18 }, { arbitrary: hostile, weight: 2 })
}

const hex = (n: number) => fc.bigInt({ min: 0n, max: 16n ** BigInt(n) - 1n }).map((b) => b.toString(16).padStart(n, '0'))
const timestamp: fc.Arbitrary<J> = fc.oneof(
  fc.integer({ min: MIN_TIME_MS, max: MAX_TIME_MS }),
  fc.date({ min: new Date(MIN_TIME_MS), max: new Date(MAX_TIME_MS), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom<J>('2025-11-25T10:00:01.250Z', '2025-11-25 10:00:01+02:00', '2025-11-25T10:00:01.123456789z', '2026-02-30T00:00:00Z', '2025-11-25T24:00:00Z'),
)
const badTimestamp: fc.Arbitrary<J> = fc.oneof(
  numbers,
  anyString,
  fc.constantFrom<J>('2026-13-45T99:99:99Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '2025-11-25T10:00:00+25:00', '2025-11-25', ' 2025-11-25T10:00:00Z', 'NaN', 'Infinity', '1e308', '-0', ''),
)
const eventId = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('dup', 'dup', 'x\u0000y', '\ud800', huge(128), '😀'.repeat(128), 'a' + '😀'.repeat(127)))
const event: fc.Arbitrary<J> = fc
  .record({
    id: field(eventId, fc.constantFrom('', huge(129), 'a' + '😀'.repeat(128))),
    name: field(fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }), fc.constantFrom('page_view', 'n\u0000', huge(256))), fc.constantFrom('', huge(257))),
    timestamp: field(timestamp, badTimestamp),
    ip: optional(fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('::ffff:8.8.8.8', 'fe80::1%eth0', ' 8.8.8.8 ')), fc.oneof(fc.ipV4Extended(), fc.constantFrom('999.1.1.1', '', '::ffff:999.1.1.1', '1.2.3.4/24'))),
    properties: optional(fc.oneof({ arbitrary: hostileObject, weight: 8 }, { arbitrary: protoObject, weight: 2 }), fc.oneof(manyKeys, deepObject, lengthBomb)),
    trace_id: optional(hex(32), fc.constantFrom('0'.repeat(32), 'A'.repeat(32), 'a'.repeat(31))),
    span_id: optional(hex(16), fc.constantFrom('0'.repeat(16), 'A'.repeat(16), 'a'.repeat(17))),
    extra: fc.oneof({ arbitrary: fc.constant([] as [string, J][]), weight: 16 }, { arbitrary: fc.array(fc.tuple(hostileKey, hostileJson), { minLength: 1, maxLength: 3 }), weight: 1 }),
  })
  .map(({ extra, ...f }) => obj(Object.entries(f), extra))
const anyEvent = fc.oneof({ arbitrary: event, weight: 20 }, { arbitrary: hostileJson, weight: 1 })

const category = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/), fc.constantFrom('web', 'node.runtime', 'a', 'c'.repeat(64)))
const meta: fc.Arbitrary<J> = fc
  .record({
    app_id: field(fc.oneof(fc.string({ minLength: 1, maxLength: 16 }), fc.constantFrom('shop-web', 'a\u0000', '\ud800', huge(128))), fc.constantFrom('', huge(129))),
    category: field(category, fc.constantFrom<J>('a/b', 'c'.repeat(65), 'web\u0000', '', 'wéb', '{category}')),
    sdk: optional(fc.record({ name: field(fc.string({ minLength: 1, maxLength: 8 })), version: field(fc.constantFrom('1.4.0', '0.0.1-rc.1', 'v'.repeat(64)), fc.constantFrom('', 'v'.repeat(65))) }).map((r) => obj(Object.entries(r)))),
    sent_at: optional(timestamp, badTimestamp),
    device_id: optional(fc.string({ minLength: 1, maxLength: 16 }), fc.constantFrom('', huge(129))),
    context: optional(fc.oneof({ arbitrary: hostileObject, weight: 8 }, { arbitrary: protoObject, weight: 2 }), fc.oneof(manyKeys, deepObject, fc.constant(new Obj([['blob', huge(40_000)]])))),
    extra: fc.oneof({ arbitrary: fc.constant([] as [string, J][]), weight: 20 }, { arbitrary: fc.array(fc.tuple(hostileKey, hostileJson), { minLength: 1, maxLength: 2 }), weight: 1 }),
  })
  .map(({ extra, ...f }) => obj(Object.entries(f), extra))
const data: fc.Arbitrary<J> = fc.oneof(
  { arbitrary: fc.array(anyEvent, { minLength: 1, maxLength: 6 }), weight: 80 },
  { arbitrary: fc.constant<J>([]), weight: 3 },
  { arbitrary: fc.integer({ min: limits.eventsPerBatch - 1, max: limits.eventsPerBatch + 2 }).map((n) => Array.from({ length: n }, (_, i) => new Obj([['id', `e${i}`], ['name', 'n'], ['timestamp', MIN_TIME_MS + i]]))), weight: 1 },
  { arbitrary: hostileJson, weight: 5 },
)
/** `arb` once in `n` cases, else null. */
const rarely = <T>(arb: fc.Arbitrary<T>, n: number) => fc.oneof({ arbitrary: fc.constant(null), weight: n - 1 }, { arbitrary: arb, weight: 1 })
/** { meta, data }, sometimes with duplicate or extra top-level keys, sometimes with meta replaced. */
const envelope: fc.Arbitrary<J> = fc
  .record({
    meta: field(meta),
    data: field(data),
    dupMeta: rarely(meta, 20),
    dupData: rarely(data, 20),
    extra: rarely(fc.tuple(hostileKey, hostileJson), 10),
  })
  .map(({ meta: m, data: d, dupMeta, dupData, extra }) =>
    obj([['meta', m], ['data', d], ...(dupMeta ? [['meta', dupMeta] as const] : []), ...(dupData ? [['data', dupData] as const] : [])], extra ? [extra] : []),
  )
const envelopeText = envelope.map(render)

// ---- typed items: /v1/batch with the reserved categories, every field now and then hostile ------------------

/** Record of fields (MISSING drops one), plus now and then unknown hostile fields. */
const extraFields = fc.oneof({ arbitrary: fc.constant([] as [string, J][]), weight: 16 }, { arbitrary: fc.array(fc.tuple(hostileKey, hostileJson), { minLength: 1, maxLength: 2 }), weight: 1 })
const record = <T extends Record<string, fc.Arbitrary<J | typeof MISSING>>>(fields: T) =>
  fc.record({ ...fields, extra: extraFields }).map(({ extra, ...f }) => obj(Object.entries(f) as Array<[string, J | typeof MISSING]>, extra as ReadonlyArray<readonly [string, J]>))
const MID_TIME_NS = (MIN_TIME_NS + MAX_TIME_NS) / 2n
const earlyNanos: fc.Arbitrary<J> = fc.bigInt({ min: MIN_TIME_NS, max: MID_TIME_NS }).map(String)
const lateNanos: fc.Arbitrary<J> = fc.bigInt({ min: MID_TIME_NS, max: MAX_TIME_NS }).map(String)
const badNanos: fc.Arbitrary<J> = fc.oneof(numbers, anyString, fc.constantFrom<J>('0', '-1', '18446744073709551616', '99999999999999999999', '1e18', '', ' 1764064800000000000'))
const attributesField = optional(hostileObject, fc.oneof(manyKeys, deepObject, lengthBomb, protoObject))
const shortText = (max: number) => fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('x'.repeat(max)))
const scopeField = optional(record({ name: field(fc.string({ maxLength: 12 }), fc.constantFrom(huge(257))), version: optional(fc.string({ maxLength: 8 }), fc.constantFrom(huge(129))) }))
const finiteNumber: fc.Arbitrary<J> = fc.double({ noDefaultInfinity: true, noNaN: true })

const typedItem = {
  spans: record({
    trace_id: field(hex(32), fc.constantFrom('0'.repeat(32), 'A'.repeat(32), 'a'.repeat(31))),
    span_id: field(hex(16), fc.constantFrom('0'.repeat(16), 'A'.repeat(16), 'a'.repeat(17))),
    parent_span_id: optional(fc.oneof(hex(16), fc.constant('')), fc.constantFrom('0'.repeat(16), 'zz')),
    name: field(shortText(1024), fc.constantFrom('', huge(1025))),
    kind: optional(fc.constantFrom<J>(...spanKinds), fc.constantFrom<J>('SPAN_KIND_SERVER', 'Server', 7)),
    start_time_unix_nano: field(earlyNanos, badNanos),
    end_time_unix_nano: field(lateNanos, badNanos),
    status: optional(record({ code: field(fc.constantFrom<J>(...statusCodes), fc.constantFrom<J>('OK', 2)), message: optional(anyString, fc.constantFrom(huge(4097))) })),
    service: optional(shortText(256), fc.constantFrom('', huge(257))),
    attributes: attributesField,
    resource_attributes: attributesField,
    events: optional(fc.array(record({ name: field(fc.string({ maxLength: 8 })), time_unix_nano: field(earlyNanos, badNanos), attributes: attributesField }), { maxLength: 3 })),
    links: optional(fc.array(record({ trace_id: field(hex(32)), span_id: field(hex(16)), attributes: attributesField }), { maxLength: 2 })),
    scope: scopeField,
  }),
  metrics: record({
    id: optional(shortText(128), fc.constantFrom('', huge(129))),
    name: field(shortText(256), fc.constantFrom('', huge(257))),
    type: field(fc.constantFrom<J>(...metricTypes), fc.constantFrom<J>('summary', 'GAUGE')),
    unit: optional(fc.constantFrom('ms', 'By', '1'), fc.constantFrom(huge(65))),
    description: optional(fc.string({ maxLength: 20 }), fc.constantFrom(huge(1025))),
    service: optional(shortText(256)),
    time_unix_nano: field(lateNanos, badNanos),
    start_time_unix_nano: optional(earlyNanos, badNanos),
    value: optional(finiteNumber, fc.constantFrom<J>(new Raw('1e400'), '1', null)),
    temporality: optional(fc.constantFrom<J>(...temporalities)),
    is_monotonic: optional(fc.boolean()),
    count: optional(fc.nat(), fc.constantFrom<J>(-1, 0.5, new Raw('1e400'))),
    sum: optional(finiteNumber),
    min: optional(finiteNumber),
    max: optional(finiteNumber),
    bucket_counts: optional(fc.array(fc.nat(), { maxLength: 4 }), fc.constant<J>(Array.from({ length: 513 }, () => 1))),
    explicit_bounds: optional(fc.array(finiteNumber, { maxLength: 3 })),
    attributes: attributesField,
    resource_attributes: attributesField,
    scope: scopeField,
  }),
  logs: record({
    id: optional(shortText(128), fc.constantFrom('', huge(129))),
    time_unix_nano: field(lateNanos, badNanos),
    observed_time_unix_nano: optional(lateNanos, badNanos),
    severity_number: optional(fc.integer({ min: 0, max: 24 }), fc.constantFrom<J>(25, -1, 1.5)),
    severity_text: optional(fc.constantFrom('INFO', 'ERROR'), fc.constantFrom(huge(33))),
    body: optional(fc.oneof(anyString, hostileObject), fc.oneof(deepArray, deepObject, lengthBomb)),
    event_name: optional(fc.string({ maxLength: 12 }), fc.constantFrom(huge(257))),
    trace_id: optional(hex(32), fc.constantFrom('0'.repeat(32), 'A'.repeat(32))),
    span_id: optional(hex(16), fc.constantFrom('0'.repeat(16), 'A'.repeat(16))),
    service: optional(shortText(256), fc.constantFrom('')),
    attributes: attributesField,
    resource_attributes: attributesField,
    scope: scopeField,
  }),
}
const TYPED_CATEGORIES = ['spans', 'metrics', 'logs'] as const
const typedEnvelopeText = fc.constantFrom(...TYPED_CATEGORIES).chain((cat) =>
  fc
    .record({
      app_id: field(fc.string({ minLength: 1, maxLength: 16 }), fc.constantFrom('', huge(129))),
      data: fc.oneof({ arbitrary: fc.array(fc.oneof({ arbitrary: typedItem[cat], weight: 20 }, { arbitrary: hostileJson, weight: 1 }), { minLength: 1, maxLength: 5 }), weight: 30 }, { arbitrary: hostileJson, weight: 1 }),
    })
    .map(({ app_id, data: d }) => render(obj([['meta', obj([['app_id', app_id], ['category', cat]])], ['data', d]]))),
)

// header values within what undici's Headers accepts (bytes up to 0xFF, no NUL, CR, LF); a real server refuses the rest earlier
const headerChar = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09)).map((c) => String.fromCharCode(c))
const headerValue = fc.oneof(
  joined(headerChar, 0, 40),
  joined(headerChar, 200, 2000),
  fc.constantFrom('\u00ff\u00fe', ' ', ',', ';', '=', '""'),
  fc.constant('x'.repeat(8192)),
)
const tokenChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&\'*+-.^_`|~')
const FORBIDDEN_NAMES = new Set(['content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'host', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer'])
const headerName = joined(tokenChar, 1, 24).filter((n) => !FORBIDDEN_NAMES.has(n.toLowerCase()))

const contentType = fc.oneof(
  { arbitrary: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', 'text/plain;charset=UTF-8', 'APPLICATION/JSON', ' application/json ', 'application/json;', 'application/json; charset=utf-16'), weight: 6 },
  { arbitrary: fc.constantFrom('application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', ';', 'application/jsonx', 'application/json, text/plain', '*/*', 'application/*', 'text/html', 'application/ld+json'), weight: 2 },
  { arbitrary: headerValue, weight: 1 },
)
const encodings = ['gzip', 'x-gzip', 'deflate', 'br', ...(typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function' ? ['zstd'] : [])]
const contentEncoding = fc.oneof(
  { arbitrary: fc.constantFrom('identity', '', 'IDENTITY', ' identity '), weight: 4 },
  { arbitrary: fc.constantFrom(...encodings, 'GZIP', ' gzip ', 'Br'), weight: 2 }, // valid names on an uncompressed body
  { arbitrary: fc.constantFrom('gzip, br', 'identity, gzip', 'compress', '*', 'chunked', 'x-compress', 'zstd;q=1', 'gzip;'), weight: 1 },
  { arbitrary: headerValue, weight: 1 },
)
const requestId = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/), fc.constantFrom('req-123', 'x'.repeat(128), 'x'.repeat(129), '../etc', 'a b', 'ünïcode'), headerValue)
const traceparent = fc.oneof(
  fc.tuple(hex(2), hex(32), hex(16), hex(2)).map((p) => p.join('-')),
  fc.tuple(hex(2), hex(32), hex(16), hex(2), joined(headerChar, 0, 10)).map(([a, b, c, d, e]) => `${a}-${b}-${c}-${d}-${e}`),
  fc.constantFrom('00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'),
  headerValue,
)
const forwardedFor = fc.oneof(
  fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('10.0.0.2', '::1', 'unknown', '', ' ', '::ffff:10.0.0.2', '1.2.3.4:80', '[::1]'), joined(headerChar, 0, 12)), { maxLength: 8 }).map((a) => a.join(',')),
  fc.array(fc.ipV4(), { minLength: 50, maxLength: 300 }).map((a) => a.join(', ')),
  headerValue,
)
const peer = fc.constantFrom(undefined, PEER, '10.0.0.2', '::1', '::ffff:10.0.0.1', '203.0.113.9', 'not-an-ip', '')

// bodies as bytes
const utf8 = (s: string) => new TextEncoder().encode(s)
const INVALID_UTF8 = [
  [0xff], [0xfe], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xf0, 0x80, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xbf], [0xe2, 0x82], [0xc3],
].map((b) => new Uint8Array(b))
const splice = (a: Uint8Array, at: number, insert: Uint8Array, remove = 0) => {
  const i = Math.min(at, a.length)
  return Buffer.concat([a.subarray(0, i), insert, a.subarray(Math.min(a.length, i + remove))])
}
const rawBody = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.tuple(envelopeText, fc.nat()).map(([t, n]) => {
    const b = utf8(t)
    return b.subarray(0, n % (b.length + 1)) // truncated, maybe mid character
  }),
  fc.tuple(envelopeText, fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([t, n, bad]) => {
    const b = utf8(t)
    return splice(b, n % (b.length + 1), bad)
  }),
  fc.tuple(envelopeText, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([t, n, bytes]) => {
    const b = utf8(t)
    return splice(b, n % (b.length + 1), bytes, 1) // one byte replaced by random bytes
  }),
  fc.tuple(envelopeText, fc.constantFrom('\u0000', ' x', '}', ']', '\ufeff', ',', '\n{}')).map(([t, tail]) => utf8(t + tail)),
  envelopeText.map((t) => utf8('\ufeff' + t)), // BOM: allowed
  envelopeText.map((t) => Buffer.from('\ufeff' + t, 'utf16le')), // UTF-16: refused as invalid UTF-8
  envelopeText.map((t) => Buffer.from(t, 'latin1')),
)

type Compressor = (b: Uint8Array) => Buffer
const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: Compressor }).zstdCompressSync
const compressors: Record<string, Compressor> = {
  gzip: (b) => zlib.gzipSync(b),
  'x-gzip': (b) => zlib.gzipSync(b),
  deflate: (b) => zlib.deflateSync(b),
  'deflate-raw': (b) => zlib.deflateRawSync(b),
  br: (b) => zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
  ...(zstdCompressSync ? { zstd: zstdCompressSync } : {}),
}
const corruption = fc.oneof(
  { arbitrary: fc.constant((b: Buffer) => b), weight: 3 },
  { arbitrary: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips) => (b: Buffer) => {
    const c = Buffer.from(b)
    for (const [at, x] of flips) if (c.length > 0) c[at % c.length]! ^= x
    return c
  }), weight: 2 },
  { arbitrary: fc.nat().map((n) => (b: Buffer) => b.subarray(0, n % Math.max(1, b.length))), weight: 2 },
  { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 16 }).map((g) => (b: Buffer) => Buffer.concat([b, g])), weight: 1 },
  { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 16 }).map((g) => (b: Buffer) => Buffer.concat([g, b])), weight: 1 },
)
const compressed = fc
  .record({
    text: fc.oneof({ arbitrary: envelopeText, weight: 4 }, { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)), weight: 1 }),
    algorithm: fc.constantFrom(...Object.keys(compressors)),
    // usually the header names the algorithm used, sometimes another one (gzip data labelled br, ...)
    label: rarely(fc.constantFrom(...encodings), 5),
    labelCase: fc.constantFrom((s: string) => s, (s: string) => s.toUpperCase(), (s: string) => ` ${s} `),
    corrupt: corruption,
  })
  .map(({ text, algorithm, label, labelCase, corrupt }) => ({
    body: corrupt(compressors[algorithm]!(utf8(text))),
    encoding: labelCase(label ?? (algorithm === 'deflate-raw' ? 'deflate' : algorithm)),
  }))

// ---- the oracle -------------------------------------------------------------------------------------------

const NOTHING = Symbol('not decodable')
const decoder = new TextDecoder('utf-8', { fatal: true })
/** The JSON the gateway sees for this body, decoded independently of the gateway's code. */
function seenJson(body: Uint8Array, encoding: string | undefined): unknown {
  const enc = (encoding ?? 'identity').trim().toLowerCase() || 'identity'
  const opts = { maxOutputLength: limits.decompressedBytes }
  const inflate = (b: Buffer) => {
    try {
      return zlib.inflateSync(b, opts)
    } catch {
      return zlib.inflateRawSync(b, opts)
    }
  }
  const decompress: Record<string, (b: Buffer) => Buffer> = {
    identity: (b) => b,
    gzip: (b) => zlib.gunzipSync(b, opts),
    'x-gzip': (b) => zlib.gunzipSync(b, opts),
    deflate: inflate,
    br: (b) => zlib.brotliDecompressSync(b, opts),
    zstd: (b) => (zlib as unknown as { zstdDecompressSync: (b: Buffer, o: object) => Buffer }).zstdDecompressSync(b, opts),
  }
  try {
    const f = decompress[enc]
    return f ? JSON.parse(decoder.decode(f(Buffer.from(body)))) : NOTHING
  } catch {
    return NOTHING
  }
}
/** The gateway's rule for the id echoed in a part. */
function idOf(item: unknown, field: string): string {
  const id = typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>)[field] : undefined
  return typeof id === 'string' && Object.hasOwn(item as object, field) ? id.slice(0, 128) : ''
}

const ALLOWED_STATUS = new Set([200, 206, 400, 413, 415])
const PART_CODES = new Set<number>(Object.values(partCodes).map((c) => c.code))
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[57][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

type Case = { body: Uint8Array | string; headers: Record<string, string>; peer?: string }

/** A failed expectation, with the answer attached (vitest's expect() costs more than the gateway per case). */
function ok(cond: unknown, what: string, detail: () => unknown = () => undefined): asserts cond {
  if (!cond) throw new Error(`${what}: ${JSON.stringify(detail())?.slice(0, 600)}`)
}

async function check(c: Case): Promise<void> {
  cases++
  // app.request resolves through microtasks only: let timers and vitest's worker RPC run now and then
  if (cases % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
  producer.sent.length = 0
  logLines.length = 0
  try {
    const body = typeof c.body === 'string' ? utf8(c.body) : c.body
    const res = await app.request('/v1/batch', { method: 'POST', headers: { ...c.headers, authorization: `Bearer ${TEST_DEV_KEY}` }, body: body as Uint8Array<ArrayBuffer> }, peerOf(c.peer))
    const text = await res.text()
    const answer = () => ({ status: res.status, body: text.slice(0, 400) })
    ok(ALLOWED_STATUS.has(res.status), 'status outside 200/206/400/413/415', answer)
    ok(res.headers.get('content-type')?.startsWith('application/json'), 'content-type', answer)
    const given = new Headers(c.headers).get('x-request-id')
    const rid = res.headers.get('x-request-id')
    ok(given !== null && REQUEST_ID.test(given) ? rid === given : UUID.test(rid ?? ''), 'X-Request-ID', () => ({ given, rid }))

    const out = JSON.parse(text) as BatchResponse
    bump(byStatus, res.status)
    ok(typeof out.message === 'string' && out.message.length > 0, 'message', answer)
    ok(typeof out.retryable === 'boolean', 'retryable', answer)
    ok(Array.isArray(out.parts), 'parts', answer)
    ok(out.code === (res.status === 200 ? 0 : res.status === 206 ? 1 : 2), 'code for the status', answer)
    let accepted = 0
    for (const p of out.parts) {
      bump(byPartCode, p.code)
      ok(PART_CODES.has(p.code) && typeof p.id === 'string' && typeof p.retryable === 'boolean', 'part shape', () => p)
      ok(typeof p.message === 'string' && p.message.length > 0, 'part message', () => p)
      ok(!FIELD_CODES.has(p.code) || namesField(p.message), 'refusal names the field', () => p)
      ok(p.code === 0 ? UUID.test(p.backend_id) : p.backend_id === '', 'part backend_id', () => p)
      if (p.code === 0) accepted++
    }
    const n = out.parts.length
    if (res.status === 200) ok(n > 0 && accepted === n, '200 with a refused part', answer)
    if (res.status === 206) ok(accepted > 0 && accepted < n, '206 without a mix', answer)
    if (res.status === 400) ok(accepted === 0, '400 with an accepted part', answer)
    if (res.status === 413 || res.status === 415) ok(n === 0, 'parts on a whole-request refusal', answer)
    if (n > 0) {
      // one part per item of data, in order, echoing the item's id
      const seen = seenJson(body, new Headers(c.headers).get('content-encoding') ?? undefined)
      const items = typeof seen === 'object' && seen !== null ? (seen as { data?: unknown }).data : undefined
      ok(Array.isArray(items), 'parts for a body without a data array', answer)
      ok(n === items.length, 'one part per event', () => ({ parts: n, events: items.length }))
      // the id as sent (validated events) or its first 128 UTF-16 units (refused before validation); a span's is its span_id
      const idField = (seen as { meta?: { category?: unknown } }).meta?.category === 'spans' ? 'span_id' : 'id'
      out.parts.forEach((p, i) => ok(p.id === idOf(items[i], idField) || p.id === (items[i] as Record<string, unknown>)[idField], 'part id echoes the item id', () => ({ i, part: p.id, item: items[i] })))
    }
    // exactly the accepted events went to Kafka, each a valid enriched item of its topic's type
    ok(producedCount() === accepted, 'produced = accepted', () => ({ produced: producedCount(), accepted }))
    checkProduced()
  } catch (err) {
    failures++
    throw err
  }
}

/** Part codes of refusals about the item's content: their message names the field (or the limit) at fault. */
const FIELD_CODES = new Set<number>([1001, 1002, 1003, 1004, 1006].filter((c) => PART_CODES.has(c)))
const FIELD_NAMED = [
  /(^|: |; )[a-z_]+(\.[a-zA-Z0-9_]+)*: /, // describeIssues: "path.to.field: rule"
  /unknown field\(s\) "/,
  /must be a JSON object/, // the item itself is not an object: it is the field
  /\((LIMIT_[A-Z_]+)\)/, // size and shape limits name the limit ("properties nest 9 levels deep, limit 6 (LIMIT_PROPERTY_DEPTH)")
  /^ip "/,
]
const namesField = (message: string) => FIELD_NAMED.some((r) => r.test(message))

const producedCount = () => producer.items().length
/** The enriched schema of a topic's type: telemetry.<category>. */
function schemaOfTopic(topic: string): z.ZodType {
  const type = typeForCategory(topic.replace(/^telemetry\./, ''))
  return type ? type.enrichedSchema : enrichedEventSchema
}
/** Every produced message is a valid enriched item of its topic's type; nothing was logged as an error. */
function checkProduced() {
  for (const m of producer.items()) {
    const parsed = schemaOfTopic(m.topic).safeParse(JSON.parse(m.value))
    ok(parsed.success, `produced item is a valid enriched item of ${m.topic}`, () => [parsed.error?.message, m.value.slice(0, 300)])
  }
  ok(!logLines.some((l) => l.includes('"level":"error"')), 'error logged', () => logLines.filter((l) => l.includes('"level":"error"')))
}

const assertOpts = (numRuns: number) => ({ numRuns, ...(seed === undefined ? {} : { seed }) })
const json = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...extra })

// ---- OTLP: /v1/traces, /v1/metrics, /v1/logs in protobuf and JSON ----------------------------------------------

// the request messages, loaded independently of the gateway's otlpProto.ts, to build protobuf bodies
const otlpRoot = protobuf.parse(readFileSync(new URL('../../schemas/otlp/otlp.proto', import.meta.url), 'utf8'), { keepCase: false }).root
const requestType = {
  traces: otlpRoot.lookupType('otlp.ExportTraceServiceRequest'),
  metrics: otlpRoot.lookupType('otlp.ExportMetricsServiceRequest'),
  logs: otlpRoot.lookupType('otlp.ExportLogsServiceRequest'),
}
const SIGNALS = ['traces', 'metrics', 'logs'] as const satisfies readonly SignalKind[]
const categoryOfSignal = { traces: 'spans', metrics: 'metrics', logs: 'logs' } as const

const otlpNanos: fc.Arbitrary<J> = fc.oneof({ arbitrary: fc.oneof(earlyNanos, lateNanos), weight: 6 }, { arbitrary: fc.integer({ min: 0 }), weight: 1 }, { arbitrary: badNanos, weight: 1 })
const { anyValue: otlpAnyValue } = fc.letrec<{ anyValue: J; kv: J }>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small' },
    { arbitrary: record({ stringValue: field(anyString) }), weight: 6 },
    { arbitrary: record({ intValue: field(fc.oneof(fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String))) }), weight: 2 },
    { arbitrary: record({ doubleValue: field(numbers) }), weight: 1 },
    { arbitrary: record({ boolValue: field(fc.boolean()) }), weight: 1 },
    { arbitrary: record({ bytesValue: field(fc.base64String({ maxLength: 12 })) }), weight: 1 },
    { arbitrary: record({ arrayValue: field(record({ values: field(fc.array(tie('anyValue'), { maxLength: 3 })) })) }), weight: 1 },
    { arbitrary: record({ kvlistValue: field(record({ values: field(fc.array(tie('kv'), { maxLength: 3 })) })) }), weight: 1 },
    { arbitrary: hostileJson, weight: 1 },
  ),
  kv: record({ key: field(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('service.name', '__proto__'))), value: field(tie('anyValue')) }),
}))
const otlpKv = record({ key: field(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('service.name', '__proto__', 'constructor'))), value: field(otlpAnyValue) })
const otlpAttributes = optional(fc.array(otlpKv, { maxLength: 4 }))
const otlpId = (bytes: number) => field(hex(bytes * 2), fc.constantFrom<J>('', 'zz', '0'.repeat(bytes * 2), 'A'.repeat(bytes * 2), 7))
const otlpScope = optional(record({ name: field(fc.string({ maxLength: 12 })), version: optional(fc.string({ maxLength: 8 })) }))
const otlpResource = optional(record({ attributes: otlpAttributes }))

const otlpSpan = record({
  traceId: otlpId(16),
  spanId: otlpId(8),
  parentSpanId: optional(hex(16)),
  name: field(shortText(1024), fc.constantFrom('', huge(1025))),
  kind: optional(fc.integer({ min: 0, max: 5 }), fc.constantFrom<J>(9, 'SPAN_KIND_SERVER', 'server')),
  startTimeUnixNano: field(earlyNanos, badNanos),
  endTimeUnixNano: field(lateNanos, badNanos),
  attributes: otlpAttributes,
  events: optional(fc.array(record({ timeUnixNano: field(otlpNanos), name: field(fc.string({ maxLength: 8 })), attributes: otlpAttributes }), { maxLength: 2 })),
  links: optional(fc.array(record({ traceId: otlpId(16), spanId: otlpId(8), attributes: otlpAttributes }), { maxLength: 2 })),
  status: optional(record({ code: optional(fc.integer({ min: 0, max: 2 }), fc.constantFrom<J>(5, 'STATUS_CODE_ERROR')), message: optional(anyString) })),
})
const numberPoint = record({
  timeUnixNano: field(lateNanos, badNanos),
  startTimeUnixNano: optional(earlyNanos, badNanos),
  asDouble: optional(finiteNumber, fc.constantFrom<J>('NaN', 'Infinity', new Raw('1e400'))),
  asInt: optional(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String)),
  attributes: otlpAttributes,
})
const histogramPoint = record({
  timeUnixNano: field(lateNanos, badNanos),
  startTimeUnixNano: optional(earlyNanos),
  count: field(fc.nat().map(String), fc.constantFrom<J>('-1', 'x')),
  sum: optional(finiteNumber),
  min: optional(finiteNumber),
  max: optional(finiteNumber),
  bucketCounts: optional(fc.array(fc.nat().map(String), { maxLength: 4 })),
  explicitBounds: optional(fc.array(finiteNumber, { maxLength: 3 })),
  attributes: otlpAttributes,
})
const dataPoints = (point: fc.Arbitrary<J>) => field(fc.array(point, { maxLength: 3 }))
const otlpMetric = fc
  .record({
    base: fc.record({ name: field(shortText(256), fc.constantFrom('', huge(257))), unit: optional(fc.constantFrom('ms', 'By')), description: optional(fc.string({ maxLength: 16 })) }),
    data: fc.oneof(
      record({ dataPoints: dataPoints(numberPoint) }).map((d): [string, J] => ['gauge', d]),
      record({ dataPoints: dataPoints(numberPoint), aggregationTemporality: optional(fc.integer({ min: 0, max: 3 })), isMonotonic: optional(fc.boolean()) }).map((d): [string, J] => ['sum', d]),
      record({ dataPoints: dataPoints(histogramPoint), aggregationTemporality: optional(fc.integer({ min: 0, max: 2 })) }).map((d): [string, J] => ['histogram', d]),
      fc.tuple(fc.constantFrom('exponentialHistogram', 'summary'), record({ dataPoints: dataPoints(record({ timeUnixNano: field(lateNanos) })) })),
    ),
  })
  .map(({ base, data }) => obj([...Object.entries(base), [data[0] as string, data[1]]]))
const otlpLogRecord = record({
  timeUnixNano: field(otlpNanos),
  observedTimeUnixNano: optional(otlpNanos),
  severityNumber: optional(fc.integer({ min: 0, max: 24 }), fc.constantFrom<J>(25, -1, 'SEVERITY_NUMBER_INFO')),
  severityText: optional(fc.constantFrom('INFO', 'WARN'), fc.constantFrom(huge(33))),
  body: optional(otlpAnyValue),
  eventName: optional(fc.string({ maxLength: 12 })),
  traceId: optional(hex(32), fc.constantFrom<J>('zz', 'A'.repeat(32))),
  spanId: optional(hex(16), fc.constantFrom<J>('zz', '0'.repeat(16))),
  attributes: otlpAttributes,
})
const otlpList = (item: fc.Arbitrary<J>) => field(fc.array(fc.oneof({ arbitrary: item, weight: 12 }, { arbitrary: hostileJson, weight: 1 }), { maxLength: 4 }))
const otlpRequest: Record<SignalKind, fc.Arbitrary<J>> = {
  traces: record({ resourceSpans: field(fc.array(record({ resource: otlpResource, scopeSpans: field(fc.array(record({ scope: otlpScope, spans: otlpList(otlpSpan) }), { maxLength: 2 })) }), { maxLength: 2 })) }),
  metrics: record({ resourceMetrics: field(fc.array(record({ resource: otlpResource, scopeMetrics: field(fc.array(record({ scope: otlpScope, metrics: otlpList(otlpMetric) }), { maxLength: 2 })) }), { maxLength: 2 })) }),
  logs: record({ resourceLogs: field(fc.array(record({ resource: otlpResource, scopeLogs: field(fc.array(record({ scope: otlpScope, logRecords: otlpList(otlpLogRecord) }), { maxLength: 2 })) }), { maxLength: 2 })) }),
}

/** OTLP/JSON's hex ids as protobuf bytes (base64 for protobufjs' fromObject). */
function hexIdsToBase64(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(hexIdsToBase64)
  if (typeof node !== 'object' || node === null) return node
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, /^(traceId|spanId|parentSpanId)$/.test(k) && typeof v === 'string' ? Buffer.from(v, 'hex').toString('base64') : hexIdsToBase64(v)]))
}
/** The protobuf form of an OTLP/JSON request; null when it is not JSON or protobufjs cannot represent it (hostile shapes). */
function toProtobuf(signal: SignalKind, json: unknown): Uint8Array | null {
  try {
    const type = requestType[signal]
    const value = typeof json === 'string' ? JSON.parse(json) : json
    return type.encode(type.fromObject(hexIdsToBase64(value) as Record<string, unknown>)).finish()
  } catch {
    return null
  }
}
const goldenProtobuf = Object.fromEntries(SIGNALS.map((sig) => [sig, otlpExamples().filter((e) => e.signal === sig).map((e) => toProtobuf(sig, e.request)!)])) as Record<SignalKind, Uint8Array[]>
/** Byte-level mutations of a valid message: flips, truncation, insertion, a repeated slice. */
const byteMutation = fc.oneof(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }).map((flips) => (b: Uint8Array) => {
    const c = Buffer.from(b)
    for (const [at, x] of flips) if (c.length > 0) c[at % c.length]! ^= x
    return c
  }),
  fc.nat().map((n) => (b: Uint8Array) => b.subarray(0, n % Math.max(1, b.length))),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, bytes]) => (b: Uint8Array) => splice(b, at % (b.length + 1), bytes)),
  fc.tuple(fc.nat(), fc.nat()).map(([a, n]) => (b: Uint8Array) => {
    const from = a % Math.max(1, b.length)
    return Buffer.concat([b, b.subarray(from, from + (n % 64))])
  }),
)
/** A valid protobuf request (golden, or generated and encoded), mutated or not. */
const mutatedProtobuf = (signal: SignalKind) =>
  fc
    .tuple(fc.oneof(fc.constantFrom(...goldenProtobuf[signal]), otlpRequest[signal].map((j) => toProtobuf(signal, render(j)) ?? goldenProtobuf[signal][0]!)), fc.option(byteMutation, { freq: 3 }))
    .map(([bytes, mutate]) => (mutate ? mutate(bytes) : bytes))

let otlpCases = 0
const otlpByStatus = new Map<number, number>()
let otlpRejectedItems = 0
let otlpAcceptedItems = 0
/** OTLP-mapping refusals that are about the item as a whole (it is not an object, its kind is unsupported). */
const OTLP_ITEM_REFUSALS = [/is not an object/, /points are not supported/, /has no gauge, sum or histogram data/]

async function checkOtlp(signal: SignalKind, encoding: 'protobuf' | 'json', body: Uint8Array | string): Promise<void> {
  otlpCases++
  if (otlpCases % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
  producer.sent.length = 0
  logLines.length = 0
  const contentType = encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json'
  try {
    const res = await app.request(`/v1/${signal}`, { method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${TEST_DEV_KEY}` }, body: (typeof body === 'string' ? utf8(body) : body) as Uint8Array<ArrayBuffer> })
    const bytes = new Uint8Array(await res.arrayBuffer())
    const answer = () => ({ status: res.status, body: Buffer.from(bytes).toString(encoding === 'json' ? 'utf8' : 'hex').slice(0, 400) })
    bump(otlpByStatus, res.status)
    ok(res.status === 200 || res.status === 400 || res.status === 413, 'status outside 200/400/413', answer)
    ok(res.headers.get('content-type') === contentType, 'answered in the request encoding', answer)
    const decoded = encoding === 'protobuf' ? null : (JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>)
    if (res.status !== 200) {
      const status = decoded ?? decodeStatus(bytes)
      ok((status.code === 3 || status.code === 8) && typeof status.message === 'string' && status.message.length > 0, 'google.rpc.Status', answer)
      ok(producedCount() === 0, 'nothing produced on a refusal', answer)
      return
    }
    const response = (decoded ?? decodeResponse(signal, bytes)) as { partialSuccess?: Record<string, string | number> }
    const partial = response.partialSuccess
    const rejected = Number(partial?.[{ traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' }[signal]] ?? 0)
    otlpRejectedItems += rejected
    otlpAcceptedItems += producedCount()
    if (rejected > 0) {
      const message = String(partial!.errorMessage)
      ok(message.startsWith(`${rejected} of `), 'partial_success counts the refusals', answer)
      // "#3 (id): span: name: must ...; #5: ..." — every reason shown names its field
      const reasons = message.slice(message.indexOf('refused: ') + 9).split(/; (?=#\d+[ :])|; and \d+ more$/).filter(Boolean)
      for (const r of reasons) {
        const text = r.replace(/^#\d+( \([^)]*\))?: /, '')
        ok(namesField(text) || OTLP_ITEM_REFUSALS.some((x) => x.test(text)), 'OTLP refusal names the field', () => r)
      }
    }
    ok(producer.sent.every((s) => s.topic === `telemetry.${categoryOfSignal[signal]}`), 'produced to the signal topic', () => producer.sent.map((s) => s.topic))
    checkProduced()
  } catch (err) {
    failures++
    throw err
  }
}

// ---- the properties -------------------------------------------------------------------------------------

const protoBefore = {
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  func: Object.getOwnPropertyNames(Function.prototype).sort(),
  string: Object.getOwnPropertyNames(String.prototype).sort(),
}

describe('fuzz POST /v1/batch: never 5xx, always the documented answer', { timeout: 180_000 * scale }, () => {
  afterAll(() => {
    const show = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${k}: ${n}`).join(', ')
    console.log(`fuzz: ${cases} cases, ${failures} failures in ${((performance.now() - started) / 1000).toFixed(1)} s (HTTP ${show(byStatus)}; parts ${show(byPartCode)})`)
  })

  it('typed items (categories spans, metrics, logs) with hostile values in every field', async () => {
    await fc.assert(fc.asyncProperty(typedEnvelopeText, (text) => check({ body: text, headers: json() })), assertOpts(runs(2500)))
  })

  it('near-valid envelopes with hostile meta, data and event fields', async () => {
    await fc.assert(fc.asyncProperty(envelopeText, (text) => check({ body: text, headers: json() })), assertOpts(runs(3500)))
  })

  it('arbitrary JSON values as the body', async () => {
    const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }).map((v) => JSON.stringify(v)), hostileJson.map(render))
    await fc.assert(fc.asyncProperty(anyJson, (text) => check({ body: text, headers: json() })), assertOpts(runs(2000)))
  })

  it('raw bodies: arbitrary bytes, truncated JSON, invalid UTF-8', async () => {
    const ct = fc.constantFrom('application/json', 'text/plain;charset=UTF-8')
    await fc.assert(fc.asyncProperty(rawBody, ct, (body, type) => check({ body, headers: { 'content-type': type } })), assertOpts(runs(2000)))
  })

  it('hostile headers: content-type, content-encoding, x-request-id, traceparent, x-forwarded-for, floods', async () => {
    const headers = fc.record(
      {
        'content-type': contentType,
        'content-encoding': contentEncoding,
        'x-request-id': requestId,
        traceparent,
        'x-forwarded-for': forwardedFor,
      },
      { requiredKeys: ['content-type'] },
    )
    const flood = fc.oneof({ arbitrary: fc.constant([] as [string, string][]), weight: 4 }, { arbitrary: fc.array(fc.tuple(headerName, headerValue), { maxLength: 60 }), weight: 1 })
    const body = fc.oneof({ arbitrary: envelopeText.map(utf8), weight: 3 }, { arbitrary: rawBody, weight: 1 })
    await fc.assert(
      fc.asyncProperty(headers, flood, body, peer, (h, extra, b, p) => {
        const all: Record<string, string> = {}
        for (const [k, v] of extra) all[k] = v
        Object.assign(all, h as Record<string, string>)
        return check({ body: b, headers: all, peer: p })
      }),
      assertOpts(runs(1500)),
    )
  })

  it('compressed bodies: gzip, deflate (zlib and raw), br, zstd; intact, corrupted, mislabelled', async () => {
    await fc.assert(
      fc.asyncProperty(compressed, ({ body, encoding }) => check({ body, headers: json({ 'content-encoding': encoding }) })),
      assertOpts(runs(1500)),
    )
  })


})

describe('fuzz POST /v1/traces, /v1/metrics, /v1/logs: never 5xx, always 200 or a google.rpc.Status', { timeout: 180_000 * scale }, () => {
  afterAll(() => {
    const show = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${k}: ${n}`).join(', ')
    console.log(`fuzz OTLP: ${otlpCases} cases (HTTP ${show(otlpByStatus)}; items accepted ${otlpAcceptedItems}, refused ${otlpRejectedItems})`)
  })
  for (const signal of SIGNALS) {
    it(`/v1/${signal} protobuf: random bytes`, async () => {
      await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), (b) => checkOtlp(signal, 'protobuf', b)), assertOpts(runs(600)))
    })
    it(`/v1/${signal} protobuf: valid messages (golden and generated with hostile values), mutated`, async () => {
      await fc.assert(fc.asyncProperty(mutatedProtobuf(signal), (b) => checkOtlp(signal, 'protobuf', b)), assertOpts(runs(1200)))
    })
    it(`/v1/${signal} OTLP/JSON: hostile values in every field`, async () => {
      await fc.assert(fc.asyncProperty(otlpRequest[signal].map(render), (text) => checkOtlp(signal, 'json', text)), assertOpts(runs(1400)))
    })
    it(`/v1/${signal} OTLP/JSON: arbitrary JSON and broken bodies`, async () => {
      const body = fc.oneof(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), hostileJson.map(render), fc.tuple(otlpRequest[signal].map(render), fc.nat()).map(([t, n]) => t.slice(0, n % (t.length + 1))))
      await fc.assert(fc.asyncProperty(body, (text) => checkOtlp(signal, 'json', text)), assertOpts(runs(200)))
    })
  }
})

describe('after fuzzing every route', () => {
  it('leaves the built-in prototypes untouched', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore.object)
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(protoBefore.array)
    expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(protoBefore.func)
    expect(Object.getOwnPropertyNames(String.prototype).sort()).toEqual(protoBefore.string)
    expect(Object.getPrototypeOf({})).toBe(Object.prototype)
    expect(cases).toBeGreaterThanOrEqual(runs(10_000))
    expect(otlpCases).toBeGreaterThanOrEqual(runs(10_000))
  })})
