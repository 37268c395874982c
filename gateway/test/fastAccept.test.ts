// A type's validation shortcut (schemas/fastAccept.ts) may only ever vouch for what the full path accepts
// unchanged: for every item, with and without the shortcut, splitAndValidate → enrich must give the same
// outcome and the same Kafka value, byte for byte. Generated spans sit on every edge the schema and the
// limits draw (lengths, ids, times, depth, keys, size, hostile keys), with small limits and the defaults.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../common/config.ts'
import { acceptLogRecordFast } from '../../schemas/logRecordFastAccept.ts'
import { acceptMetricPointFast } from '../../schemas/metricPointFastAccept.ts'
import { acceptSpanFast } from '../../schemas/spanFastAccept.ts'
import { serverSideFacts, type TelemetryType } from '../../schemas/telemetryType.ts'
import { typeForCategory } from '../../schemas/telemetryTypes.ts'
import { enrichItems } from '../src/steps/enrichItems.ts'
import { splitAndValidate } from '../src/steps/splitAndValidate.ts'

const spanType = typeForCategory('spans')
const logType = typeForCategory('logs')
const metricType = typeForCategory('metrics')
const withoutShortcut = (type: TelemetryType): TelemetryType => ({ ...type, fastAccept: undefined })
const defaults = loadConfig({}).limits
const small = { ...defaults, eventBytes: 1500, propertyDepth: 3, propertyKeys: 6 }
const facts = serverSideFacts({ requestId: 'r', receivedAt: 1_764_064_900_000, appId: '', category: 'spans' })

