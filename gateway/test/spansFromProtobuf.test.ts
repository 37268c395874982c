// The one-pass protobuf traces decoder (spansFromProtobuf.ts) against the general path (protobufjs decode →
// otlpToItems): for the golden requests, generated requests (every AnyValue kind, int64 extremes, events,
// links, status, absent and empty fields, unicode) and thousands of byte-mutated variants, whenever the
// one-pass decoder answers, its items are the general path's — equal values, the same keys in the same order.
// When it answers null the general path decides, so only the "answered" cases need comparing; the common
// requests must be answered (else it would buy nothing).
import { readFileSync } from 'node:fs'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import fc from 'fast-check'
import protobuf from 'protobufjs'
import { describe, expect, it } from 'vitest'
import { otlpExamples } from '../../schemas/examples/index.ts'
import { decodeProtobufRequest } from '../src/otlp/otlpProto.ts'
import { otlpToItems } from '../src/otlp/otlpToItems.ts'
import { spansFromProtobuf } from '../src/otlp/spansFromProtobuf.ts'

const root = protobuf.parse(readFileSync(new URL('../../schemas/otlp/otlp.proto', import.meta.url), 'utf8'), { keepCase: false }).root
const requestType = root.lookupType('otlp.ExportTraceServiceRequest')
const encode = (request: Record<string, unknown>) => requestType.encode(requestType.fromObject(request)).finish()
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId'])
function hexIdsToBase64(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(hexIdsToBase64)
  if (typeof node !== 'object' || node === null) return node
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, ID_FIELDS.has(k) && typeof v === 'string' ? Buffer.from(v, 'hex').toString('base64') : hexIdsToBase64(v)]))
}
const golden = otlpExamples()
  .filter((e) => e.signal === 'traces')
  .map((e) => encode(hexIdsToBase64(e.request) as Record<string, unknown>))

/**
 * A value's exact form as plain data: own keys in order (undefined-valued ones too), prototypes, -0 and NaN
 * told apart. (toStrictEqual would not do: it compares `constructor` properties, which attribute keys may be.)
 */
function shape(v: unknown): unknown {
  if (typeof v === 'number') return Object.is(v, -0) ? '(-0)' : Number.isNaN(v) ? '(NaN)' : v
  if (v === undefined) return '(undefined)'
  if (typeof v !== 'object' || v === null) return v
  if (Array.isArray(v)) return v.map(shape)
  const proto = Object.getPrototypeOf(v)
  return { proto: proto === Object.prototype ? 'Object' : proto === null ? 'null' : shape(proto), own: Reflect.ownKeys(v).map((k) => [String(k), shape((v as Record<string, unknown>)[k as string])]) }
}

/** true when the one-pass decoder answered (and then its items are the general path's). */
function sameAsGeneralPath(body: Uint8Array): boolean {
  const fast = spansFromProtobuf(body)
  if (fast === null) return false
  const general = otlpToItems('traces', decodeProtobufRequest('traces', body), 0)
  expect(general.ok).toBe(true)
  const items = general.ok ? general.items : []
  expect(shape(fast)).toEqual(shape(items))
  return true
}

// ---- generated requests ----------------------------------------------------------------------------------
const text = fc.oneof(fc.constantFrom('', 'a', 'service.name', 'GET /api', '__proto__', 'constructor'), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }))
const int64 = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), fc.constantFrom('9007199254740991', '9007199254740992', '-9007199254740993', '4294967296', '-2147483649'))
const anyValue: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ value: Record<string, unknown> }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ stringValue: text }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: int64 }),
    fc.record({ doubleValue: fc.oneof(fc.double(), fc.constantFrom(0, -0, 1.5, Number.NaN, Infinity)) }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 6 }) }),
    fc.constant({}),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: text, value: tie('value') }, { requiredKeys: ['key'] }), { maxLength: 3 }) }) }),
  ),
})).value
const keyValues = fc.array(fc.record({ key: text, value: anyValue }, { requiredKeys: [] }), { maxLength: 6 })
const id = (n: number) => fc.oneof({ weight: 6, arbitrary: fc.uint8Array({ minLength: n, maxLength: n }) }, fc.uint8Array({ maxLength: 20 }))
const nanos = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 1_700_000_000_000_000_000n, max: 1_800_000_000_000_000_000n })).map(String)
const span = fc.record(
  {
    traceId: id(16),
    spanId: id(8),
    parentSpanId: id(8),
    traceState: text,
    flags: fc.nat(),
    name: text,
    kind: fc.integer({ min: 0, max: 7 }),
    startTimeUnixNano: nanos,
    endTimeUnixNano: nanos,
    attributes: keyValues,
    droppedAttributesCount: fc.nat(),
    events: fc.array(fc.record({ timeUnixNano: nanos, name: text, attributes: keyValues }, { requiredKeys: [] }), { maxLength: 2 }),
    links: fc.array(fc.record({ traceId: id(16), spanId: id(8), traceState: text, attributes: keyValues, flags: fc.nat() }, { requiredKeys: [] }), { maxLength: 2 }),
    status: fc.record({ code: fc.integer({ min: 0, max: 4 }), message: text }, { requiredKeys: [] }),
  },
  { requiredKeys: ['traceId', 'spanId', 'name', 'startTimeUnixNano', 'endTimeUnixNano'] },
)
const request = fc.record({
  resourceSpans: fc.array(
    fc.record(
      {
        resource: fc.record({ attributes: keyValues, droppedAttributesCount: fc.nat() }, { requiredKeys: [] }),
        scopeSpans: fc.array(fc.record({ scope: fc.record({ name: text, version: text, attributes: keyValues }, { requiredKeys: [] }), spans: fc.array(span, { maxLength: 4 }), schemaUrl: text }, { requiredKeys: ['spans'] }), { maxLength: 3 }),
        schemaUrl: text,
      },
      { requiredKeys: ['scopeSpans'] },
    ),
    { maxLength: 3 },
  ),
})

