// POST /v1/traces, /v1/metrics, /v1/logs — OTLP/HTTP (protobuf or JSON), in order:
//   decode → OTLP to items → validate → enrich → produce (ingestItems.ts) → respond
// (protobuf traces in the common shape are mapped to items while decoding: otlp/spansFromProtobuf.ts)
// The items are spans, metric points and log records in our own shapes (schemas/), taking the same steps as
// every /v1/batch item. Answers per OTLP/HTTP:
// 200 with Export*ServiceResponse (partial_success when items were refused); every other answer is a
// google.rpc.Status (refusals.ts), e.g. 503 + Retry-After when Kafka did not acknowledge (the exporter retries).
import type { Context } from 'hono'
import type { SelfTracer } from '../../../common/selfTrace.ts'
import type { TelemetryType } from '../../../schemas/telemetryType.ts'
import { ANY_APP } from '../auth/writeKeys.ts'
import type { GatewayEnv } from '../gatewayEnv.ts'
import { encodeResponse, type SignalKind } from '../otlp/otlpProto.ts'
import { otlpToItems, type OtlpItem } from '../otlp/otlpToItems.ts'
import { refuse } from '../refusals.ts'
import { traceRequest, type StepSpans } from '../selfTraceRequest.ts'
import { decodeOtlp, type OtlpEncoding } from '../steps/decodeOtlp.ts'
import type { Rejected } from '../steps/splitAndValidate.ts'
import { ingestItems, requestFacts, type IngestDeps } from './ingestItems.ts'

export type OtlpDeps = IngestDeps & { selfTracer?: SelfTracer }

export function otlpRoute(kind: SignalKind, type: TelemetryType, deps: OtlpDeps) {
  const { config, limits, metrics, log } = deps
  // self-tracing (SELF_TRACE_SAMPLE_RATIO): the request span and one span per step, when sampled
  return (c: Context<GatewayEnv>) => traceRequest(c, deps.selfTracer, `/v1/${kind}`, (spans) => handle(c, spans))

  async function handle(c: Context<GatewayEnv>, spans: StepSpans) {
    const receivedAt = Date.now()
    const decodeSpan = spans.child('decode')
    const decoded = await decodeOtlp(c.req.raw, kind, limits, c.env?.incoming)
    decodeSpan?.end(decoded.ok ? {} : { error: decoded.message })
    if (!decoded.ok) return refuse(c, { status: decoded.status, message: decoded.message, retryable: false })
    const { encoding } = decoded

    const mapped = 'items' in decoded ? { ok: true as const, items: decoded.items } : otlpToItems(kind, decoded.request, receivedAt)
    if (!mapped.ok) return refuse(c, { status: 400, message: mapped.message, retryable: false })
    if (mapped.items.length > limits.otlpItemsPerRequest) {
      return refuse(c, { status: 413, message: `request has ${mapped.items.length} ${type.noun}s, limit ${limits.otlpItemsPerRequest} (LIMIT_OTLP_ITEMS_PER_REQUEST)`, retryable: false })
    }

    // valid OTLP, answered 200 as the specification says, but often a mistake (a wrapper or a body without
    // resourceSpans/resourceMetrics/resourceLogs at its top level): make it visible
    if (mapped.items.length === 0) {
      metrics.otlpEmptyRequests.inc({ signal: kind })
      log.warn('OTLP request with no items: nothing stored', { request_id: c.get('requestId'), signal: kind, encoding, hint: `an OTLP/JSON body has resource${kind === 'traces' ? 'Spans' : kind === 'metrics' ? 'Metrics' : 'Logs'} at its top level` })
    }
    // items OTLP could not even map are refused as invalid; the others take the steps /v1/batch items take
    const { items, indexes, unmappable } = splitMapped(mapped.items)
    // OTLP has no app id of its own: items carry the app of the write key that sent them ('' for a key of every app)
    const scope = c.get('writeScope')
    const facts = requestFacts(c, deps, { receivedAt, appId: scope && scope.appId !== ANY_APP ? scope.appId : '', category: type.category, meta: null })
    const ingested = await ingestItems(items, type, facts, spans, c, deps)
    const enriched = ingested.outcomes
    // outcomes count the mappable items; with unmappable ones among them, index them in the request
    if (unmappable.length > 0) for (const o of enriched) o.index = indexes[o.index]!
    const { produced } = ingested

    const refused = [...unmappable, ...enriched.filter((o): o is Rejected => !o.ok)].sort((a, b) => a.index - b.index)
    const accepted = enriched.length - (refused.length - unmappable.length)
    c.set('summary', { otlp: kind, encoding, items: mapped.items.length, accepted: produced.status === 'unavailable' ? 0 : accepted, rejected: refused.length, trace_id: c.get('trace').traceId })

    if (produced.status === 'unavailable') {
      metrics.countEvent(type.category, 'rejected', 'KAFKA_UNAVAILABLE', accepted)
      return refuse(c, { status: 503, message: `Kafka did not acknowledge in time: nothing of this request was accepted; retry after ${config.retryAfterSeconds} s`, retryable: true, retryAfterSeconds: config.retryAfterSeconds })
    }
    if (accepted > 0) metrics.countEvent(type.category, 'accepted', 'ACCEPTED', accepted)
    for (const r of refused) metrics.countEvent(type.category, 'rejected', r.reason, 1)
    const partial = refused.length > 0 ? { rejected: refused.length, errorMessage: describeRefusals(refused, mapped.items.length, type) } : null
    return respond(c, 200, encodeResponse(kind, partial, encoding), encoding)
  }
}

/** The mapped items to validate (and their index in the request) and those refused already. */
function splitMapped(mapped: OtlpItem[]): { items: unknown[]; indexes: number[]; unmappable: Rejected[] } {
  const items: unknown[] = []
  const indexes: number[] = []
  const unmappable: Rejected[] = []
  mapped.forEach((m, index) => {
    if (m.ok) {
      items.push(m.item)
      indexes.push(index)
    } else unmappable.push({ index, id: '', ok: false, reason: 'INVALID_EVENT', message: m.message })
  })
  return { items, indexes, unmappable }
}

/** "2 of 5 spans refused: #1: span: trace_id: must be ...; #4: ..." (the first five reasons). */
function describeRefusals(refused: Rejected[], total: number, type: TelemetryType): string {
  const reasons = refused.slice(0, 5).map((r) => `#${r.index}${r.id ? ` (${r.id})` : ''}: ${r.message}`)
  const more = refused.length > 5 ? `; and ${refused.length - 5} more` : ''
  return `${refused.length} of ${total} ${type.noun}s refused: ${reasons.join('; ')}${more}`.slice(0, 2000)
}

function respond(c: Context<GatewayEnv>, httpStatus: 200, body: Uint8Array | string, encoding: OtlpEncoding) {
  return c.body(typeof body === 'string' ? body : new Uint8Array(body), httpStatus, { 'Content-Type': encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json' })
}
