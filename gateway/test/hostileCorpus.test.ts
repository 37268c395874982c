// A corpus of hostile uploads, each with the answer the gateway gives. The table documents behaviour that is
// not obvious (duplicate JSON keys, "__proto__" keys, NUL bytes, BOM, charset...) as well as refusals.
// Fuzzing (fuzz.test.ts) looks for answers outside the protocol; this file pins the exact ones.
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import * as zlib from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { MAX_TIME_MS, MIN_TIME_MS } from '../../schemas/time.ts'
import type { BatchResponse } from '../src/steps/buildResponse.ts'
import { TEST_DEV_KEY, testApp } from './fakes.ts'

type Req = { body: string | Uint8Array; headers?: Record<string, string> }
type Produced = { key: string; value: string }
type Row = {
  label: string
  req: () => Req
  status: number
  /** found in the top-level message or in one of the part messages */
  message: string
  /** the part codes, in order, when the envelope was valid */
  parts?: number[]
  /** further checks on the answer and on what went to Kafka */
  verify?: (out: BatchResponse, produced: Produced[]) => void
}

const TS = 1_764_064_800_000
const META = '{"app_id":"a","category":"web"}'
const EVENT = `{"id":"1","name":"n","timestamp":${TS}}`
const VALID = `{"meta":${META},"data":[${EVENT}]}`
/** an envelope from raw JSON text for the event(s), so duplicate keys and raw number tokens survive */
const batch = (events: string, meta = META) => `{"meta":${meta},"data":[${events}]}`
const withTs = (ts: string) => batch(`{"id":"1","name":"n","timestamp":${ts}}`)
const withProps = (props: string) => batch(`{"id":"1","name":"n","timestamp":${TS},"properties":${props}}`)
const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))))
const deepArrays = (n: number) => '['.repeat(n) + ']'.repeat(n)
const deepObjects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)
const MB = 1024 * 1024
const gz = (s: string | Buffer) => zlib.gzipSync(s)
const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync
const GZIP = { 'content-type': 'application/json', 'content-encoding': 'gzip' }
const props = (produced: Produced[]) => JSON.parse(produced[0]!.value).properties as Record<string, unknown>

