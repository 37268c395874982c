// Map step of the loader, for every kind of item: Kafka message value in, its type's table row out, through
// the type's declaration in schemas/ (the topic's category names the type: schemas/telemetryTypes.ts).
// Pure: no Kafka or ClickHouse here. A value that cannot be mapped is a returned outcome (dead-letter with
// the reason), never an exception.
import { describeIssues } from '../../../schemas/envelope.ts'
import type { TelemetryType } from '../../../schemas/telemetryType.ts'
import { categoryOfTopic, typeForCategory } from '../../../schemas/telemetryTypes.ts'

export type RowOutcome = { ok: true; row: object } | { ok: false; reason: string }
export type TopicRoute = { table: string; mapRow: (value: Buffer | null) => RowOutcome }

export function mapRow(type: TelemetryType, value: Buffer | null): RowOutcome {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty message value' }
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch (err) {
    return { ok: false, reason: `value is not JSON: ${(err as Error).message}` }
  }
  // the type's shortcut takes the common valid value; zod decides (and words the reason of) everything else
  let item = type.parseCommonEnriched?.(json)
  if (item === undefined) {
    const parsed = type.enrichedSchema.safeParse(json)
    if (!parsed.success) return { ok: false, reason: `value does not match the ${type.noun} schema: ${describeIssues(parsed.error)}` }
    item = parsed.data
  }
  try {
    return { ok: true, row: type.toRow(item) }
  } catch (err) {
    // e.g. a time beyond what Date can represent (> year 275760): JS refuses it, so dead-letter it
    return { ok: false, reason: `value cannot be mapped to a row: ${(err as Error).message}` }
  }
}

/** Topic → its type's table and row mapper (a topic the template did not name holds generic events). */
export function routeForTopic(topicTemplate: string, topic: string): TopicRoute {
  const type = typeForCategory(categoryOfTopic(topicTemplate, topic) ?? '')
  return { table: type.table.name, mapRow: (value) => mapRow(type, value) }
}