/** The outcome as it would reach the answer and Kafka (the random backend_id left out). */
function outcome(item: unknown, type: TelemetryType, limits: typeof defaults): string {
  return JSON.stringify(enrichItems(splitAndValidate([item], type, limits), type, facts)).replace(/"backend_id":"[^"]*"/, '')
}

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`))
const id = (n: number) => fc.oneof({ arbitrary: hex(n), weight: 40 }, fc.constantFrom('0'.repeat(n), 'A'.repeat(n), 'a'.repeat(n - 1), 'a'.repeat(n + 1), '', 7, null))
const nanos = fc.oneof(
  { arbitrary: fc.bigInt({ min: 1_700_000_000_000_000_000n, max: 1_800_000_000_000_000_000n }).map(String), weight: 40 },
  fc.constantFrom('946684800000000000', '946684799999999999', '4102444800000000000', '4102444800000000001', '0946684800000000000', '0', '1e18', 1_764_064_900_000, '99999999999999999999', ''),
)
const text = (max: number) => fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 12 }), weight: 30 }, fc.constantFrom('', 'x'.repeat(max), 'x'.repeat(max + 1), '"\\\u0000\u2028é😀'.repeat(4)), fc.constant(5))
const key = fc.oneof({ arbitrary: fc.string({ maxLength: 6 }), weight: 30 }, fc.constantFrom('__proto__', 'constructor', 'toString', '0', '1'))
const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 30 }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant('y'.repeat(400)),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}))
const attributes = fc.oneof({ arbitrary: fc.dictionary(key, jsonValue, { maxKeys: 8 }), weight: 30 }, fc.constantFrom([], 'a', null, { a: { b: { c: { d: { e: 1 } } } } }))
const optional = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 })
const rare = <T,>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 15 }, a)
/** start before end half the time: both orders are checked */
const span = fc.record(
  {
    trace_id: id(32),
    span_id: id(16),
    parent_span_id: optional(fc.oneof(id(16), fc.constant(''))),
    name: text(1024),
    kind: optional(fc.constantFrom('server', 'client', 'internal', 'unspecified', 'producer', 'consumer', 'SERVER', 2)),
    start_time_unix_nano: nanos,
    end_time_unix_nano: nanos,
    status: optional(fc.oneof(fc.record({ code: fc.constantFrom('unset', 'ok', 'error', 'bad') }), fc.record({ code: fc.constantFrom('error', 'ok'), message: text(4096) }), rare(fc.constant({ code: 'ok', extra: 1 })))),
    service: optional(text(256)),
    attributes: optional(attributes),
    resource_attributes: optional(attributes),
    events: optional(fc.array(fc.record({ name: text(1024), time_unix_nano: nanos, attributes: optional(attributes) }, { requiredKeys: ['name', 'time_unix_nano'] }), { maxLength: 3 })),
    links: optional(fc.array(fc.record({ trace_id: id(32), span_id: id(16), attributes: optional(attributes) }, { requiredKeys: ['trace_id', 'span_id'] }), { maxLength: 3 })),
    scope: optional(fc.oneof(fc.record({ name: text(256) }), fc.record({ name: text(256), version: text(128) }), rare(fc.constant({ name: 'a', other: 1 })))),
    colour: rare(fc.constant('red')),
  },
  { requiredKeys: [] },
)
/** As a client or the OTLP mapper gives it: JSON (own "__proto__" keys included), undefined members left out. */
const asJson = (s: unknown) => JSON.parse(JSON.stringify(s)) as unknown

describe('the span validation shortcut never vouches for what the full path would refuse or change', () => {
  it.each([
    ['small limits', small],
    ['default limits', defaults],
  ])('%s', (_label, limits) => {
    let accepted = 0
    fc.assert(
      fc.property(span, (s) => {
        const item = asJson(s)
        if (acceptSpanFast(item, limits)) accepted++
        expect(outcome(item, spanType, limits)).toBe(outcome(item, withoutShortcut(spanType), limits))
      }),
      { numRuns: 2500, seed: 12 },
    )
    expect(accepted).toBeGreaterThan(50) // the shortcut was taken, not only declined
  }, 120_000)

  it('takes the usual OTLP span', () => {
    const usual = {
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
      parent_span_id: '',
      name: 'GET /api/orders',
      kind: 'server',
      start_time_unix_nano: '1764064900000000000',
      end_time_unix_nano: '1764064900120000000',
      status: { code: 'unset' },
      attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, retry: false, 'queue.depth': 1.5 },
      events: [],
      links: [],
      service: 'checkout',
      resource_attributes: { 'service.name': 'checkout', 'host.name': 'h1' },
      scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' },
    }
    expect(acceptSpanFast(usual, defaults)).toBe(true)
    expect(outcome(usual, spanType, defaults)).toBe(outcome(usual, withoutShortcut(spanType), defaults))
    expect(acceptSpanFast({ ...usual, end_time_unix_nano: '1764064899999999999' }, defaults)).toBe(false)
    expect(acceptSpanFast({ ...usual, attributes: { big: 'x'.repeat(6000) } }, defaults)).toBe(false) // 6 × 6000 may pass 32 KiB: measured exactly instead
  })
})

const logRecord = fc.record(
  {
    id: optional(text(128)),
    time_unix_nano: nanos,
    observed_time_unix_nano: optional(nanos),
    severity_number: optional(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 24 }), weight: 10 }, fc.constantFrom(-1, 25, 1.5, '9', -0))),
    severity_text: optional(text(32)),
    body: optional(fc.oneof({ arbitrary: fc.string({ maxLength: 40 }), weight: 6 }, jsonValue, fc.constant('z'.repeat(6000)))),
    event_name: optional(text(256)),
    trace_id: optional(id(32)),
    span_id: optional(id(16)),
    service: optional(text(256)),
    attributes: optional(attributes),
    resource_attributes: optional(attributes),
    scope: optional(fc.oneof(fc.record({ name: text(256) }), fc.record({ name: text(256), version: text(128) }), rare(fc.constant({ name: 'a', other: 1 })))),
    colour: rare(fc.constant('red')),
  },
  { requiredKeys: [] },
)

describe('the log record validation shortcut never vouches for what the full path would refuse or change', () => {
  it.each([
    ['small limits', small],
    ['default limits', defaults],
  ])('%s', (_label, limits) => {
    let accepted = 0
    fc.assert(
      fc.property(logRecord, (r) => {
        const item = asJson(r)
        if (acceptLogRecordFast(item, limits)) accepted++
        expect(outcome(item, logType, limits)).toBe(outcome(item, withoutShortcut(logType), limits))
      }),
      { numRuns: 2500, seed: 12 },
    )
    expect(accepted).toBeGreaterThan(50)
  }, 120_000)
})

const number = fc.oneof({ arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 10 }, fc.constantFrom(Number.NaN, Infinity, '1', -0, 2 ** 53))
const counts = fc.oneof({ arbitrary: fc.nat(), weight: 10 }, fc.constantFrom(-1, 1.5, 2 ** 53, '3'))
const metricPoint = fc
  .record(
    {
      id: optional(text(128)),
      name: text(256),
      type: fc.constantFrom('gauge', 'sum', 'histogram', 'gauge', 'sum', 'histogram', 'summary'),
      unit: optional(text(64)),
      description: optional(text(1024)),
      service: optional(text(256)),
      time_unix_nano: nanos,
      start_time_unix_nano: optional(nanos),
      value: optional(number),
      temporality: optional(fc.constantFrom('delta', 'cumulative', 'unspecified', 'DELTA')),
      is_monotonic: optional(fc.oneof(fc.boolean(), fc.constant(1))),
      count: optional(counts),
      sum: optional(number),
      min: optional(number),
      max: optional(number),
      bucket_counts: optional(fc.array(counts, { maxLength: 4 })),
      explicit_bounds: optional(fc.array(number, { maxLength: 3 })),
      attributes: optional(attributes),
      resource_attributes: optional(attributes),
      scope: optional(fc.oneof(fc.record({ name: text(256) }), rare(fc.constant({ name: 'a', other: 1 })))),
      colour: rare(fc.constant('red')),
    },
    { requiredKeys: ['name', 'type', 'time_unix_nano'] },
  )
  // half of the histograms get bucket_counts that fit their explicit_bounds
  .chain((p) => (p.type === 'histogram' && Array.isArray(p.explicit_bounds) ? fc.boolean().map((fit) => (fit ? { ...p, bucket_counts: [...p.explicit_bounds!.map(() => 1), 2], value: undefined, count: 3 } : p)) : fc.constant(p)))

describe('the metric point validation shortcut never vouches for what the full path would refuse or change', () => {
  it.each([
    ['small limits', small],
    ['default limits', defaults],
  ])('%s', (_label, limits) => {
    let accepted = 0
    fc.assert(
      fc.property(metricPoint, (p) => {
        const item = asJson(p)
        if (acceptMetricPointFast(item, limits)) accepted++
        expect(outcome(item, metricType, limits)).toBe(outcome(item, withoutShortcut(metricType), limits))
      }),
      { numRuns: 2500, seed: 12 },
    )
    expect(accepted).toBeGreaterThan(50)
  }, 120_000)
})
