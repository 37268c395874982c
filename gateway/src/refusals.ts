// Whole-request refusals, in the shape the route's client reads: the one place that turns "refuse this
// request with status S because M" into a response. /v1/batch answers its JSON envelope (code, message,
// retryable, parts: []); the OTLP routes answer a google.rpc.Status in the request's encoding (protobuf or
// JSON), as the OTLP/HTTP specification asks for every non-200 answer. Middleware (401, 429), routes (400,
// 403, 413, 415, 503), admission control (503, server.ts) and the error handler (404, 500) all answer here.
import type { Context } from 'hono'
import { encodeStatus } from './otlp/otlpProto.ts'
import { envelopeError } from './steps/buildResponse.ts'
import type { GatewayEnv } from './gatewayEnv.ts'
import { mediaType } from './steps/decodeBody.ts'

export type RefusalStatus = 400 | 401 | 403 | 404 | 413 | 415 | 429 | 500 | 503

export type Refusal = {
  status: RefusalStatus
  message: string
  /** can the same request succeed if sent again (later)? */
  retryable: boolean
  /** Retry-After, in seconds (429, 503) */
  retryAfterSeconds?: number
  /** WWW-Authenticate (401) */
  wwwAuthenticate?: string
}

export type OtlpEncoding = 'json' | 'protobuf'

/** Routes whose clients are OpenTelemetry exporters: refusals are google.rpc.Status. */
export const OTLP_PATHS: readonly string[] = ['/v1/traces', '/v1/metrics', '/v1/logs']

/** The encoding an OTLP request is answered in: protobuf when it was sent as protobuf, else JSON. */
export function otlpEncodingOf(req: Request): OtlpEncoding {
  return mediaType(req) === 'application/x-protobuf' ? 'protobuf' : 'json'
}

/** gRPC status codes (google.rpc.Code) for the HTTP statuses the gateway refuses with. */
const grpcCodeFor: Record<RefusalStatus, number> = {
  400: 3, // INVALID_ARGUMENT
  401: 16, // UNAUTHENTICATED
  403: 7, // PERMISSION_DENIED
  404: 5, // NOT_FOUND
  413: 8, // RESOURCE_EXHAUSTED
  415: 3, // INVALID_ARGUMENT
  429: 8, // RESOURCE_EXHAUSTED
  500: 13, // INTERNAL
  503: 14, // UNAVAILABLE
}

/** The refusal as a response, for the protocol of the request's path. Usable outside Hono (server.ts). */
export function refusalResponse(req: Request, refusal: Refusal, requestId?: string): Response {
  const headers = new Headers()
  if (requestId !== undefined) headers.set('X-Request-ID', requestId)
  if (refusal.retryAfterSeconds !== undefined) headers.set('Retry-After', String(refusal.retryAfterSeconds))
  if (refusal.wwwAuthenticate !== undefined) headers.set('WWW-Authenticate', refusal.wwwAuthenticate)
  if (OTLP_PATHS.includes(new URL(req.url).pathname)) {
    const encoding = otlpEncodingOf(req)
    headers.set('Content-Type', encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json')
    const body = encodeStatus(grpcCodeFor[refusal.status], refusal.message, encoding)
    return new Response(typeof body === 'string' ? body : new Uint8Array(body), { status: refusal.status, headers })
  }
  headers.set('Content-Type', 'application/json')
  return new Response(JSON.stringify(envelopeError(refusal.message, refusal.retryable)), { status: refusal.status, headers })
}

/** Refuses the request in the context (its log line then carries the reason). */
export function refuse(c: Context<GatewayEnv>, refusal: Refusal): Response {
  c.set('summary', { ...c.get('summary'), error: refusal.message.slice(0, 200) })
  return refusalResponse(c.req.raw, refusal, c.get('requestId'))
}
