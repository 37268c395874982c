// Step 4 of POST /v1/batch: one produce call for all of the request's valid events, acks from all
// in-sync replicas, bounded by the produce timeout. The response waits for this.
import { EVENT_SCHEMA_VERSION, topicFor } from '../../../schemas/event.ts'
import type { EnrichedEvent } from '../../../schemas/event.ts'
import { withTimeout, type EventProducer } from '../eventProducer.ts'
import { TYPED_SCHEMA_VERSION, type TelemetryType } from '../../../schemas/telemetryType.ts'
import type { EnrichOutcome } from './enrichEvent.ts'
import type { ItemEnrichOutcome } from './enrichItems.ts'

export type ProduceResult =
  | { status: 'acknowledged'; topic: string; count: number; durationMs: number }
  | { status: 'nothing-to-send' }
  | { status: 'unavailable'; topic: string; error: string; durationMs: number }

export type ProduceContext = {
  topicTemplate: string
  timeoutMs: number
  traceparent: string
  requestId: string
}

export async function produceAccepted(producer: EventProducer, outcomes: EnrichOutcome[], ctx: ProduceContext): Promise<ProduceResult> {
  const events: EnrichedEvent[] = []
  for (const o of outcomes) if (o.ok) events.push(o.event)
  if (events.length === 0) return { status: 'nothing-to-send' }

  const topic = topicFor(ctx.topicTemplate, events[0]!.category)
  return sendAll(producer, topic, events.map((event) => ({ key: partitionKey(event), value: event })), EVENT_SCHEMA_VERSION, ctx)
}

/** The typed-item variant (spans, metric points, log records): the type names the topic and the key. */
export async function produceItems(producer: EventProducer, type: TelemetryType, outcomes: ItemEnrichOutcome[], ctx: ProduceContext): Promise<ProduceResult> {
  const items: Array<{ backend_id: string }> = []
  for (const o of outcomes) if (o.ok) items.push(o.event)
  if (items.length === 0) return { status: 'nothing-to-send' }
  const topic = topicFor(ctx.topicTemplate, type.category)
  return sendAll(producer, topic, items.map((item) => ({ key: type.partitionKey(item), value: item })), TYPED_SCHEMA_VERSION, ctx)
}

async function sendAll(producer: EventProducer, topic: string, payloads: { key: string; value: object }[], schemaVersion: number, ctx: ProduceContext): Promise<ProduceResult> {
  const headers = {
    traceparent: ctx.traceparent,
    'x-request-id': ctx.requestId,
    'schema-version': String(schemaVersion),
    'content-type': 'application/json',
  }
  const messages = payloads.map((p) => ({ key: p.key, value: JSON.stringify(p.value), headers }))
  const started = performance.now()
  try {
    await withTimeout(producer.send(topic, messages), ctx.timeoutMs)
    return { status: 'acknowledged', topic, count: messages.length, durationMs: performance.now() - started }
  } catch (err) {
    return { status: 'unavailable', topic, error: (err as Error).message, durationMs: performance.now() - started }
  }
}

/** One device's events (else one app's) share a key, hence a partition, hence an order. */
export function partitionKey(event: Pick<EnrichedEvent, 'app_id' | 'device_id'>): string {
  return event.device_id ? `${event.app_id}/${event.device_id}` : event.app_id
}
