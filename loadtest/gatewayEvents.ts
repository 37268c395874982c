// The enriched events the gateway would write to Kafka for benchmark bodies: the real validation and
// enrichment steps, a fixed geo answer (the lookup is not what these measurements are about).
import { loadConfig } from '../common/config.ts'
import type { EnrichedEvent } from '../schemas/event.ts'
import { enrichEvents } from '../gateway/src/steps/enrichEvent.ts'
import { splitAndValidate } from '../gateway/src/steps/splitAndValidate.ts'
import type { BenchBody } from './generator.ts'

/** `bodies` must be uncompressed (gzip: false). */
export function gatewayEvents(bodies: BenchBody[]): EnrichedEvent[] {
  const limits = loadConfig({}).limits
  const geo = () => ({ country: 'US', region: 'CA', city: 'Mountain View' })
  const events: EnrichedEvent[] = []
  for (const body of bodies) {
    const { meta, data } = JSON.parse(body.bytes.toString()) as { meta: never; data: unknown[] }
    const outcomes = enrichEvents(splitAndValidate(data, limits), { requestId: 'r', receivedAt: Date.now(), clientIp: '8.8.8.8', meta, maxFutureMs: 86_400_000, ipAnonymization: 'off' }, geo)
    for (const o of outcomes) if (o.ok) events.push(o.event)
  }
  return events
}
