// OTLP/HTTP protobuf: the request and response messages from schemas/otlp/otlp.proto, loaded once by
// protobufjs (no generated code). Decoded requests are turned into the OTLP/JSON shape (lowerCamelCase
// keys, int64 as decimal strings, enums as numbers, trace and span ids as hex), so one mapper serves both
// encodings.
import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'

const source = readFileSync(new URL('../../../schemas/otlp/otlp.proto', import.meta.url), 'utf8')
const root = protobuf.parse(source, { keepCase: false }).root

export type SignalKind = 'traces' | 'metrics' | 'logs'

const requestTypes: Record<SignalKind, protobuf.Type> = {
  traces: root.lookupType('otlp.ExportTraceServiceRequest'),
  metrics: root.lookupType('otlp.ExportMetricsServiceRequest'),
  logs: root.lookupType('otlp.ExportLogsServiceRequest'),
}
const responseTypes: Record<SignalKind, protobuf.Type> = {
  traces: root.lookupType('otlp.ExportTraceServiceResponse'),
  metrics: root.lookupType('otlp.ExportMetricsServiceResponse'),
  logs: root.lookupType('otlp.ExportLogsServiceResponse'),
}
const rpcStatus = root.lookupType('otlp.RpcStatus')

/** The name of the rejected-count field of each signal's partial_success. */
export const rejectedField = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' } as const

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId'])

/** Protobuf bytes → OTLP/JSON-shaped object. Throws on bytes that are not the message. */
export function decodeProtobufRequest(kind: SignalKind, body: Uint8Array): Record<string, unknown> {
  const type = requestTypes[kind]
  const message = type.decode(body)
  const obj = type.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false, arrays: true })
  return idsToHex(obj) as Record<string, unknown>
}

// OTLP/JSON writes trace and span ids as hex, protobuf's JSON form as base64: convert the id fields.
function idsToHex(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(idsToHex)
  if (typeof node !== 'object' || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) {
    out[k] = ID_FIELDS.has(k) && typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : idsToHex(v)
  }
  return out
}

export type PartialSuccess = { rejected: number; errorMessage: string } | null

/** Export*ServiceResponse, in the request's encoding. No partial_success when nothing was rejected. */
export function encodeResponse(kind: SignalKind, partial: PartialSuccess, as: 'json' | 'protobuf'): Uint8Array | string {
  const body = partial ? { partialSuccess: { [rejectedField[kind]]: String(partial.rejected), errorMessage: partial.errorMessage } } : {}
  if (as === 'json') return JSON.stringify(body)
  const type = responseTypes[kind]
  return type.encode(type.fromObject(body)).finish()
}

/** google.rpc.Status (code: 3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE ...), in the request's encoding. */
export function encodeStatus(code: number, message: string, as: 'json' | 'protobuf'): Uint8Array | string {
  if (as === 'json') return JSON.stringify({ code, message })
  return rpcStatus.encode(rpcStatus.fromObject({ code, message })).finish()
}

export function decodeStatus(body: Uint8Array): { code: number; message: string } {
  return rpcStatus.toObject(rpcStatus.decode(body), { defaults: true }) as { code: number; message: string }
}

export function decodeResponse(kind: SignalKind, body: Uint8Array): Record<string, unknown> {
  const type = responseTypes[kind]
  return type.toObject(type.decode(body), { longs: String, defaults: false })
}
