// Step 3 for typed items (spans, metric points, log records): give every valid item its server id and the
// request's facts, through the type's own enrich (schemas/span.ts, metricPoint.ts, logRecord.ts).
import { uuidv7 } from '../../../common/ids.ts'
import type { ItemFacts, TelemetryType } from '../../../schemas/telemetryType.ts'
import type { ItemOutcome } from './splitAndValidate.ts'
import type { Rejected } from './splitAndValidate.ts'

export type EnrichedItem = { index: number; id: string; ok: true; event: { backend_id: string } }
export type ItemEnrichOutcome = EnrichedItem | Rejected

export function enrichItems(outcomes: ItemOutcome[], type: TelemetryType, facts: ItemFacts): ItemEnrichOutcome[] {
  return outcomes.map((o) => (o.ok ? { index: o.index, id: o.id, ok: true, event: type.enrich(o.item, facts, uuidv7(facts.receivedAt)) } : o))
}
