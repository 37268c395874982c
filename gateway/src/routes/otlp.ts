// POST /v1/traces, /v1/metrics, /v1/logs — OTLP/HTTP (protobuf or JSON), in order:
//   decode → OTLP to items → split/validate → enrich → produce → respond
// The items are spans, metric points and log records in our own shapes (schemas/), validated, enriched and
// produced by the same steps as /v1/batch categories spans / metrics / logs. Answers per OTLP/HTTP:
// 200 with Export*ServiceResponse (partial_success when items were refused), 400/413/415 with a
// google.rpc.Status, 503 + Retry-After when Kafka did not acknowledge (the exporter retries).
import type { Context } from 'hono'
import type { GatewayConfig, Limits } from '../../../common/config.ts'
import type { Logger } from '../../../common/logger.ts'
import type { TelemetryType } from '../../../schemas/telemetryType.ts'
import { ANY_APP } from '../auth/writeKeys.ts'
import type { GatewayEnv } from '../app.ts'
import type { EventProducer } from '../eventProducer.ts'
import type { GatewayMetrics } from '../metrics.ts'
import { encodeResponse, encodeStatus, type SignalKind } from '../otlp/otlpProto.ts'
import { otlpToItems } from '../otlp/otlpToItems.ts'
import { decodeOtlp, type OtlpEncoding } from '../steps/decodeOtlp.ts'
import { enrichItems } from '../steps/enrichItems.ts'
import { produceItems } from '../steps/produceAccepted.ts'
import { splitAndValidateItems, type Rejected } from '../steps/splitAndValidate.ts'
import type { SelfTracer } from '../../../common/selfTrace.ts'
import { traceRequest, type StepSpans } from '../selfTraceRequest.ts'

export type OtlpDeps = {
  config: GatewayConfig
  limits: Limits
  producer: EventProducer
  metrics: GatewayMetrics
  log: Logger
  selfTracer?: SelfTracer
}

// gRPC status codes carried by google.rpc.Status
const INVALID_ARGUMENT = 3
const RESOURCE_EXHAUSTED = 8
const UNAVAILABLE = 14