describe('protobuf traces decoded in one pass give the general path items', () => {
  it.each(golden.map((g, i) => [i, g] as const))('golden traces request %i (answered)', (_i, body) => {
    expect(sameAsGeneralPath(body)).toBe(true)
  })

  it("the OpenTelemetry JS SDK's protobuf request (answered)", () => {
    const exporter = new InMemorySpanExporter()
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'unit-svc', 'host.name': 'h' }), spanProcessors: [new SimpleSpanProcessor({ exporter })] })
    const tracer = provider.getTracer('unit', '1.0.0')
    const root = tracer.startSpan('root', { kind: 1, attributes: { n: 7, big: 2 ** 40, ratio: 0.25, ok: true, list: ['a', 'b'], nums: [1, 2] } })
    root.addEvent('step', { at: 'middle' })
    root.addLink({ context: root.spanContext(), attributes: { why: 'self' } })
    root.setStatus({ code: 2, message: 'boom' })
    root.end()
    tracer.startSpan('second').end()
    expect(sameAsGeneralPath(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!)).toBe(true)
  })

  it('generated requests: every value kind, absent and empty fields, int64 and time extremes (all answered)', () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(sameAsGeneralPath(encode(r))).toBe(true)
      }),
      { numRuns: 400, seed: 1212 },
    )
  }, 60_000)

  it('byte-mutated requests: answered ones equal the general path, every malformed one is left to it', () => {
    let answered = 0
    const bodies = [...golden, ...fc.sample(request, { numRuns: 40, seed: 7 }).map(encode)].filter((b) => b.length > 0)
    fc.assert(
      fc.property(fc.nat(bodies.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (which, flips) => {
        const bytes = Buffer.from(bodies[which]!)
        for (const [at, x] of flips) bytes[at % bytes.length]! ^= x
        let generalThrows = false
        try {
          decodeProtobufRequest('traces', bytes)
        } catch {
          generalThrows = true
        }
        if (generalThrows) expect(spansFromProtobuf(bytes)).toBeNull()
        else if (sameAsGeneralPath(bytes)) answered++
      }),
      { numRuns: 2500, seed: 12 },
    )
    expect(answered).toBeGreaterThan(300) // the comparison ran on many answered variants
  }, 60_000)

  it('leaves the uncommon shapes to the general path', () => {
    // length-delimited field: tag, length, bytes (all short here)
    const ld = (tag: number, ...parts: Buffer[]) => {
      const inner = Buffer.concat(parts)
      return Buffer.concat([Buffer.from([tag, inner.length]), inner])
    }
    const str = (tag: number, s: string) => ld(tag, Buffer.from(s))
    const spanWith = (...attributes: Buffer[]) => ld(0x0a, ld(0x12, ld(0x12, ld(0x0a, Buffer.alloc(16, 1)), ld(0x12, Buffer.alloc(8, 2)), str(0x2a, 'n'), ...attributes)))
    // one AnyValue holding a string and then a bool: protobufjs keeps the last
    const twoValues = spanWith(ld(0x4a, str(0x0a, 'a'), ld(0x12, str(0x0a, 'x'), Buffer.from([0x10, 0x01]))))
    // a resource after its scope spans: the general path applies it to them
    const resourceLast = ld(0x0a, ld(0x12, ld(0x12, str(0x2a, 'n'))), ld(0x0a, ld(0x0a, str(0x0a, 'service.name'), ld(0x12, str(0x0a, 's')))))
    for (const body of [twoValues, resourceLast]) {
      expect(spansFromProtobuf(body)).toBeNull()
      expect(otlpToItems('traces', decodeProtobufRequest('traces', body), 0).ok).toBe(true)
    }
    const general = otlpToItems('traces', decodeProtobufRequest('traces', resourceLast), 0)
    expect(general.ok && (general.items[0] as unknown as { item: { service: string } }).item.service).toBe('s')
    expect(spansFromProtobuf(spanWith())).not.toBeNull()
    expect(spansFromProtobuf(Buffer.from([0x0a, 0x05, 0x01]))).toBeNull() // truncated
  })
})
