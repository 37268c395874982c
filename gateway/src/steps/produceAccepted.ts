// Step 4 of every ingest route: one produce call for all of the request's accepted items, to the topic of
// the request's category, keyed by their type, acks from all in-sync replicas, bounded by the produce
// timeout. The response waits for this.
import { topicFor } from '../../../schemas/event.ts'
import type { TelemetryType } from '../../../schemas/telemetryType.ts'
import { withTimeout, type EventProducer } from '../eventProducer.ts'
import type { EnrichOutcome } from './enrichItems.ts'

export type ProduceResult =
  | { status: 'acknowledged'; topic: string; count: number; durationMs: number }
  | { status: 'nothing-to-send' }
  | { status: 'unavailable'; topic: string; error: string; durationMs: number }

export type ProduceContext = {
  topicTemplate: string
  /** the request's category: names the topic */
  category: string
  timeoutMs: number
  traceparent: string
  requestId: string
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
    'content-type': 'application/json',
  }
  const messages = items.map((item) => ({ key: type.partitionKey(item), value: JSON.stringify(item), headers }))
  const started = performance.now()
  try {
    await withTimeout(producer.send(topic, messages), ctx.timeoutMs)
    return { status: 'acknowledged', topic, count: messages.length, durationMs: performance.now() - started }
  } catch (err) {
    return { status: 'unavailable', topic, error: (err as Error).message, durationMs: performance.now() - started }
  }
}
