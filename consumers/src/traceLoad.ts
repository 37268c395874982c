// The consumer's self-trace of one loaded batch. A batch holds messages of many uploads (many traces),
// so, as OpenTelemetry does, the batch's `clickhouse insert` span is a root of its own trace with a link
// to each upload's gateway span. So that `npm run query -- trace <id>` shows the load inside the upload's
// own tree, each distinct sampled traceparent also gets a small `load into clickhouse` child span under
// the gateway span (same trace id) naming the batch span. Messages marked self-telemetry (the pipeline's
// own spans) are skipped: loading them records nothing, so self-tracing never loops.
import { randomHexId } from '../../common/ids.ts'
import { SELF_TELEMETRY_HEADER, type SelfTracer } from '../../common/selfTrace.ts'
import { parseTraceparent } from '../../common/traceparent.ts'
import type { InboundMessage } from './inboundMessage.ts'

/** Distinct sampled traceparents of a batch's messages, self-telemetry excluded. */
export function sampledParents(messages: InboundMessage[]): Array<{ traceId: string; spanId: string }> {
  const seen = new Map<string, { traceId: string; spanId: string }>()
  for (const m of messages) {
    if (m.headers[SELF_TELEMETRY_HEADER] === '1') continue
    const tp = parseTraceparent(m.headers.traceparent)
    if (!tp || !tp.sampled) continue
    const key = `${tp.traceId}-${tp.spanId}`
    if (!seen.has(key)) seen.set(key, { traceId: tp.traceId, spanId: tp.spanId })
  }
  return [...seen.values()]
}

const MAX_LINKS = 128 // the span schema's limit

export function recordLoadSpans(
  tracer: SelfTracer,
  messages: InboundMessage[],
  load: { table: string; startNs: bigint; endNs: bigint; inserted: number; deadLettered: number },
): void {
  if (!tracer.enabled) return
  const parents = sampledParents(messages)
  if (parents.length === 0) return
  const first = messages[0]!
  const batch = tracer.startSpan({
    name: 'clickhouse insert',
    kind: 'client',
    traceId: randomHexId(16),
    startNs: load.startNs,
    links: parents.slice(0, MAX_LINKS).map((p) => ({ trace_id: p.traceId, span_id: p.spanId })),
    attributes: {
      'db.system': 'clickhouse',
      'db.collection.name': load.table,
      'messaging.source.name': first.topic,
      'messaging.kafka.partition': first.partition,
      'messaging.batch.message_count': messages.length,
      'telemetry.rows_inserted': load.inserted,
      'telemetry.dead_lettered': load.deadLettered,
      'telemetry.linked_traces': parents.length,
    },
  })
  batch.end({ endNs: load.endNs })
  for (const p of parents) {
    tracer
      .startSpan({
        name: 'load into clickhouse',
        kind: 'consumer',
        traceId: p.traceId,
        parentSpanId: p.spanId,
        startNs: load.startNs,
        links: [{ trace_id: batch.traceId, span_id: batch.spanId }],
        attributes: { 'db.collection.name': load.table, 'telemetry.batch_trace_id': batch.traceId, 'telemetry.batch_span_id': batch.spanId },
      })
      .end({ endNs: load.endNs })
  }
}
