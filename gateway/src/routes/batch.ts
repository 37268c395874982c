// POST /v1/batch — the whole pipeline of one upload, in order:
//   decode → envelope → key's app → validate → enrich → produce (ingestItems.ts) → respond
// The category names the items' type in the registry (schemas/telemetryTypes.ts): generic events, spans,
// metric points or log records all take the same steps, as do the OTLP routes' items (routes/otlp.ts).
import type { Context } from 'hono'
import { partCodes } from '../../../schemas/codes.ts'
import { typeForCategory } from '../../../schemas/telemetryTypes.ts'
import type { SelfTracer } from '../../../common/selfTrace.ts'
import { ANY_APP } from '../auth/writeKeys.ts'
import type { GatewayEnv } from '../gatewayEnv.ts'
import type { GatewayMetrics } from '../metrics.ts'
import { refuse } from '../refusals.ts'
import { traceRequest, type StepSpans } from '../selfTraceRequest.ts'
import { buildResponse } from '../steps/buildResponse.ts'
import { decodeBody } from '../steps/decodeBody.ts'
import { checkEnvelope } from '../steps/splitAndValidate.ts'
import { ingestItems, requestFacts, type IngestDeps } from './ingestItems.ts'

export type BatchDeps = IngestDeps & { selfTracer?: SelfTracer }

export function batchRoute(deps: BatchDeps) {
  const { config, limits, metrics } = deps
  // self-tracing (SELF_TRACE_SAMPLE_RATIO): the request span and one span per step, when sampled
  return (c: Context<GatewayEnv>) => traceRequest(c, deps.selfTracer, '/v1/batch', (spans) => handle(c, spans))

  async function handle(c: Context<GatewayEnv>, spans: StepSpans) {
    const receivedAt = Date.now()
    metrics.uploads.inc({ type: 'all_upload' })

    const decodeSpan = spans.child('decode')
    const decoded = await decodeBody(c.req.raw, limits, c.env?.incoming)
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

    // the category names the items' type (schemas/telemetryTypes.ts): spans, metrics, logs, else generic events
    const type = typeForCategory(meta.category)
    const facts = requestFacts(c, deps, { receivedAt, appId: meta.app_id, category: meta.category, meta })
    const { outcomes, produced } = await ingestItems(data, type, facts, spans, c, deps)
    const response = buildResponse(outcomes, produced)
    for (const o of outcomes) {
      if (!o.ok) metrics.uploads.inc({ type: 'wrong_data' })
    }
    if (response.status === 200) metrics.uploads.inc({ type: 'success_upload' })
    countOutcomes(metrics, meta.category, response.body.parts)
    c.set('summary', { app_id: meta.app_id, category: meta.category, events: data.length, accepted: response.accepted, rejected: response.rejected, trace_id: c.get('trace').traceId })

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
