// Map step for typed telemetry (spans, metric points, log records): Kafka value in, the type's table row
// out, through the type's own declaration in schemas/. Pure; an unmappable value is a returned outcome.
import { describeIssues } from '../../../schemas/envelope.ts'
import { categoryOfTopic, typeForCategory } from '../../../schemas/telemetryTypes.ts'
import type { TelemetryType } from '../../../schemas/telemetryType.ts'
import { eventsTable } from '../../../schemas/event.ts'
import { mapEventRow } from './mapEventRows.ts'

export type RowOutcome = { ok: true; row: object } | { ok: false; reason: string }
export type TopicRoute = { table: string; mapRow: (value: Buffer | null) => RowOutcome }

export function mapTypedRow(type: TelemetryType, value: Buffer | null): RowOutcome {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty message value' }
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch (err) {
    return { ok: false, reason: `value is not JSON: ${(err as Error).message}` }
  }
  const parsed = type.enrichedSchema.safeParse(json)
  if (!parsed.success) return { ok: false, reason: `value does not match the ${type.noun} schema: ${describeIssues(parsed.error)}` }
  return { ok: true, row: type.toRow(parsed.data) }
}

/** Topic → table and mapper: the template's category names a typed table (spans, metrics, logs), else events. */
export function routeForTopic(topicTemplate: string, topic: string): TopicRoute {
  const category = categoryOfTopic(topicTemplate, topic)
  const type = category === null ? undefined : typeForCategory(category)
  if (!type) return { table: eventsTable.name, mapRow: mapEventRow }
  return { table: type.table.name, mapRow: (value) => mapTypedRow(type, value) }
}
