// Step 3 of every ingest route: give every valid item its server identity, times and the request's facts,
// through its type's own enrich (schemas/eventType.ts: geo and clock-skew correction; span.ts,
// metricPoint.ts, logRecord.ts). An item enrich refuses (an event's bad ip) becomes a refusal like any other.
import type { Place, RequestFacts, TelemetryType } from '../../../schemas/telemetryType.ts'
import type { Rejected, ValidationOutcome } from './splitAndValidate.ts'

/** An accepted item: the Kafka value its type's enrich made. */
export type EnrichedItem = { index: number; id: string; ok: true; item: { backend_id: string } }
export type EnrichOutcome = EnrichedItem | Rejected

export function enrichItems(outcomes: ValidationOutcome[], type: TelemetryType, facts: RequestFacts): EnrichOutcome[] {
  const requestFacts = { ...facts, geo: oncePerIp(facts.geo) }
  return outcomes.map((o): EnrichOutcome => {
    if (!o.ok) return o
    const enriched = type.enrich(o.item, requestFacts)
    return enriched.ok ? { index: o.index, id: o.id, ok: true, item: enriched.value } : { index: o.index, id: o.id, ok: false, reason: enriched.reason, message: enriched.message }
  })
}

/** The lookup asked once per distinct IP of the request (a batch usually has one), then the process-wide LRU. */
function oncePerIp(lookup: (ip: string) => Place): (ip: string) => Place {
  const seen = new Map<string, Place>()
  return (ip) => {
    let place = seen.get(ip)
    if (place === undefined) seen.set(ip, (place = lookup(ip)))
    return place
  }
}
