// The enriched events the gateway would write to Kafka for benchmark bodies: the real validation and
// enrichment steps, a fixed geo answer (the lookup is not what these measurements are about).
import { loadConfig } from '../common/config.ts'
import type { EnrichedEvent } from '../schemas/event.ts'
import { batchItems } from '../gateway/src/batchItems.ts'
import type { BenchBody } from './generator.ts'

/** `bodies` must be uncompressed (gzip: false). */
export function gatewayEvents(bodies: BenchBody[]): EnrichedEvent[] {
  const limits = loadConfig({}).limits
  const geo = () => ({ country: 'US', region: 'CA', city: 'Mountain View' })
  const events: EnrichedEvent[] = []
  for (const body of bodies) {
    const envelope = JSON.parse(body.bytes.toString()) as { meta: never; data: unknown[] }
    const { outcomes } = batchItems(envelope, limits, { receivedAt: Date.now(), clientIp: '8.8.8.8', geo })
    for (const o of outcomes) if (o.ok) events.push(o.item as EnrichedEvent)
  }
  return events
}
