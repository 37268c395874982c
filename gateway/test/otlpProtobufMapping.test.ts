// The protobuf path maps the decoded messages as they are (wireValues.ts), without protobufjs' toObject copy.
// Differential check: for the golden requests and thousands of byte-mutated variants of them (whatever
// still decodes: absent and zero fields, several oneof values, odd ids, huge int64s), the items must equal
// those of the reference path — toObject (int64 as decimal text, bytes as base64) with ids turned to hex,
// the OTLP/JSON shape the mapper was written for.
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import protobuf from 'protobufjs'
import { describe, expect, it } from 'vitest'
import { otlpExamples } from '../../schemas/examples/index.ts'
import { decodeProtobufRequest, type SignalKind } from '../src/otlp/otlpProto.ts'
import { otlpToItems } from '../src/otlp/otlpToItems.ts'

const root = protobuf.parse(readFileSync(new URL('../../schemas/otlp/otlp.proto', import.meta.url), 'utf8'), { keepCase: false }).root
const requestType = {
  traces: root.lookupType('otlp.ExportTraceServiceRequest'),
  metrics: root.lookupType('otlp.ExportMetricsServiceRequest'),
  logs: root.lookupType('otlp.ExportLogsServiceRequest'),
}
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId'])

/** The reference: the OTLP/JSON shape of a protobuf request (what the gateway made of it before). */
function referenceJson(kind: SignalKind, body: Uint8Array): unknown {
  const type = requestType[kind]
  return idsToHex(type.toObject(type.decode(body), { longs: String, enums: Number, bytes: String, defaults: false, arrays: true }))
}
function idsToHex(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(idsToHex)
  if (typeof node !== 'object' || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) out[k] = ID_FIELDS.has(k) && typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : idsToHex(v)
  return out
}

function hexIdsToBase64(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(hexIdsToBase64)
  if (typeof node !== 'object' || node === null) return node
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, ID_FIELDS.has(k) && typeof v === 'string' ? Buffer.from(v, 'hex').toString('base64') : hexIdsToBase64(v)]))
}
const golden = otlpExamples().map((e) => ({ kind: e.signal, bytes: requestType[e.signal].encode(requestType[e.signal].fromObject(hexIdsToBase64(e.request) as Record<string, unknown>)).finish() }))

function expectSameItems(kind: SignalKind, body: Uint8Array): boolean {
  let reference: unknown
  try {
    reference = referenceJson(kind, body)
  } catch {
    expect(() => decodeProtobufRequest(kind, body)).toThrow()
    return false
  }
  const now = 1_764_064_900_000
  expect(otlpToItems(kind, decodeProtobufRequest(kind, body), now)).toStrictEqual(otlpToItems(kind, reference, now))
  return true
}

describe('protobuf requests map to the same items as their OTLP/JSON form', () => {
  it.each(golden.map((g, i) => [i, g] as const))('golden request %i', (_i, g) => {
    expect(expectSameItems(g.kind, g.bytes)).toBe(true)
  })

  it('byte-mutated golden requests (whatever still decodes)', () => {
    let decoded = 0
    fc.assert(
      fc.property(fc.nat(golden.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (which, flips) => {
        const g = golden[which]!
        const bytes = Buffer.from(g.bytes)
        for (const [at, x] of flips) bytes[at % bytes.length]! ^= x
        if (expectSameItems(g.kind, bytes)) decoded++
      }),
      { numRuns: 3000, seed: 12 },
    )
    expect(decoded).toBeGreaterThan(300) // the comparison ran on many decodable variants
  }, 60_000) // about 2 s alone; a busy machine stretches it
})
