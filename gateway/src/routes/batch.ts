// POST /v1/batch — the whole pipeline of one upload, in order:
//   decode → envelope → split/validate → enrich → produce → respond
// Categories spans / metrics / logs validate and enrich with their type's declaration (schemas/), the
// same steps the OTLP routes (routes/otlp.ts) use.
import type { Context } from 'hono'
import type { GatewayConfig, Limits } from '../../../common/config.ts'
import type { Logger } from '../../../common/logger.ts'
import { partCodes } from '../../../schemas/codes.ts'
import type { EventProducer } from '../eventProducer.ts'
import type { GeoLookup } from '../geo.ts'
import type { GatewayMetrics } from '../metrics.ts'
import { buildResponse } from '../steps/buildResponse.ts'
import { refuse } from '../refusals.ts'
import { decodeBody } from '../steps/decodeBody.ts'
import { enrichEvents, type EnrichOutcome } from '../steps/enrichEvent.ts'
import { enrichItems, type ItemEnrichOutcome } from '../steps/enrichItems.ts'
import { produceAccepted, produceItems, type ProduceResult } from '../steps/produceAccepted.ts'
import { checkEnvelope, splitAndValidate, splitAndValidateItems } from '../steps/splitAndValidate.ts'
import { typeForCategory } from '../../../schemas/telemetryTypes.ts'
import type { GatewayEnv } from '../gatewayEnv.ts'
import { ANY_APP } from '../auth/writeKeys.ts'
import type { RecordingSpan, SelfTracer } from '../../../common/selfTrace.ts'
import { traceRequest, type StepSpans } from '../selfTraceRequest.ts'

export type BatchDeps = {
  config: GatewayConfig
  limits: Limits
  producer: EventProducer
  geo: GeoLookup
  metrics: GatewayMetrics
  log: Logger
  selfTracer?: SelfTracer
}

export function batchRoute(deps: BatchDeps) {
  const { config, limits, producer, geo, metrics, log } = deps
  // self-tracing (SELF_TRACE_SAMPLE_RATIO): the request span and one span per step, when sampled
  return (c: Context<GatewayEnv>) => traceRequest(c, deps.selfTracer, '/v1/batch', (spans) => handle(c, spans))

  async function handle(c: Context<GatewayEnv>, spans: StepSpans) {
    const receivedAt = Date.now()
    metrics.uploads.inc({ type: 'all_upload' })

    const decodeSpan = spans.child('decode')
    const decoded = await decodeBody(c.req.raw, limits)
    decodeSpan?.end(decoded.ok ? {} : { error: decoded.message })
    if (!decoded.ok) return refuse(c, { status: decoded.status, message: decoded.message, retryable: false })

    const checked = checkEnvelope(decoded.json, limits)
    if (!checked.ok) {
      if (checked.wrongMeta) metrics.uploads.inc({ type: 'wrong_meta' })
      return refuse(c, { status: checked.status, message: checked.message, retryable: false })
    }
    const { meta, data } = checked.envelope

    // The key is checked before the body is read (requireWriteKey); its app only now that meta is known.
    const scope = c.get('writeScope')
    if (scope && scope.appId !== ANY_APP && scope.appId !== meta.app_id) {
      metrics.authFailures.inc({ reason: 'wrong_app' })
      c.set('summary', { app_id: meta.app_id, category: meta.category, events: data.length })
      return refuse(c, { status: 403, message: `write key ${scope.keyId} may write to app "${scope.appId}" only, not to "${meta.app_id.slice(0, 128)}"`, retryable: false })
    }

    const trace = c.get('trace')
    const produceContext = { topicTemplate: config.topicTemplate, timeoutMs: config.produceTimeoutMs, traceparent: trace.traceparent, requestId: c.get('requestId') }
    // categories "spans", "metrics" and "logs" hold typed items (schemas/telemetryTypes.ts); others are events
    const type = typeForCategory(meta.category)
    let enriched: Array<EnrichOutcome | ItemEnrichOutcome>
    let produced: ProduceResult
    const step = spans.step
    const okCount = (outcomes: { ok: boolean }[]) => outcomes.filter((o) => o.ok).length
    let producing: RecordingSpan | null = null
    if (type) {
      const validated = step('validate', () => splitAndValidateItems(data, type, limits), (v) => ({ 'telemetry.category': meta.category, 'telemetry.items': data.length, 'telemetry.valid': okCount(v) }))
      const items = step('enrich', () => enrichItems(validated, type, { requestId: c.get('requestId'), receivedAt, appId: meta.app_id }), (v) => ({ 'telemetry.enriched': okCount(v) }))
      producing = spans.child('produce')
      produced = await produceItems(producer, type, items, produceContext)
      enriched = items
    } else {
      const validated = step('validate', () => splitAndValidate(data, limits), (v) => ({ 'telemetry.category': meta.category, 'telemetry.items': data.length, 'telemetry.valid': okCount(v) }))
      const events = step('enrich', () => enrichEvents(validated, { requestId: c.get('requestId'), receivedAt, clientIp: c.get('clientIp'), meta, maxFutureMs: config.maxFutureMs, ipAnonymization: config.ipAnonymization }, geo), (v) => ({ 'telemetry.enriched': okCount(v) }))
      producing = spans.child('produce')
      produced = await produceAccepted(producer, events, produceContext)
      enriched = events
    }
    if (produced.status !== 'nothing-to-send') producing?.setAttributes({ 'messaging.destination.name': produced.topic, ...(produced.status === 'acknowledged' ? { 'messaging.batch.message_count': produced.count } : {}) })
    producing?.end(produced.status === 'unavailable' ? { error: `kafka produce failed: ${produced.error}` } : {})
    if (produced.status !== 'nothing-to-send') {
      metrics.produceDuration.observe({ outcome: produced.status }, produced.durationMs / 1000)
    }
    if (produced.status === 'unavailable') {
      log.warn('kafka produce failed', { request_id: c.get('requestId'), topic: produced.topic, error: produced.error })
    }

    const response = buildResponse(enriched, produced)
    for (const o of enriched) {
      if (!o.ok) metrics.uploads.inc({ type: 'wrong_data' })
    }
    if (response.status === 200) metrics.uploads.inc({ type: 'success_upload' })
    countOutcomes(metrics, meta.category, response.body.parts)
    c.set('summary', { app_id: meta.app_id, category: meta.category, events: data.length, accepted: response.accepted, rejected: response.rejected, trace_id: trace.traceId })

    if (response.status === 503) c.header('Retry-After', String(config.retryAfterSeconds))
    return c.json(response.body, response.status)
  }
}

function countOutcomes(metrics: GatewayMetrics, category: string, parts: { code: number }[]) {
  const byCode = new Map<number, number>()
  for (const p of parts) byCode.set(p.code, (byCode.get(p.code) ?? 0) + 1)
  for (const [code, n] of byCode) {
    metrics.countEvent(category, code === 0 ? 'accepted' : 'rejected', reasonName(code), n)
  }
}

const reasonByCode = new Map<number, string>(Object.entries(partCodes).map(([name, v]) => [v.code, name]))
function reasonName(code: number): string {
  return reasonByCode.get(code) ?? String(code)
}
