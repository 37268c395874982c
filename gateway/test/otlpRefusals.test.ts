// Every non-200 answer of the OTLP routes is a google.rpc.Status in the request's encoding (protobuf or
// JSON), and the OpenTelemetry JS exporters read it as such: a 401 is a non-retryable failure carrying the
// Status, a 429 is retried after Retry-After. /v1/batch keeps its JSON envelope for the same refusals.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { afterAll, describe, expect, it } from 'vitest'
import { OTLPTraceExporter as TracesJson } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto'
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace'
import { decodeStatus } from '../src/otlp/otlpProto.ts'
import { refusalResponse, type Refusal } from '../src/refusals.ts'
import { RecordingProducer, TEST_DEV_KEY, testApp } from './fakes.ts'

// @opentelemetry/core's ExportResult (core is not a direct dependency of this repository)
type ExportResult = { code: number; error?: Error }
const ExportResultCode = { SUCCESS: 0, FAILED: 1 } as const

function sdkSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'refusal-svc' }), spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  provider.getTracer('unit').startSpan('one').end()
  return exporter.getFinishedSpans()
}
const bodies = {
  protobuf: () => ProtobufTraceSerializer.serializeRequest(sdkSpans())!,
  json: () => JsonTraceSerializer.serializeRequest(sdkSpans())!,
}
const contentTypes = { protobuf: 'application/x-protobuf', json: 'application/json' } as const

/** The google.rpc.Status of an answer, read in the encoding the answer says it has. */
async function statusOf(res: Response): Promise<{ code: number; message: string }> {
  const bytes = new Uint8Array(await res.arrayBuffer())
  if (res.headers.get('content-type') === 'application/x-protobuf') return decodeStatus(bytes)
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>
  expect(Object.keys(parsed).sort()).toEqual(['code', 'message']) // a Status, not the /v1/batch envelope
  return parsed as { code: number; message: string }
}

type Scenario = {
  status: number
  grpc: number
  message: RegExp
  retryAfter?: boolean
  setUp: () => { app: ReturnType<typeof testApp>['app']; headers?: Record<string, string>; body?: (encoding: 'protobuf' | 'json') => string | Uint8Array; path?: string; method?: string; first?: boolean }
}

const throwingVerifier = () => {
  throw new Error('the key store is broken')
}

const scenarios: Record<string, Scenario> = {
  '400 undecodable body': { status: 400, grpc: 3, message: /not a valid protobuf|malformed JSON/, setUp: () => ({ app: testApp().app, body: (e) => (e === 'protobuf' ? new Uint8Array([0xff, 0xff, 0xff]) : '{"resourceSpans": [') }) },
  '401 no write key': { status: 401, grpc: 16, message: /write key is required/, setUp: () => ({ app: testApp().app, headers: { authorization: '' } }) },
  '401 unknown write key': { status: 401, grpc: 16, message: /unknown or revoked/, setUp: () => ({ app: testApp().app, headers: { authorization: 'Bearer nope-nope-nope' } }) },
  '404 no such route': { status: 404, grpc: 5, message: /no route for GET \/v1\/traces/, setUp: () => ({ app: testApp().app, method: 'GET' }) },
  '413 too many items': { status: 413, grpc: 8, message: /LIMIT_OTLP_ITEMS_PER_REQUEST/, setUp: () => ({ app: testApp({ limits: { otlpItemsPerRequest: 0 } }).app }) },
  '413 body too large': { status: 413, grpc: 8, message: /LIMIT_BODY_BYTES/, setUp: () => ({ app: testApp({ limits: { bodyBytes: 10 } }).app }) },
  '429 rate limited': { status: 429, grpc: 8, message: /rate limit of 1 requests\/s/, retryAfter: true, setUp: () => ({ app: testApp({ env: { RATE_LIMIT_REQUESTS_PER_SECOND: '1', RATE_LIMIT_BURST: '1' } }).app, first: true }) },
  '503 Kafka unavailable': {
    status: 503,
    grpc: 14,
    message: /Kafka did not acknowledge/,
    retryAfter: true,
    setUp: () => {
      const producer = new RecordingProducer()
      producer.failWith = new Error('broker down')
      return { app: testApp({ producer }).app }
    },
  },
  '500 unexpected error': { status: 500, grpc: 13, message: /internal error .*request id/, setUp: () => ({ app: testApp({ verifyWriteKey: throwingVerifier }).app }) },
}

