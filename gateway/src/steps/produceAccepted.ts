// Step 4 of every ingest route: one produce call for all of the request's accepted items, to the topic of
// the request's category, keyed by their type, acks from all in-sync replicas, bounded by the produce
// timeout. The response waits for this. Items of one key share NDJSON records (packRecords.ts).
import { JSON_CONTENT_TYPE, NDJSON_CONTENT_TYPE } from '../../../common/recordFormat.ts'
import { topicFor } from '../../../schemas/event.ts'
import type { TelemetryType } from '../../../schemas/telemetryType.ts'
import { withTimeout, type EventProducer } from '../eventProducer.ts'
import type { EnrichOutcome } from './enrichItems.ts'
import { packRecords } from './packRecords.ts'

export type ProduceResult =
  | { status: 'acknowledged'; topic: string; /** items */ count: number; records: number; durationMs: number }
  | { status: 'nothing-to-send' }
  | { status: 'unavailable'; topic: string; error: string; durationMs: number }

export type ProduceContext = {
  topicTemplate: string
  /** the request's category: names the topic */
  category: string
  timeoutMs: number
  traceparent: string
  requestId: string
  /** KAFKA_RECORD_MAX_BYTES: a record's value bound; 0 = one item per record (application/json) */
  recordMaxBytes: number
}

export async function produceAccepted(producer: EventProducer, type: TelemetryType, outcomes: EnrichOutcome[], ctx: ProduceContext): Promise<ProduceResult> {
  const items: Array<{ backend_id: string }> = []
  for (const o of outcomes) if (o.ok) items.push(o.item)
  if (items.length === 0) return { status: 'nothing-to-send' }
  const topic = topicFor(ctx.topicTemplate, ctx.category)
  const headers = {
    traceparent: ctx.traceparent,
    'x-request-id': ctx.requestId,
    'schema-version': String(type.schemaVersion),
    'content-type': ctx.recordMaxBytes > 0 ? NDJSON_CONTENT_TYPE : JSON_CONTENT_TYPE,
  }
  const messages = packRecords(items, (item) => type.partitionKey(item), ctx.recordMaxBytes).map((r) => ({ key: r.key, value: r.value, headers }))
  const started = performance.now()
  try {
    await withTimeout(producer.send(topic, messages), ctx.timeoutMs)
    return { status: 'acknowledged', topic, count: items.length, records: messages.length, durationMs: performance.now() - started }
  } catch (err) {
    return { status: 'unavailable', topic, error: (err as Error).message, durationMs: performance.now() - started }
  }
}