export function otlpRoute(kind: SignalKind, type: TelemetryType, deps: OtlpDeps) {
  const { config, limits, producer, metrics, log } = deps
  // self-tracing (SELF_TRACE_SAMPLE_RATIO): the request span and one span per step, when sampled
  return (c: Context<GatewayEnv>) => traceRequest(c, deps.selfTracer, `/v1/${kind}`, (spans) => handle(c, spans))

  async function handle(c: Context<GatewayEnv>, spans: StepSpans) {
    const receivedAt = Date.now()
    const decodeSpan = spans.child('decode')
    const decoded = await decodeOtlp(c.req.raw, kind, limits)
    decodeSpan?.end(decoded.ok ? {} : { error: decoded.message })
    if (!decoded.ok) return status(c, decoded.status, decoded.status === 413 ? RESOURCE_EXHAUSTED : INVALID_ARGUMENT, decoded.message, decoded.encoding)
    const { encoding } = decoded

    const mapped = otlpToItems(kind, decoded.request, receivedAt)
    if (!mapped.ok) return status(c, 400, INVALID_ARGUMENT, mapped.message, encoding)
    if (mapped.items.length > limits.otlpItemsPerRequest) {
      return status(c, 413, RESOURCE_EXHAUSTED, `request has ${mapped.items.length} ${type.noun}s, limit ${limits.otlpItemsPerRequest} (LIMIT_OTLP_ITEMS_PER_REQUEST)`, encoding)
    }

    // valid OTLP, answered 200 as the specification says, but often a mistake (a wrapper or a body without
    // resourceSpans/resourceMetrics/resourceLogs at its top level): make it visible
    if (mapped.items.length === 0) {
      metrics.otlpEmptyRequests.inc({ signal: kind })
      log.warn('OTLP request with no items: nothing stored', { request_id: c.get('requestId'), signal: kind, encoding, hint: `an OTLP/JSON body has resource${kind === 'traces' ? 'Spans' : kind === 'metrics' ? 'Metrics' : 'Logs'} at its top level` })
    }
    // items OTLP could not even map are refused as invalid; the others are validated like /v1/batch items
    const mappable = mapped.items.flatMap((m, index) => (m.ok ? [{ index, item: m.item }] : []))
    const validated = spans.step(
      'validate',
      () => splitAndValidateItems(mappable.map((m) => m.item), type, limits).map((o, i) => ({ ...o, index: mappable[i]!.index })),
      (v) => ({ 'telemetry.category': type.category, 'telemetry.items': mapped.items.length, 'telemetry.valid': v.filter((o) => o.ok).length }),
    )
    const unmappable: Rejected[] = mapped.items.flatMap((m, index) => (m.ok ? [] : [{ index, id: '', ok: false as const, reason: 'INVALID_EVENT' as const, message: m.message }]))
    const requestId = c.get('requestId')
    const trace = c.get('trace')
    // OTLP has no app id of its own: items carry the app of the write key that sent them ('' for a key of every app)
    const scope = c.get('writeScope')
    const enriched = spans.step('enrich', () => enrichItems(validated, type, { requestId, receivedAt, appId: scope && scope.appId !== ANY_APP ? scope.appId : '' }), (v) => ({ 'telemetry.enriched': v.filter((o) => o.ok).length }))
    const producing = spans.child('produce')
    const produced = await produceItems(producer, type, enriched, {
      topicTemplate: config.topicTemplate,
      timeoutMs: config.produceTimeoutMs,
      traceparent: trace.traceparent,
      requestId,
    })
    if (produced.status !== 'nothing-to-send') producing?.setAttributes({ 'messaging.destination.name': produced.topic, ...(produced.status === 'acknowledged' ? { 'messaging.batch.message_count': produced.count } : {}) })
    producing?.end(produced.status === 'unavailable' ? { error: `kafka produce failed: ${produced.error}` } : {})
    if (produced.status !== 'nothing-to-send') metrics.produceDuration.observe({ outcome: produced.status }, produced.durationMs / 1000)

    const refused = [...unmappable, ...enriched.filter((o): o is Rejected => !o.ok)].sort((a, b) => a.index - b.index)
    const accepted = enriched.length - (refused.length - unmappable.length)
    c.set('summary', { otlp: kind, encoding, items: mapped.items.length, accepted: produced.status === 'unavailable' ? 0 : accepted, rejected: refused.length, trace_id: trace.traceId })

    if (produced.status === 'unavailable') {
      log.warn('kafka produce failed', { request_id: requestId, topic: produced.topic, error: produced.error })
      metrics.countEvent(type.category, 'rejected', 'KAFKA_UNAVAILABLE', accepted)
      c.header('Retry-After', String(config.retryAfterSeconds))
      return status(c, 503, UNAVAILABLE, `Kafka did not acknowledge in time: nothing of this request was accepted; retry after ${config.retryAfterSeconds} s`, encoding)
    }
    if (accepted > 0) metrics.countEvent(type.category, 'accepted', 'ACCEPTED', accepted)
    for (const r of refused) metrics.countEvent(type.category, 'rejected', r.reason, 1)
    const partial = refused.length > 0 ? { rejected: refused.length, errorMessage: describeRefusals(refused, mapped.items.length, type) } : null
    return respond(c, 200, encodeResponse(kind, partial, encoding), encoding)
  }
}

/** "2 of 5 spans refused: #1: span: trace_id: must be ...; #4: ..." (the first five reasons). */
function describeRefusals(refused: Rejected[], total: number, type: TelemetryType): string {
  const reasons = refused.slice(0, 5).map((r) => `#${r.index}${r.id ? ` (${r.id})` : ''}: ${r.message}`)
  const more = refused.length > 5 ? `; and ${refused.length - 5} more` : ''
  return `${refused.length} of ${total} ${type.noun}s refused: ${reasons.join('; ')}${more}`.slice(0, 2000)
}

function status(c: Context<GatewayEnv>, httpStatus: 400 | 413 | 415 | 503, code: number, message: string, encoding: OtlpEncoding) {
  c.set('summary', { ...c.get('summary'), error: message.slice(0, 200) })
  return respond(c, httpStatus, encodeStatus(code, message, encoding), encoding)
}

function respond(c: Context<GatewayEnv>, httpStatus: 200 | 400 | 413 | 415 | 503, body: Uint8Array | string, encoding: OtlpEncoding) {
  return c.body(typeof body === 'string' ? body : new Uint8Array(body), httpStatus, { 'Content-Type': encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json' })
}