describe('OTLP refusals are google.rpc.Status in the request encoding', () => {
  for (const encoding of ['protobuf', 'json'] as const) {
    it.each(Object.entries(scenarios))(`%s (${encoding})`, async (_name, s) => {
      const { app, headers = {}, body = bodies[encoding], path = '/v1/traces', method = 'POST', first = false } = s.setUp()
      const send = () =>
        app.request(path, {
          method,
          headers: { 'content-type': contentTypes[encoding], authorization: `Bearer ${TEST_DEV_KEY}`, ...headers },
          ...(method === 'POST' ? { body: body(encoding) as string | Uint8Array<ArrayBuffer> } : {}),
        })
      if (first) expect((await send()).status).toBe(200) // the one token of the bucket
      const res = await send()
      expect(res.status).toBe(s.status)
      expect(res.headers.get('content-type')).toBe(s.status === 415 ? 'application/json' : contentTypes[encoding])
      const status = await statusOf(res)
      expect(status.code).toBe(s.grpc)
      expect(status.message).toMatch(s.message)
      if (s.retryAfter) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      if (s.status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="telemetry"/)
    })
  }

  it('415 unsupported Content-Type: a JSON Status (the request named no encoding we speak)', async () => {
    const { app } = testApp()
    const res = await app.request('/v1/logs', { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${TEST_DEV_KEY}` }, body: 'x' })
    expect(res.status).toBe(415)
    expect(await statusOf(res)).toMatchObject({ code: 3, message: expect.stringMatching(/Content-Type "text\/plain" is not supported/) })
  })

  it.each(['/v1/traces', '/v1/metrics', '/v1/logs'])('%s: 403 and admission-control 503 (server.ts) take the same mapping', async (path) => {
    const refusals: Array<[Refusal, number]> = [
      [{ status: 403, message: 'not your app', retryable: false }, 7],
      [{ status: 503, message: 'the gateway is at capacity', retryable: true, retryAfterSeconds: 2 }, 14],
    ]
    for (const [refusal, grpc] of refusals) {
      const res = refusalResponse(new Request(`http://gw${path}`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' } }), refusal)
      expect(res.status).toBe(refusal.status)
      expect(await statusOf(res)).toEqual({ code: grpc, message: refusal.message })
      if (refusal.retryAfterSeconds) expect(res.headers.get('retry-after')).toBe('2')
    }
  })

  it('an unexpected error is logged with the request id and a stack, counted, and not retryable', async () => {
    const { app, logLines, metrics } = testApp({ verifyWriteKey: throwingVerifier })
    const res = await app.request('/v1/batch', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer x', 'x-request-id': 'req-bug-1' }, body: '{}' })
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ code: 2, message: expect.stringContaining('req-bug-1'), retryable: false, parts: [] })
    const logged = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'unexpected error')
    expect(logged).toMatchObject({ request_id: 'req-bug-1', route: '/v1/batch', error: 'the key store is broken' })
    expect(logged!.stack).toMatch(/throwingVerifier/)
    expect(await metrics.registry.getSingleMetricAsString('gateway_unexpected_errors_total')).toContain('gateway_unexpected_errors_total{route="/v1/batch"} 1')
  })
})

describe('the OpenTelemetry JS trace exporters read our refusals', { timeout: 20_000 }, () => {
  const servers: Server[] = []
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))))

  /** Serves a test app on a free port and records every answer (status, Retry-After, body). */
  async function serveApp(opts: Parameters<typeof testApp>[0]) {
    const { app } = testApp(opts)
    const answers: Array<{ status: number; at: number; retryAfter: string | null; body: Uint8Array; contentType: string | null }> = []
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: async (req) => {
        const res = await app.fetch(req)
        const body = new Uint8Array(await res.clone().arrayBuffer())
        answers.push({ status: res.status, at: Date.now(), retryAfter: res.headers.get('retry-after'), body, contentType: res.headers.get('content-type') })
        return res
      }, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server
    })
    servers.push(server)
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, answers }
  }
  const exporters = {
    protobuf: (url: string, key: string) => new TracesProto({ url, headers: { Authorization: `Bearer ${key}` }, timeoutMillis: 5_000 }),
    json: (url: string, key: string) => new TracesJson({ url, headers: { Authorization: `Bearer ${key}` }, timeoutMillis: 5_000 }),
  }
  const exportOnce = (exporter: { export(spans: ReadableSpan[], done: (r: ExportResult) => void): void }) => new Promise<ExportResult>((resolve) => exporter.export(sdkSpans(), resolve))

  for (const encoding of ['protobuf', 'json'] as const) {
    it(`${encoding}: a 401 is a failure whose data is our google.rpc.Status (UNAUTHENTICATED)`, async () => {
      const { url, answers } = await serveApp({})
      const result = await exportOnce(exporters[encoding](url, 'not-a-key-0000'))
      expect(result.code).toBe(ExportResultCode.FAILED)
      const error = result.error as Error & { code?: number; data?: string }
      expect(error.name).toBe('OTLPExporterError')
      expect(error.code).toBe(401)
      expect(answers).toHaveLength(1) // not retried: 401 is not retryable
      // the exporter keeps the body as text; the Status it holds is what the gateway sent
      const status = encoding === 'protobuf' ? decodeStatus(Buffer.from(error.data!, 'utf8')) : (JSON.parse(error.data!) as { code: number; message: string })
      expect(status).toEqual({ code: 16, message: 'the write key is unknown or revoked' })
      expect(answers[0]!.contentType).toBe(contentTypes[encoding])
    })

    it(`${encoding}: a 429 is retried after its Retry-After, then accepted`, async () => {
      const { url, answers } = await serveApp({ env: { RATE_LIMIT_REQUESTS_PER_SECOND: '1', RATE_LIMIT_BURST: '1' } })
      const exporter = exporters[encoding](url, TEST_DEV_KEY)
      expect((await exportOnce(exporter)).code).toBe(ExportResultCode.SUCCESS) // takes the bucket's one token
      const result = await exportOnce(exporter)
      expect(result.code).toBe(ExportResultCode.SUCCESS)
      expect(answers.map((a) => a.status)).toEqual([200, 429, 200])
      const limited = answers[1]!
      expect(limited.retryAfter).toBe('1')
      expect(answers[2]!.at - limited.at).toBeGreaterThanOrEqual(900) // the exporter waited as told
      const status = limited.contentType === 'application/x-protobuf' ? decodeStatus(limited.body) : (JSON.parse(new TextDecoder().decode(limited.body)) as { code: number })
      expect(status.code).toBe(8)
    })
  }
})
