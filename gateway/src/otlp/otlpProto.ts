// OTLP/HTTP protobuf: the request and response messages from schemas/otlp/otlp.proto, loaded once by
// protobufjs (no generated code). Decoded requests keep OTLP/JSON's lowerCamelCase field names and enums as
// numbers, so one mapper (otlpToItems.ts) reads both encodings; it converts int64 and bytes fields itself.
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

/**
 * Protobuf bytes → the decoded request message, read as it is by otlpToItems (no toObject copy: see
 * wireValues.ts for how its fields are read). Throws on bytes that are not the message.
 */
export function decodeProtobufRequest(kind: SignalKind, body: Uint8Array): Record<string, unknown> {
  return requestTypes[kind].decode(body) as unknown as Record<string, unknown>
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
