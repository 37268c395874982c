// The part every ingest route shares, for every kind of item: validate → enrich → produce, with the
// request's self-trace step spans, the produce metrics and the produce failure log line. The routes around
// it only decode their protocol (routes/batch.ts, routes/otlp.ts) and answer in it.
import type { Context } from 'hono'
import type { GatewayConfig, Limits } from '../../../common/config.ts'
import type { Logger } from '../../../common/logger.ts'
import type { BatchMeta } from '../../../schemas/envelope.ts'
import type { RequestFacts, TelemetryType } from '../../../schemas/telemetryType.ts'
import { anonymizeIp } from '../anonymizeIp.ts'
import type { EventProducer } from '../eventProducer.ts'
import type { GatewayEnv } from '../gatewayEnv.ts'
import type { GeoLookup } from '../geo.ts'
import type { GatewayMetrics } from '../metrics.ts'
import type { StepSpans } from '../selfTraceRequest.ts'
import { enrichItems, type EnrichOutcome } from '../steps/enrichItems.ts'
import { produceAccepted, type ProduceResult } from '../steps/produceAccepted.ts'
import { splitAndValidate } from '../steps/splitAndValidate.ts'

export type IngestDeps = {
  config: GatewayConfig
  limits: Limits
  producer: EventProducer
  geo: GeoLookup
  metrics: GatewayMetrics
  log: Logger
}

export type Ingested = { outcomes: EnrichOutcome[]; produced: ProduceResult }

const okCount = (outcomes: { ok: boolean }[]) => outcomes.filter((o) => o.ok).length

export async function ingestItems(items: unknown[], type: TelemetryType, facts: RequestFacts, spans: StepSpans, c: Context<GatewayEnv>, deps: IngestDeps): Promise<Ingested> {
  const { config, producer, metrics, log } = deps
  const validated = spans.step('validate', () => splitAndValidate(items, type, deps.limits), (v) => ({ 'telemetry.category': facts.category, 'telemetry.items': items.length, 'telemetry.valid': okCount(v) }))
  const outcomes = spans.step('enrich', () => enrichItems(validated, type, facts), (v) => ({ 'telemetry.enriched': okCount(v) }))
  const producing = spans.child('produce')
  const produceContext = { topicTemplate: config.topicTemplate, category: facts.category, timeoutMs: config.produceTimeoutMs, traceparent: c.get('trace').traceparent, requestId: facts.requestId, recordMaxBytes: config.recordMaxBytes }
  const produced = await produceAccepted(producer, type, outcomes, produceContext)
  if (produced.status !== 'nothing-to-send') {
    producing?.setAttributes({ 'messaging.destination.name': produced.topic, ...(produced.status === 'acknowledged' ? { 'messaging.batch.message_count': produced.records, 'telemetry.items': produced.count } : {}) })
    metrics.produceDuration.observe({ outcome: produced.status }, produced.durationMs / 1000)
  }
  producing?.end(produced.status === 'unavailable' ? { error: `kafka produce failed: ${produced.error}` } : {})
  if (produced.status === 'unavailable') log.warn('kafka produce failed', { request_id: facts.requestId, topic: produced.topic, error: produced.error })
  return { outcomes, produced }
}

/** The request's facts for enrich: its ids and times from the context, its app and category from the route. */
export function requestFacts(c: Context<GatewayEnv>, deps: IngestDeps, of: { receivedAt: number; appId: string; category: string; meta: BatchMeta | null }): RequestFacts {
  const { ipAnonymization, maxFutureMs } = deps.config
  return { ...of, requestId: c.get('requestId'), clientIp: c.get('clientIp'), maxFutureMs, geo: deps.geo, anonymizeIp: (ip) => anonymizeIp(ip, ipAnonymization) }
}
