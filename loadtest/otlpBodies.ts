// OTLP/HTTP protobuf bodies for the benchmark, the shape the Collector comparison used: an
// ExportTraceServiceRequest of 100 spans under 4 resources, 5-11 attributes a span, encoded once with
// protobufjs from the project's proto. Spans are deduplicated by (trace_id, span_id) in ClickHouse, so every
// request must carry new ids: `next()` copies the template and overwrites the first 4 bytes of every trace,
// span and parent id with a per-request counter (a copy and a few writes, so the load generator stays cheap).
import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'

const SERVICES = ['checkout', 'cart', 'payments', 'search']
const OPERATIONS = ['GET /v1/orders', 'POST /v1/orders', 'SELECT orders', 'redis GET', 'GET /v1/users/:id', 'kafka publish']

export type OtlpBodyTemplate = { spans: number; bytes: number; next(): Buffer }

/** Deterministic ids: 0x5a, then the resource, trace, span numbers, so the template's ids are all distinct. */
function id(len: number, ...parts: number[]): Buffer {
  const b = Buffer.alloc(len, 0x5a)
  parts.forEach((p, i) => b.writeUInt16BE(p, len - 2 * (parts.length - i)))
  return b
}

export function otlpTraceTemplate(spansPerResource = 25, resources = 4): OtlpBodyTemplate {
  const root = protobuf.parse(readFileSync(new URL('../schemas/otlp/otlp.proto', import.meta.url), 'utf8'), { keepCase: false }).root
  const type = root.lookupType('otlp.ExportTraceServiceRequest')
  const now = BigInt(Date.now()) * 1_000_000n
  const ids: Buffer[] = []
  const resourceSpans = Array.from({ length: resources }, (_, r) => {
    const traceId = id(16, r + 1)
    ids.push(traceId)
    const spans = Array.from({ length: spansPerResource }, (_, s) => {
      const spanId = id(8, r + 1, s + 1)
      ids.push(spanId)
      const attributes = Array.from({ length: 5 + ((r * 7 + s) % 7) }, (_, a) => ({ key: `app.attr_${a}`, value: a % 3 === 0 ? { intValue: String(a * 1000 + s) } : { stringValue: `value-${r}-${s}-${a}` } }))
      const start = now - BigInt((spansPerResource - s) * 1_000_000)
      return {
        traceId,
        spanId,
        ...(s > 0 ? { parentSpanId: id(8, r + 1, 1) } : {}),
        name: OPERATIONS[(r + s) % OPERATIONS.length],
        kind: 2 + (s % 3),
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + BigInt(200_000 + s * 37_000)),
        attributes,
        status: { code: s % 17 === 0 ? 2 : 1 },
      }
    })
    return {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: SERVICES[r % SERVICES.length] } }, { key: 'service.version', value: { stringValue: '1.4.2' } }, { key: 'host.name', value: { stringValue: `node-${r}` } }] },
      scopeSpans: [{ scope: { name: 'bench', version: '1.0.0' }, spans }],
    }
  })
  const template = Buffer.from(type.encode(type.fromObject({ resourceSpans })).finish())
  // every place an id's bytes occur (a parent id repeats its span's id, which is what keeps the tree intact)
  const offsets: number[] = []
  for (const idBytes of ids) for (let at = template.indexOf(idBytes); at >= 0; at = template.indexOf(idBytes, at + 1)) offsets.push(at)
  let counter = (Date.now() / 1000) >>> 0
  return {
    spans: spansPerResource * resources,
    bytes: template.length,
    next() {
      const body = Buffer.from(template)
      counter = (counter + 1) >>> 0
      for (const at of offsets) body.writeUInt32BE(counter, at)
      return body
    },
  }
}