const rows: Row[] = [
  // ---- truncated and malformed JSON ----------------------------------------------------------------------
  { label: 'truncated JSON: {"meta": {"app_id": "a"', req: () => ({ body: '{"meta": {"app_id": "a"' }), status: 400, message: 'malformed JSON' },
  { label: 'truncated JSON: cut inside a string', req: () => ({ body: VALID.slice(0, VALID.indexOf('"web"') + 3) }), status: 400, message: 'malformed JSON' },
  { label: 'truncated JSON: last brace missing', req: () => ({ body: VALID.slice(0, -1) }), status: 400, message: 'malformed JSON' },
  { label: 'trailing garbage after the JSON', req: () => ({ body: `${VALID} x` }), status: 400, message: 'malformed JSON' },
  { label: 'two JSON documents back to back', req: () => ({ body: VALID + VALID }), status: 400, message: 'malformed JSON' },
  { label: 'only whitespace', req: () => ({ body: ' \n\t ' }), status: 400, message: 'body is empty' },
  { label: 'JSON with a comment', req: () => ({ body: `/* hi */${VALID}` }), status: 400, message: 'malformed JSON' },
  { label: 'NaN is not JSON', req: () => ({ body: withTs('NaN') }), status: 400, message: 'malformed JSON' },

  // ---- invalid UTF-8 ----------------------------------------------------------------------------------------
  { label: 'invalid UTF-8: overlong "/" (C0 AF) in a string', req: () => ({ body: bytes('{"meta":{"app_id":"', [0xc0, 0xaf], '"}}') }), status: 400, message: 'not valid UTF-8' },
  { label: 'invalid UTF-8: overlong 3-byte (E0 80 AF)', req: () => ({ body: bytes('{"a":"', [0xe0, 0x80, 0xaf], '"}') }), status: 400, message: 'not valid UTF-8' },
  { label: 'invalid UTF-8: surrogate U+D800 encoded in UTF-8 (ED A0 80)', req: () => ({ body: bytes(batch(`{"id":"`), [0xed, 0xa0, 0x80], `","name":"n","timestamp":${TS}}]}`) }), status: 400, message: 'not valid UTF-8' },
  { label: 'invalid UTF-8: a 0xFF byte', req: () => ({ body: bytes('{"a":"', [0xff], '"}') }), status: 400, message: 'not valid UTF-8' },
  { label: 'invalid UTF-8: continuation byte alone (0x80)', req: () => ({ body: bytes('{"a":', [0x80], '}') }), status: 400, message: 'not valid UTF-8' },
  { label: 'invalid UTF-8: multi-byte sequence cut at the end (E2 82)', req: () => ({ body: bytes(VALID, [0xe2, 0x82]) }), status: 400, message: 'not valid UTF-8' },
  { label: 'invalid UTF-8: code point above U+10FFFF (F4 90 80 80)', req: () => ({ body: bytes('{"a":"', [0xf4, 0x90, 0x80, 0x80], '"}') }), status: 400, message: 'not valid UTF-8' },
  { label: 'invalid UTF-8: UTF-16 body with its BOM', req: () => ({ body: Buffer.from(`\ufeff${VALID}`, 'utf16le') }), status: 400, message: 'not valid UTF-8' },
  { label: 'invalid UTF-8 inside a gzip body', req: () => ({ body: gz(bytes('{"a":"', [0xff], '"}')), headers: GZIP }), status: 400, message: 'not valid UTF-8' },
  { label: 'documented: a UTF-8 BOM before the JSON is skipped', req: () => ({ body: `\ufeff${VALID}` }), status: 200, message: 'all events accepted', parts: [0] },
  {
    label: 'documented: a lone surrogate as a JSON escape ("\\ud800") is valid JSON and accepted',
    req: () => ({ body: batch(`{"id":"\\ud800","name":"\\udc00x","timestamp":${TS}}`) }),
    status: 200,
    message: 'all events accepted',
    parts: [0],
    verify: (out, produced) => {
      expect(out.parts[0]!.id).toBe('\ud800')
      expect(produced[0]!.value).toContain('"event_id":"\\ud800"') // JSON.stringify keeps it escaped
    },
  },

  // ---- nesting --------------------------------------------------------------------------------------------
  { label: '10,000-level nested arrays in properties', req: () => ({ body: withProps(`{"a":${deepArrays(10_000)}}`) }), status: 400, message: 'LIMIT_PROPERTY_DEPTH', parts: [1003] },
  { label: '10,000-level nested objects in properties', req: () => ({ body: withProps(deepObjects(10_000)) }), status: 400, message: 'properties nest more than 6 levels deep', parts: [1003] },
  { label: '100,000-level nested arrays in properties (200 KB)', req: () => ({ body: withProps(`{"a":${deepArrays(100_000)}}`) }), status: 400, message: 'LIMIT_PROPERTY_DEPTH', parts: [1003] },
  {
    label: '10,000-level nesting in one event does not cost the next event',
    req: () => ({ body: batch(`{"id":"1","name":"n","timestamp":${TS},"properties":${deepObjects(10_000)}},{"id":"2","name":"n","timestamp":${TS}}`) }),
    status: 206,
    message: '1 of 2 events accepted',
    parts: [1003, 0],
  },
  { label: '10,000-level nested arrays in meta.context', req: () => ({ body: batch(EVENT, `{"app_id":"a","category":"web","context":{"a":${deepArrays(10_000)}}}`) }), status: 400, message: 'meta.context nests more than 6 levels deep, limit 5 (LIMIT_PROPERTY_DEPTH)' },
  { label: '10,000-level nested arrays as an event', req: () => ({ body: batch(deepArrays(10_000)) }), status: 400, message: 'each event must be a JSON object', parts: [1001] },
  { label: '10,000-level nested arrays as an event name', req: () => ({ body: batch(`{"id":"1","name":${deepArrays(10_000)},"timestamp":${TS}}`) }), status: 400, message: 'name: Invalid input: expected string', parts: [1001] },
  { label: '10,000-level nested arrays as the whole body', req: () => ({ body: deepArrays(10_000) }), status: 400, message: 'body must be a JSON object' },
  {
    label: '{"length": 10,000-level arrays} as an event id (zod compares length as a number)',
    req: () => ({ body: batch(`{"id":{"length":${deepArrays(10_000)}},"name":"n","timestamp":${TS}},${EVENT}`) }),
    status: 206,
    message: 'id: cannot be validated: holds a hostile value',
    parts: [1001, 0],
  },
  {
    label: '{"length": {"toString": 1}} as an event ip (zod cannot convert it to a number)',
    req: () => ({ body: batch(`{"id":"1","name":"n","timestamp":${TS},"ip":{"length":{"toString":1}}},{"id":"2","name":"n","timestamp":${TS},"ip":{"length":[1]}}`) }),
    status: 400,
    message: 'ip: cannot be validated',
    parts: [1001, 1001],
  },
  { label: '{"length": {"toString": null}} as meta.device_id', req: () => ({ body: batch(EVENT, '{"app_id":"a","category":"web","device_id":{"length":{"toString":null}}}') }), status: 400, message: 'meta.device_id: cannot be validated' },
  { label: '{"length": 10,000-level arrays} as data', req: () => ({ body: `{"meta":${META},"data":{"length":${deepArrays(10_000)}}}` }), status: 400, message: 'data: cannot be validated' },
  { label: '{"length": 10,000-level arrays} as meta.app_id', req: () => ({ body: `{"meta":{"app_id":{"length":${deepArrays(10_000)}},"category":"web"},"data":[${EVENT}]}` }), status: 400, message: 'meta.app_id: cannot be validated' },

  // ---- counts and sizes -----------------------------------------------------------------------------------
  { label: 'an array of 100,000 events', req: () => ({ body: batch(Array(100_000).fill('{}').join(',')) }), status: 413, message: 'batch has 100000 events, limit 500 (LIMIT_EVENTS_PER_BATCH)' },
  { label: 'an array of 100,000 events, gzip', req: () => ({ body: gz(batch(Array.from({ length: 100_000 }, (_, i) => `{"id":"${i}"}`).join(','))), headers: GZIP }), status: 413, message: 'LIMIT_EVENTS_PER_BATCH' },
  { label: '501 events', req: () => ({ body: batch(Array.from({ length: 501 }, (_, i) => `{"id":"${i}","name":"n","timestamp":${TS}}`).join(',')) }), status: 413, message: 'batch has 501 events, limit 500' },
  { label: '500 events (the limit) are accepted', req: () => ({ body: batch(Array.from({ length: 500 }, (_, i) => `{"id":"${i}","name":"n","timestamp":${TS}}`).join(',')) }), status: 200, message: 'all events accepted' },
  { label: 'a 10 MB string in one event', req: () => ({ body: withProps(`{"s":"${'x'.repeat(10 * MB)}"}`) }), status: 413, message: 'limit 1 MB (LIMIT_BODY_BYTES)' },
  { label: 'a 10 MB string in one event, gzip', req: () => ({ body: gz(withProps(`{"s":"${'x'.repeat(10 * MB)}"}`)), headers: GZIP }), status: 413, message: 'limit 5 MB (LIMIT_DECOMPRESSED_BYTES)' },
  { label: 'a 4 MB string in one event, gzip (under the decompressed limit)', req: () => ({ body: gz(withProps(`{"s":"${'x'.repeat(4 * MB)}"}`)), headers: GZIP }), status: 400, message: 'event is 4 MB, limit 32 KB (LIMIT_EVENT_BYTES)', parts: [1002] },
  {
    label: 'a 5 MB meta.context copied into 500 events (was: 6 KB gzip → 2.5 GB of Kafka messages)',
    req: () => ({ body: gz(batch(Array.from({ length: 500 }, (_, i) => `{"id":"${i}","name":"n","timestamp":${TS}}`).join(','), `{"app_id":"a","category":"web","context":{"s":"${'x'.repeat(5_000_000)}"}}`)), headers: GZIP }),
    status: 413,
    message: 'meta.context is 4.8 MB, limit 32 KB (LIMIT_EVENT_BYTES)',
  },
  { label: 'a 32 KB meta.context is still accepted', req: () => ({ body: batch(EVENT, `{"app_id":"a","category":"web","context":{"s":"${'x'.repeat(32 * 1024 - 10)}"}}`) }), status: 200, message: 'all events accepted' },
  { label: 'a declared Content-Length over the limit', req: () => ({ body: VALID, headers: { 'content-type': 'application/json', 'content-length': String(2 * MB) } }), status: 413, message: 'body is 2 MB, limit 1 MB (LIMIT_BODY_BYTES)' },

  // ---- numbers out of range -------------------------------------------------------------------------------
  ...(
    [
      ['1e308', 'between 2000-01-01 and 2100-01-01'],
      ['-1e308', 'between 2000-01-01 and 2100-01-01'],
      ['1e400', 'timestamp'], // JSON.parse gives Infinity: not a finite number
      ['-1e400', 'timestamp'],
      ['-0', 'between 2000-01-01 and 2100-01-01'],
      ['0', 'between 2000-01-01 and 2100-01-01'],
      ['-1', 'between 2000-01-01 and 2100-01-01'],
      ['1764064800000.5', 'timestamp: must be epoch milliseconds'],
      ['9007199254740993', 'between 2000-01-01 and 2100-01-01'],
      ['123456789012345678901234567890', 'between 2000-01-01 and 2100-01-01'],
      [String(MIN_TIME_MS - 1), 'between 2000-01-01 and 2100-01-01'],
      [String(MAX_TIME_MS + 1), 'between 2000-01-01 and 2100-01-01'],
      ['"NaN"', 'RFC 3339'],
      ['"Infinity"', 'RFC 3339'],
      ['"1e308"', 'RFC 3339'],
      ['""', 'RFC 3339'],
      ['"2026-13-45T99:99:99Z"', 'timestamp: must be epoch milliseconds (number) or an RFC 3339 date-time'],
      ['"9999-12-31T23:59:59Z"', 'timestamp: must be epoch milliseconds (number) or an RFC 3339 date-time'],
      ['"1999-12-31T23:59:59.999Z"', 'timestamp: must be epoch milliseconds (number) or an RFC 3339 date-time'],
      ['null', 'timestamp'],
      ['[1764064800000]', 'timestamp'],
    ] as const
  ).map(([ts, message]): Row => ({ label: `timestamp ${ts}`, req: () => ({ body: withTs(ts) }), status: 400, message, parts: [1001] })),
  { label: `timestamp ${MIN_TIME_MS} (lowest accepted)`, req: () => ({ body: withTs(String(MIN_TIME_MS)) }), status: 200, message: 'all events accepted', parts: [0] },
  { label: `timestamp ${MAX_TIME_MS} (highest accepted; replaced as too far in the future)`, req: () => ({ body: withTs(String(MAX_TIME_MS)) }), status: 200, message: 'all events accepted', parts: [0], verify: (_o, p) => expect(JSON.parse(p[0]!.value).time_correction).toBe('future_replaced') },
  { label: 'documented: timestamp 1.7640648e12 / 1764064800000.0 are whole numbers and accepted', req: () => ({ body: batch(`{"id":"1","name":"n","timestamp":1.7640648e12},{"id":"2","name":"n","timestamp":1764064800000.0}`) }), status: 200, message: 'all events accepted', parts: [0, 0] },
  { label: 'meta.sent_at 1e400', req: () => ({ body: batch(EVENT, '{"app_id":"a","category":"web","sent_at":1e400}') }), status: 400, message: 'meta.sent_at' },

  // ---- __proto__, constructor, prototype ------------------------------------------------------------------
  { label: '"__proto__" in meta is an unknown meta field', req: () => ({ body: batch(EVENT, '{"app_id":"a","category":"web","__proto__":{"polluted":true}}') }), status: 400, message: 'Unrecognized key: "__proto__"' },
  { label: '"__proto__" in an event is an unknown field', req: () => ({ body: batch(`{"id":"1","name":"n","timestamp":${TS},"__proto__":{"polluted":true}}`) }), status: 400, message: 'unknown field(s) "__proto__"', parts: [1001] },
  { label: 'documented: "__proto__" at the top of the envelope is ignored like any unknown top-level key', req: () => ({ body: `{"__proto__":{"polluted":true},"meta":${META},"data":[${EVENT}]}` }), status: 200, message: 'all events accepted', parts: [0] },
  {
    label: 'documented: "__proto__" as a key of properties is dropped (zod never assigns it), nothing is polluted',
    req: () => ({ body: withProps('{"__proto__":{"polluted":true},"a":1}') }),
    status: 200,
    message: 'all events accepted',
    parts: [0],
    verify: (_o, produced) => {
      expect(props(produced)).toEqual({ a: 1 })
      expect(Object.getPrototypeOf(props(produced))).toBe(Object.prototype)
    },
  },
  {
    label: 'documented: "__proto__" deeper in properties is kept as plain data',
    req: () => ({ body: withProps('{"x":{"__proto__":{"polluted":true}}}') }),
    status: 200,
    message: 'all events accepted',
    parts: [0],
    verify: (_o, produced) => expect(produced[0]!.value).toContain('"properties":{"x":{"__proto__":{"polluted":true}}}'),
  },
  {
    label: 'documented: "constructor" and "prototype" keys in properties are plain data',
    req: () => ({ body: withProps('{"constructor":{"prototype":{"polluted":true}},"prototype":1,"toString":"x"}') }),
    status: 200,
    message: 'all events accepted',
    parts: [0],
    verify: (_o, produced) => expect(props(produced)).toEqual({ constructor: { prototype: { polluted: true } }, prototype: 1, toString: 'x' }),
  },
  {
    label: 'documented: "__proto__" as a key of meta.context is dropped',
    req: () => ({ body: batch(EVENT, '{"app_id":"a","category":"web","context":{"__proto__":{"polluted":true},"host":"h"}}') }),
    status: 200,
    message: 'all events accepted',
    verify: (_o, produced) => expect(JSON.parse(produced[0]!.value).context).toEqual({ host: 'h' }),
  },

  // ---- duplicate JSON keys: JSON.parse keeps the last ------------------------------------------------------
  { label: 'documented: duplicate "id" in an event: the last one wins', req: () => ({ body: batch(`{"id":"1","id":"2","name":"n","timestamp":${TS}}`) }), status: 200, message: 'all events accepted', parts: [0], verify: (out) => expect(out.parts[0]!.id).toBe('2') },
  { label: 'documented: duplicate "timestamp", the last one invalid', req: () => ({ body: batch(`{"id":"1","name":"n","timestamp":${TS},"timestamp":"soon"}`) }), status: 400, message: 'timestamp', parts: [1001] },
  { label: 'documented: duplicate "meta", the last one invalid', req: () => ({ body: `{"meta":${META},"data":[${EVENT}],"meta":{"app_id":"a"}}` }), status: 400, message: 'meta.category' },
  { label: 'documented: duplicate "meta", the last one valid', req: () => ({ body: `{"meta":{"app_id":"a"},"data":[${EVENT}],"meta":${META}}` }), status: 200, message: 'all events accepted' },
  { label: 'documented: duplicate "data": only the last array counts', req: () => ({ body: `{"meta":${META},"data":[${EVENT},${EVENT}],"data":[${EVENT}]}` }), status: 200, message: 'all events accepted', parts: [0] },
  { label: 'duplicate event ids in one batch', req: () => ({ body: batch(`${EVENT},${EVENT}`) }), status: 206, message: 'id "1" already appears earlier in this batch', parts: [0, 1005] },

  // ---- NUL bytes ------------------------------------------------------------------------------------------
  {
    label: 'documented: NUL (\\u0000) in id and name is accepted and kept',
    req: () => ({ body: batch(`{"id":"a\\u0000b","name":"n\\u0000","timestamp":${TS}}`) }),
    status: 200,
    message: 'all events accepted',
    parts: [0],
    verify: (out, produced) => {
      expect(out.parts[0]!.id).toBe('a\u0000b')
      expect(JSON.parse(produced[0]!.value).name).toBe('n\u0000')
    },
  },
  { label: 'documented: NUL in app_id is accepted (Kafka key)', req: () => ({ body: batch(EVENT, '{"app_id":"a\\u0000","category":"web"}') }), status: 200, message: 'all events accepted', verify: (_o, p) => expect(p[0]!.key).toBe('a\u0000') },
  { label: 'NUL in category (it names a topic)', req: () => ({ body: batch(EVENT, '{"app_id":"a","category":"web\\u0000"}') }), status: 400, message: 'meta.category' },
  { label: 'a raw NUL byte inside a JSON string', req: () => ({ body: bytes(batch('{"id":"a'), [0], `","name":"n","timestamp":${TS}}]}`) }), status: 400, message: 'malformed JSON' },
  { label: 'a raw NUL byte after the JSON', req: () => ({ body: bytes(VALID, [0]) }), status: 400, message: 'malformed JSON' },

  // ---- encodings and content types ------------------------------------------------------------------------
  { label: 'Content-Encoding gzip on an uncompressed body', req: () => ({ body: VALID, headers: GZIP }), status: 400, message: 'not valid gzip data' },
  { label: 'Content-Encoding deflate on an uncompressed body', req: () => ({ body: VALID, headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' } }), status: 400, message: 'not valid deflate data' },
  { label: 'Content-Encoding br on an uncompressed body', req: () => ({ body: VALID, headers: { 'content-type': 'application/json', 'content-encoding': 'br' } }), status: 400, message: 'not valid br data' },
  ...(zstdCompressSync
    ? [{ label: 'Content-Encoding zstd on an uncompressed body', req: () => ({ body: VALID, headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' } }), status: 400, message: 'not valid zstd data' }]
    : []),
  { label: 'gzip body cut in half', req: () => { const g = gz(VALID); return { body: g.subarray(0, g.length >> 1), headers: GZIP } }, status: 400, message: 'not valid gzip data' },
  { label: 'gzip inside gzip (decoded once only)', req: () => ({ body: gz(gz(VALID)), headers: GZIP }), status: 400, message: 'not valid UTF-8' },
  { label: 'two encodings "gzip, gzip"', req: () => ({ body: gz(gz(VALID)), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip, gzip' } }), status: 415, message: 'Content-Encoding "gzip, gzip" is not supported' },
  { label: 'documented: charset in Content-Type is ignored, the body is read as UTF-8', req: () => ({ body: VALID, headers: { 'content-type': 'application/json; charset=utf-16' } }), status: 200, message: 'all events accepted' },
  { label: 'Content-Type missing', req: () => ({ body: VALID, headers: {} }), status: 415, message: 'Content-Type (missing)' },

  // ---- headers --------------------------------------------------------------------------------------------
  {
    label: 'a header flood: 1000 custom headers',
    req: () => ({ body: VALID, headers: { 'content-type': 'application/json', ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`x-flood-${i}`, 'v'.repeat(100)])) } }),
    status: 200,
    message: 'all events accepted',
  },
  { label: 'an X-Request-ID of 10 KB is replaced by a fresh id', req: () => ({ body: VALID, headers: { 'content-type': 'application/json', 'x-request-id': 'r'.repeat(10_240) } }), status: 200, message: 'all events accepted' },
  { label: 'a garbage traceparent starts a new trace', req: () => ({ body: VALID, headers: { 'content-type': 'application/json', traceparent: '00-zz-\u00ff-01' } }), status: 200, message: 'all events accepted', verify: (_o, p) => expect(p.length).toBe(1) },
  { label: 'a garbage X-Forwarded-For (peer untrusted here) is ignored', req: () => ({ body: VALID, headers: { 'content-type': 'application/json', 'x-forwarded-for': `${'1.2.3.4, '.repeat(2000)}nonsense, ::1%x` } }), status: 200, message: 'all events accepted' },
]

// ---- running the table ----------------------------------------------------------------------------------------

// a valid key and no rate limit: this corpus is about hostile bodies and headers, not about auth
const { app, producer } = testApp({ env: { RATE_LIMIT_REQUESTS_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' } })
const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort()

async function send(req: Req) {
  producer.sent.length = 0
  const started = performance.now()
  const res = await app.request('/v1/batch', {
    method: 'POST',
    headers: { ...(req.headers ?? { 'content-type': 'application/json' }), authorization: `Bearer ${TEST_DEV_KEY}` },
    body: (typeof req.body === 'string' ? Buffer.from(req.body) : req.body) as Uint8Array<ArrayBuffer>,
  })
  const out = (await res.json()) as BatchResponse
  return { res, out, ms: performance.now() - started, produced: producer.items() }
}

describe('hostile corpus: POST /v1/batch', { timeout: 30_000 }, () => {
  afterAll(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys)
  })

  it.each(rows)('$label → $status', async (row) => {
    const { res, out, produced } = await send(row.req())
    const messages = [out.message, ...out.parts.map((p) => p.message)].join('\n')
    expect({ status: res.status, messages }).toEqual({ status: row.status, messages: expect.stringContaining(row.message) })
    expect(res.headers.get('x-request-id')).toBeTruthy()
    expect(out.code).toBe(row.status === 200 ? 0 : row.status === 206 ? 1 : 2)
    if (row.parts) expect(out.parts.map((p) => p.code)).toEqual(row.parts)
    if (row.status === 413 || row.status === 415) expect(out.parts).toEqual([])
    expect(produced.length).toBe(out.parts.filter((p) => p.code === 0).length)
    row.verify?.(out, produced)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

// ---- decompression bombs: refused fast, and the memory is given back ------------------------------------------

/** global.gc when node runs with --expose-gc; otherwise the same function obtained at run time. */
function getGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) return g
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return undefined
  }
}

describe('decompression bombs', { timeout: 60_000 }, () => {
  const expanded = 110 * MB // > 100 MB once decompressed
  const bombs: Array<[string, () => Buffer]> = [
    ['gzip', () => zlib.gzipSync(Buffer.alloc(expanded, 0x20), { level: 9 })],
    ['deflate', () => zlib.deflateSync(Buffer.alloc(expanded, 0x20), { level: 9 })],
    ['br', () => zlib.brotliCompressSync(Buffer.alloc(expanded, 0x20), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } })],
    ...(zstdCompressSync ? [['zstd', () => zstdCompressSync(Buffer.alloc(expanded, 0x20))] as [string, () => Buffer]] : []),
  ]

  it.each(bombs)('%s bomb: < 1 MB expanding to 110 MB → 413 quickly, memory given back', async (encoding, make) => {
    const bomb = make()
    expect(bomb.length).toBeLessThan(MB)
    const gc = getGc()
    const measure = () => {
      gc?.()
      const m = process.memoryUsage()
      return { heap: m.heapUsed, buffers: m.arrayBuffers, rss: m.rss }
    }
    const before = measure()
    for (let i = 0; i < 5; i++) {
      const { res, out, ms } = await send({ body: bomb, headers: { 'content-type': 'application/json', 'content-encoding': encoding } })
      expect(res.status).toBe(413)
      expect(out.message).toContain('LIMIT_DECOMPRESSED_BYTES')
      expect(ms).toBeLessThan(5000) // ~50 ms on an idle machine; generous for a loaded CI box
    }
    const after = measure()
    const growth = { heap: after.heap - before.heap, buffers: after.buffers - before.buffers, rss: after.rss - before.rss }
    console.log(`${encoding} bomb (${bomb.length} B → 110 MB), 5 requests: heap ${mb(growth.heap)}, array buffers ${mb(growth.buffers)}, rss ${mb(growth.rss)}${gc ? '' : ' (no gc available)'}`)
    if (gc) {
      expect(growth.heap).toBeLessThan(50 * MB)
      expect(growth.buffers).toBeLessThan(50 * MB)
    }
    expect(growth.rss).toBeLessThan(200 * MB) // sanity only: rss does not shrink reliably
  })
})

const mb = (n: number) => `${n >= 0 ? '+' : ''}${(n / MB).toFixed(1)} MB`
